/** Settings in server code on the local cloud, end to end (README "Settings"): a real device
 * (SimulatedDevice: supervisor, VM and settings on aws-iot-device-sdk-v2 over mutual TLS), the
 * shadow service, and the server host running the server snapshot. The onDevice handler sees the
 * device's reported value, asks for another with set(), and hears the device report it. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../../core/compiler/compileFeatures";
import { loadWasmEngine } from "../../core/engine";
import type { MicroviumEngine } from "../../core/engine/types";
import { settingsShadowName } from "../../core/settings/settingDecl";
import { SimulatedDevice } from "../../firmware/simulatedDevice";
import { LocalCloud } from "../../local/cloud";
import { startCloudDevice } from "../support/cloudDevice";
import { writeFeatures } from "../support/tempFeatures";
import { waitFor } from "../support/waitFor";

const thermostat = (tag: string) => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });
  const reading = api.newCommsChannel<number>("reading", { direction: "device-to-server" });
  api.mcu.setInterval(() => reading.pushMessageToServer(setpoint.value), 200);
  setpoint.addEventListener("change", (v) => api.log("device applied " + v));

  api.server.onDevice((device) => {
    let asked = 0;
    api.server.notify(device.name + " ${tag} starts with " + setpoint.value);
    setpoint.addEventListener("change", (v) => api.server.notify(device.name + " reports setpoint " + v));
    reading.addEventListener("messageFromDevice", (v) => {
      if (v === 21 && asked === 0) {
        asked = 1;
        setpoint.set(27);
      }
      if (v === 27 && asked === 1) {
        asked = 2;
        setpoint.set(99);   // out of range on purpose
      }
    });
  });
}
`;

describe("settings in server code on the local cloud (device, shadow service, server host)", function () {
  this.timeout(90_000);
  let engine: MicroviumEngine;
  let build: CompileResult, rebuilt: CompileResult;
  let stateDir: string;
  let cloud: LocalCloud | undefined;
  let device: SimulatedDevice | undefined;
  const cloudLog: string[] = [];
  const deviceLog: string[] = [];

  before(async () => {
    [engine, build, rebuilt] = await Promise.all([
      loadWasmEngine(),
      compileFeatures({ entry: writeFeatures({ "app.ts": thermostat("v1") }, "thermo") }),
      compileFeatures({ entry: writeFeatures({ "app.ts": thermostat("v2") }, "thermo") }),
    ]);
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-server-settings-"));
  });
  after(async () => {
    await device?.stop().catch(() => {});
    await cloud?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  async function startDevice(c: LocalCloud): Promise<SimulatedDevice> {
    device = await startCloudDevice(c, "gh-1", stateDir, { engine, gracePeriodMs: 200, keepAliveSeconds: 1, onLog: (line) => deviceLog.push(line) });
    return device;
  }

  it("set() from a handler reaches the device through the shadow, the handler hears the device report it, and a bad value changes nothing", async () => {
    cloud = await LocalCloud.start({ stateDir: path.join(stateDir, "cloud"), build, port: 0, dashboardBundleDir: null, log: (line) => cloudLog.push(line) });
    await cloud.deploy(build);
    await startDevice(cloud);
    await waitFor("the device applied the server's 27", () => deviceLog.some((l) => l.includes("device applied 27")), 30_000);
    await waitFor("the handler heard the device report 27", () => cloudLog.includes("[alert] gh-1: gh-1 reports setpoint 27"));
    const shadow = () => cloud!.shadows.store.get("gh-1", settingsShadowName("thermo"));
    await waitFor("the refusal of 99 in the output", () => cloudLog.some((l) => /\[server\] handler for gh-1: .*setting "setpoint"\.set\(99\) refused: 99 is above the maximum 35 of setting "setpoint" \(accepted: 5 to 35\); nothing was changed/.test(l)));
    assert.equal(shadow()?.desired?.setpoint ?? 27, 27, "99 never reached the shadow");
    assert.equal(shadow()?.reported?.setpoint, 27);
    assert.ok(!deviceLog.some((l) => l.includes("device applied 99")));
  });

  it("after a restart with new server code, the handler starts from the build with the device's reported value", async () => {
    assert.ok(cloudLog.includes("[alert] gh-1: gh-1 v1 starts with 21"), cloudLog.join("\n"));
    await device!.stop();
    device = undefined;
    await cloud!.stop();
    cloud = await LocalCloud.start({ stateDir: path.join(stateDir, "cloud"), build: rebuilt, port: 0, dashboardBundleDir: null, log: (line) => cloudLog.push(line) });
    await waitFor("the fresh handler's start line", () => cloudLog.some((l) => l.startsWith("[alert] gh-1: gh-1 v2 starts with")));
    assert.ok(cloudLog.includes("[alert] gh-1: gh-1 v2 starts with 27"), cloudLog.filter((l) => l.includes("starts with")).join("\n"));
  });
});
