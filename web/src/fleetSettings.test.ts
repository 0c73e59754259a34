import assert from "node:assert/strict";
import type { Manifest } from "../../core/contracts/manifest";
import { settingsShadowName } from "../../core/settings/settingDecl";
import { FleetSettings } from "./fleetSettings";

describe("dashboard settings: changing one is an operator's action", () => {
  const manifest = { settings: [{ name: "setpoint", default: 21, min: 5, max: 35 }] } as unknown as Manifest;
  const linkFor = () => {
    const sent: { topic: string; payload: string }[] = [];
    return { sent, link: { subscribe: () => {}, publish: (topic: string, payload: string) => (sent.push({ topic, payload }), true) } };
  };

  it("a viewer link's set is refused with the reason and publishes nothing (AWS would disconnect it)", () => {
    const { sent, link } = linkFor();
    const settings = new FleetSettings("gs", () => manifest, link, "viewer", () => undefined);
    assert.throws(() => settings.set("gh-1", "setpoint", 30), /setting "setpoint" of gh-1 was not changed: .*operator link \(the "operator" link snapfleet dev prints; for a deployment: snapfleet dashboard-link --role operator\)/);
    assert.deepEqual(sent, []);
  });

  it("an operator link's set asks for the value in the device's settings shadow", () => {
    const { sent, link } = linkFor();
    const settings = new FleetSettings("gs", () => manifest, link, "operator", () => undefined);
    settings.set("gh-1", "setpoint", 30);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].topic, `$aws/things/gh-1/shadow/name/${settingsShadowName("gs")}/update`);
    assert.deepEqual(JSON.parse(sent[0].payload).state, { desired: { setpoint: 30 } });
  });
});
