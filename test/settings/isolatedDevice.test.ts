/** Settings on a device whose app runs in its own worker thread, as `snapfleet dev` runs them
 * (firmware/isolation/): the worker's supervisor reaches the settings shadow through the host's
 * link, and the values persist in the device's state dir across a restart. The dashboard's side
 * (a desired value) is published on the broker in process; web/settings.test.ts drives it from
 * Chromium. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../../core/compiler/compileFeatures";
import { settingsShadowName } from "../../core/settings/settingDecl";
import { SimulatedDevice } from "../../firmware/simulatedDevice";
import { LocalCloud } from "../../local/cloud";
import { startCloudDevice } from "../support/cloudDevice";
import { waitFor } from "../support/waitFor";
import { writeFeatures } from "../support/tempFeatures";

const APP_SOURCE = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const interval = api.defineSetting("interval", { default: 1000, min: 100, max: 60000 });
  api.mcu.onStart(() => api.log("start interval " + interval.value));
  interval.addEventListener("change", (v) => api.log("interval now " + v));
}
`;

describe("settings on an isolated device (worker thread), as snapfleet dev runs it", function () {
  this.timeout(60_000);
  let build: CompileResult;
  let stateDir: string;
  let cloud: LocalCloud;
  const logs: string[] = [];
  let device: SimulatedDevice | undefined;

  before(async () => {
    build = await compileFeatures({ entry: writeFeatures({ "app.ts": APP_SOURCE }, "iso") });
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-settings-iso-"));
    cloud = await LocalCloud.start({ stateDir: path.join(stateDir, "cloud"), build, port: 0, dashboardBundleDir: null });
    await cloud.deploy(build);
  });

  after(async () => {
    await device?.stop().catch(() => {});
    await cloud?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  async function start(): Promise<SimulatedDevice> {
    device = await startCloudDevice(cloud, "iso-1", stateDir, { gracePeriodMs: 200, onLog: (line) => logs.push(line), isolation: {} });
    return device;
  }

  /** Sets desired as the dashboard does, through the broker (in process, like a dashboard publish). */
  function setDesired(value: unknown): void {
    const topic = `$aws/things/iso-1/shadow/name/${settingsShadowName(cloud.app)}/update`;
    cloud.broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(JSON.stringify({ state: { desired: { interval: value } } })), qos: 1, retain: false, dup: false }, () => {});
  }

  const reported = () => (cloud.shadows.store.get("iso-1", settingsShadowName(cloud.app))?.reported as Record<string, unknown> | undefined)?.interval;

  it("applies a desired value in the worker, reports it, refuses a bad one, and starts with the saved value after a restart", async () => {
    await start();
    await waitFor("the app started in its worker", () => logs.some((l) => l.includes("start interval 1000")), 30_000);
    await waitFor("first report", () => reported() === 1000);
    setDesired(250);
    await waitFor("applied in the worker", () => logs.some((l) => l.includes("interval now 250")));
    await waitFor("reported 250", () => reported() === 250);
    setDesired(5);
    await waitFor("refusal on the log", () => logs.some((l) => /refused the desired value of setting "interval": 5 is below the minimum 100/.test(l)));
    assert.equal(reported(), 250);
    await device!.stop();
    logs.length = 0;
    await start();
    await waitFor("restarted", () => logs.some((l) => l.includes("start interval")), 30_000);
    assert.ok(logs.some((l) => l.includes("start interval 250")), logs.join("\n"));
  });
});
