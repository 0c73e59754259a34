/** Settings end to end (README "Settings"), as a user meets them: the thermostat of issue 15 on the
 * local cloud (real broker over mutual TLS, the shadow service, Jobs, artifacts, dashboard server),
 * a simulated device that installs it over the air, and the dashboard in Chromium. A setpoint set on
 * the dashboard reaches the device online and offline (when it reconnects), survives its reboot and
 * an OTA update, shows on a second dashboard; a bad value is refused with a clear error. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud } from "../local/cloud";
import { startCloudDevice } from "../test/support/cloudDevice";
import { waitFor } from "../test/support/waitFor";
import { writeFeatures } from "../test/support/tempFeatures";
import { buildWebBundle } from "./bundle";
import { launchChromium } from "./testSupport/dashboardFixture";

/** The thermostat, with the controls following the device. `tag` makes a new device version. */
const thermostat = (tag: string) => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });
  const heating = api.defineSetting("heating", { default: true });
  const heater = api.mcu.getDigitalPin("D6");
  api.mcu.onStart(() => api.log("${tag} start setpoint " + setpoint.value));
  setpoint.addEventListener("change", (v) => api.log("${tag} applied setpoint " + v));
  api.mcu.setInterval(() => heater.write(heating.value && setpoint.value > 25), 200);
  api.registerUiControl((el) => {
    el.setText("setpoint " + setpoint.value);
    const slider = el.slider({ min: 5, max: 35, step: 0.5, value: setpoint.value }, (v) => setpoint.set(v));
    const toggle = el.toggle("Heating", (on) => heating.set(on), { on: heating.value });
    el.button("Too hot", () => setpoint.set(99));
    setpoint.addEventListener("change", (v) => { el.setText("setpoint " + v); slider.set(v); });
    heating.addEventListener("change", (on) => toggle.set(on));
  }, { title: "Thermostat" });
}
`;

describe("settings: dashboard → settings shadow → device (Chromium, local cloud)", function () {
  this.timeout(90_000);
  let engine: MicroviumEngine;
  let v1: CompileResult, v2: CompileResult;
  let stateDir: string;
  let cloud: LocalCloud;
  let browser: Browser;
  const pages: Page[] = [];
  let device: SimulatedDevice | undefined;
  const logs: string[] = [];

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-settings-e2e-"));
    let bundleDir: string;
    [engine, v1, v2, bundleDir] = await Promise.all([
      loadWasmEngine(),
      compileFeatures({ entry: writeFeatures({ "app.ts": thermostat("v1") }, "thermo") }),
      compileFeatures({ entry: writeFeatures({ "app.ts": thermostat("v2") }, "thermo") }),
      buildWebBundle({ outDir: path.join(stateDir, "bundle") }).then((b) => b.outDir),
    ]);
    cloud = await LocalCloud.start({ stateDir: path.join(stateDir, "cloud"), build: v1, port: 0, dashboardBundleDir: bundleDir });
    browser = await launchChromium();
  });

  after(async () => {
    await device?.stop().catch(() => {});
    await browser?.close();
    await cloud?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  async function startDevice(): Promise<SimulatedDevice> {
    device = await startCloudDevice(cloud, "gh-1", stateDir, { engine, gracePeriodMs: 200, keepAliveSeconds: 1, onLog: (line) => logs.push(line) });
    return device;
  }

  async function openDashboard(): Promise<Page> {
    const page = await browser.newPage();
    pages.push(page);
    // Changing a setting is an operator's action (core/contracts/dashboardRoles.ts); the device's page holds its controls.
    await page.goto(`${cloud.dashboard!.operatorUrl}&device=gh-1`);
    return page;
  }

  const thermostatOf = (page: Page) => page.getByRole("article", { name: "gh-1", exact: true }).getByRole("region", { name: "Thermostat" });
  const applied = () => device?.device?.supervisor.settings?.values;

  it("reaches the online device, shows its reported value, survives offline, reboot and OTA, and shows on a second dashboard; bad values are refused", async () => {
    await cloud.deploy(v1);
    await startDevice();
    await waitFor("v1 installed and started", () => logs.some((l) => l.includes("v1 start setpoint 21")), 20_000);

    // Online: the slider sets the desired value, the device applies it, the card shows what it reported.
    const page = await openDashboard();
    const control = thermostatOf(page);
    await control.getByText("setpoint 21").waitFor({ timeout: 10_000 });
    await control.getByRole("slider").fill("28.5");
    await waitFor("the device applied 28.5", () => applied()?.setpoint === 28.5);
    await control.getByText("setpoint 28.5").waitFor({ timeout: 5000 });
    assert.ok(logs.some((l) => l.includes("v1 applied setpoint 28.5")), logs.join("\n"));
    await control.getByRole("switch", { name: "Heating" }).click();
    await waitFor("heating off on the device", () => applied()?.heating === false);

    // A bad value: a clear error in the control, nothing changes.
    await control.getByRole("button", { name: "Too hot" }).click();
    const error = await control.getByRole("alert").textContent({ timeout: 5000 });
    assert.match(error ?? "", /setting "setpoint"\.set\(99\) refused: 99 is above the maximum 35 of setting "setpoint" \(accepted: 5 to 35\); nothing was changed/);
    assert.equal(applied()?.setpoint, 28.5);

    // Offline: the device stops; the value waits in the shadow and reaches it when it reconnects (a reboot).
    await device!.stop();
    await page.getByRole("article", { name: "gh-1", exact: true }).getByRole("status").filter({ hasText: "offline" }).waitFor({ timeout: 10_000 });
    await control.getByRole("slider").fill("30");
    await waitFor("desired 30 in the shadow", () => (cloud.shadows.store.get("gh-1", "thermo-settings")?.desired as Record<string, unknown> | undefined)?.setpoint === 30);
    logs.length = 0;
    await startDevice();
    await waitFor("the rebooted device applied 30", () => applied()?.setpoint === 30, 20_000);
    assert.ok(logs.some((l) => l.includes("v1 start setpoint 28.5")), `the reboot starts with the persisted value:\n${logs.join("\n")}`);
    await control.getByText("setpoint 30", { exact: true }).waitFor({ timeout: 5000 });

    // OTA: v2 starts with the value the device applied under v1.
    logs.length = 0;
    await cloud.deploy(v2);
    await waitFor("v2 started", () => logs.some((l) => l.includes("v2 start setpoint")), 30_000);
    assert.ok(logs.some((l) => l.includes("v2 start setpoint 30")), logs.join("\n"));
    assert.equal(applied()?.heating, false);

    // A second dashboard shows the device's values from the start.
    const second = await openDashboard();
    const other = thermostatOf(second);
    await other.getByText("setpoint 30", { exact: true }).waitFor({ timeout: 10_000 });
    assert.equal(await other.getByRole("slider").inputValue(), "30");
    assert.equal(await other.getByRole("switch", { name: "Heating" }).getAttribute("aria-checked"), "false");
  });
});
