import assert from "node:assert/strict";
import { forgetToken, parseDashboardConfig, takeToken } from "./config";

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

function page(hash: string) {
  const replaced: string[] = [];
  const location = { hash, pathname: "/", search: "" } as Location;
  const history = { replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) } as unknown as History;
  return { location, history, replaced };
}

describe("dashboard config and token", () => {
  it("takes the token from the fragment, keeps it for the session and strips it from the address bar", () => {
    const storage = new MemoryStorage();
    const { location, history, replaced } = page("#token=sfdash.1.abc&view=grid");
    assert.equal(takeToken(location, history, storage as unknown as Storage), "sfdash.1.abc");
    assert.deepEqual(replaced, ["/#view=grid"]);
    const reload = page("");
    assert.equal(takeToken(reload.location, reload.history, storage as unknown as Storage), "sfdash.1.abc");
    assert.deepEqual(reload.replaced, [], "nothing to strip");
    forgetToken(storage as unknown as Storage);
    assert.equal(takeToken(reload.location, reload.history, storage as unknown as Storage), undefined);
  });

  it("accepts a well-formed dashboard-config.json", () => {
    const config = parseDashboardConfig({ app: "grow", mqtt: { url: "wss://example.iot.eu-west-1.amazonaws.com/mqtt", username: "dashboard" } }, "dashboard-config.json");
    assert.equal(config.app, "grow");
  });

  it("names every wrong field of dashboard-config.json", () => {
    assert.throws(
      () => parseDashboardConfig({ app: "", mqtt: { url: "http://x/mqtt", username: "" } }, "dashboard-config.json"),
      /dashboard-config\.json: "app" must be the app name; "mqtt\.url" must be a ws:\/\/ or wss:\/\/ URL; "mqtt\.username" must be a non-empty string/,
    );
    assert.throws(() => parseDashboardConfig({ app: "grow" }, "cfg"), /cfg: "mqtt" must be/);
    assert.throws(() => parseDashboardConfig(null, "cfg"), /cfg is not a JSON object/);
    assert.throws(() => parseDashboardConfig({ app: "grow", mqtt: { url: "ws://x/mqtt", username: "d" }, onboarding: "yes" }, "cfg"), /cfg: "onboarding" must be true or false/);
    assert.equal(parseDashboardConfig({ app: "grow", mqtt: { url: "ws://x/mqtt", username: "d" }, onboarding: true }, "cfg").onboarding, true);
  });
});
