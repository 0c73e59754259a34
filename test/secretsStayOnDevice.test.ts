/** README: "the dashboard snapshot has no device code and never a secret value"; secret values
 * are "baked into the device snapshot only". Checked on an app whose dashboard and server code
 * try to read the secrets, so a leak has somewhere to go. */
import assert from "node:assert/strict";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { FeatureVm } from "../core/runtime/featureVm";
import { ManualClock } from "../firmware/clock";
import { Device } from "../firmware/device";
import { InMemoryTransport } from "../firmware/transport";
import { writeApp } from "./support/tempFeatures";
import { sentOn } from "./support/testDevice";
import { WebTestHost } from "./support/webTestHost";

const SECRETS = { "wifi-password": "pw-7Hq2-xZ9w-only-on-device", "api-key": "ak-1f0e9d8c-never-on-web" };

/** Every way the snapshot could hold the value: whole, or its longer half (a split string). */
function leaks(bytes: Uint8Array, value: string): string | undefined {
  const haystack = Buffer.from(bytes);
  const half = Math.ceil(value.length / 2);
  for (const piece of [value, value.slice(0, half), value.slice(-half)]) {
    for (const encoding of ["utf8", "utf16le"] as const) if (haystack.includes(Buffer.from(piece, encoding))) return `${JSON.stringify(piece)} (${encoding})`;
  }
  return undefined;
}

describe("the dashboard and server snapshots never hold a secret value, even when their code reads it", () => {
  let engine: MicroviumEngine;
  let build: CompileResult;
  before(async () => {
    [engine, build] = await Promise.all([
      loadWasmEngine(),
      compileFeatures({
        entry: writeApp(`  const password = api.defineSecret("wifi-password");
  const key = api.defineSecret("api-key");
  const status = api.newCommsChannel<string>("status");
  // The mistake this guards against: dashboard and server code reading secrets.
  api.registerUiControl((el) => el.setText("password: " + password.value), { title: "Wi-Fi" });
  status.addEventListener("messageFromDevice", (s) => api.log(s + " with key " + key.value));
  api.mcu.onStart(() => status.pushMessageToServer("connected " + (password.value.length + key.value.length)));`),
        secrets: SECRETS,
      }),
    ]);
  });

  it("the web and server snapshots hold neither value; the device snapshot holds both", () => {
    for (const value of Object.values(SECRETS)) {
      assert.equal(leaks(build.snapshots.web, value), undefined, `web snapshot holds the secret ${value}`);
      assert.equal(leaks(build.snapshots.server, value), undefined, `server snapshot holds the secret ${value}`);
      assert.ok(leaks(build.snapshots.device, value), `the device snapshot needs ${value}`);
      assert.ok(!JSON.stringify(build.manifest).includes(value), "manifest holds a secret value");
    }
  });

  it("the dashboard's and the server's reads fail with the secret's name, never with a value", () => {
    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    assert.throws(() => web.render(0), /^.*secret "wifi-password"\.value is only available on the device target; it was read on the web target/);
    assert.equal(host.texts.size, 0, "nothing was shown");
    web.dispose();
    const serverHost = new WebTestHost();
    const server = new FeatureVm(engine, build.snapshots.server, "server", serverHost);
    assert.throws(() => server.deliver(0, "connected"), /secret "api-key"\.value is only available on the device target; it was read on the server target/);
    assert.deepEqual(serverHost.logs, []);
    server.dispose();
  });

  it("on the device the values are there", async () => {
    const transport = new InMemoryTransport();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", clock: new ManualClock(), transport, engine });
    assert.deepEqual(device.supervisor.appErrors, []);
    const length = SECRETS["wifi-password"].length + SECRETS["api-key"].length;
    assert.deepEqual(sentOn(transport, build.manifest.app, "status").map((e) => e.v), [`connected ${length}`]);
    device.stop();
  });
});
