/** Ctrl-C in `snapfleet dev` (DevSession.stop, as devCommand.ts calls it) while a device's link
 * is down and the crt is retrying it: its certificate was revoked (`snapfleet devices revoke`
 * beside dev), so the broker refuses every reconnect; or the broker closes it at every reconnect
 * for a publish its policy refuses. Its app is not stuck, so it stops as the others do: no "did
 * not stop within 2 s; its app was terminated" line, in this process and in a fleet host alike.
 * The genuinely stuck app still gets the line (test/isolation.test.ts, test/fleet.test.ts). Real
 * broker, real devices; asserted are the lines and the state after the stop, never a duration. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DevSession } from "../cli/devSession";
import { ThingRegistry } from "../local/registry";
import type { SimulatedDevice } from "../firmware/simulatedDevice";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

const source = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  api.mcu.setInterval(() => level.pushMessageToServer(1), 200);
}
`;

describe("snapfleet dev stopped while a device retries its connection", function () {
  this.timeout(180_000);
  let stateDir: string;
  let session: DevSession | undefined;
  beforeEach(() => (stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-stopline-"))));
  afterEach(async () => {
    await session?.stop();
    session = undefined;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  for (const where of ["in this process", "in a fleet host"] as const) {
    it(`${where}: the retrying device stops as the others do, no 'did not stop within' line, each refusal said once`, async () => {
      const logs: string[] = [];
      const entry = writeFeatures({ "app.ts": source }, `stopline-${where === "in this process" ? "local" : "hosted"}`);
      const s = await DevSession.start({ entry, secrets: {}, devices: 3, port: 0, stateDir, dashboardBundleDir: null, watch: false, sharedThreadsAbove: where === "in this process" ? undefined : 2, log: (l) => logs.push(l) });
      session = s;
      const rows = () => s.cloud.monitor.devices();
      await waitFor("the three devices online on the version", () => rows().length === 3 && rows().every((r) => r.online && r.ota === "SUCCEEDED"), 120_000);
      const devices = [...s.devices] as SimulatedDevice[];
      assert.equal(devices.length, where === "in this process" ? 3 : 0);

      // As `snapfleet devices revoke sim-2` does from another process.
      await (await ThingRegistry.open(stateDir)).revoke("sim-2");
      const refusals = () => logs.filter((l) => /^\[cloud\] broker: refused authenticate .*client id "sim-2"/.test(l));
      // Two refused reconnects: the crt's backoff has doubled, its next attempt is seconds away.
      await waitFor("two refused reconnects of sim-2", () => refusals().length >= 2, 60_000);
      const refusedBeforeStop = refusals().length;

      await s.stop();
      session = undefined;
      assert.deepEqual(logs.filter((l) => /did not stop within|was terminated/.test(l)), []);
      // Each refused connect is one line, in our words: not aedes's clientError again after it.
      assert.deepEqual(logs.filter((l) => /broker: client "sim-2" error/.test(l)), []);
      assert.equal(refusals().length, refusedBeforeStop, "no attempt of sim-2 after its stop");
      for (const d of devices) assert.equal(d.transport.connected, false, `${d.thing}'s link is closed`);
      assert.deepEqual(s.devices, []);
    });
  }

  it("devices the broker closes at every reconnect for a publish it refuses stop as the others do, no 'did not stop within' line", async () => {
    const logs: string[] = [];
    const entry = writeFeatures({ "app.ts": source }, "stopline-kicked");
    const s = await DevSession.start({ entry, secrets: {}, devices: 2, port: 0, stateDir, dashboardBundleDir: null, watch: false, log: (l) => logs.push(l) });
    session = s;
    const rows = () => s.cloud.monitor.devices();
    await waitFor("the devices online on the version", () => rows().length === 2 && rows().every((r) => r.online && r.ota === "SUCCEEDED"), 120_000);
    // The policies lose the channel the running app publishes on (as a deploy two channel changes
    // ahead of a device would): each publish closes its connection, and the crt sends the
    // unacknowledged one again at every reconnect.
    const { manifest } = s.cloud.broker;
    s.cloud.broker.reloadManifest({ ...manifest, channels: manifest.channels.map((c) => ({ ...c, name: `${c.name}-renamed` })) });
    const closed = (thing: string) => logs.filter((l) => new RegExp(`^\\[cloud\\] broker: refused iot:Publish .*\\(client id "${thing}"\\).*; connection closed$`).test(l)).length;
    await waitFor("both devices closed at two reconnects", () => closed("sim-1") >= 3 && closed("sim-2") >= 3, 60_000);

    await s.stop();
    session = undefined;
    assert.deepEqual(logs.filter((l) => /did not stop within|was terminated/.test(l)), []);
    assert.deepEqual(logs.filter((l) => /broker: client "sim-\d" error/.test(l)), []);
  });
});
