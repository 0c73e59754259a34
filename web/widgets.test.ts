import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { writeApp } from "../test/support/tempFeatures";
import { startDashboardStack, type DashboardStack } from "./testSupport/dashboardFixture";
import { MqttDevice } from "./testSupport/mqttDevice";

/** Every widget kind of the control API, each wired to the device through a channel, plus a
 * control that throws: what a feature author can put on a card, in real Chromium. */
const APP_BODY = `
  const level = api.newCommsChannel("level", { direction: "server-to-device" });
  const reading = api.newCommsChannel("reading", { qos: 0 });
  level.addEventListener("messageFromServer", (v) => api.log("level " + v));
  api.registerUiControl((el) => {
    el.button("Max", () => level.sendToDevice(100));
    el.slider({ min: 0, max: 50, step: 10 }, (v) => level.sendToDevice(v));
  }, { title: "Level" });
  api.registerUiControl((el) => {
    const gauge = el.gauge({ min: 0, max: 10, unit: "bar" });
    reading.addEventListener("messageFromDevice", (v) => {
      el.setText("reading " + v);
      gauge.set(v);
    });
  }, { title: "Pressure" });
  api.registerUiControl((el) => {
    reading.addEventListener("messageFromDevice", (v) => {
      if (v > 100) throw new Error("reading too high for this control");
      el.setText("ok " + v);
    });
  }, { title: "Checked" });
  api.registerUiControl((el) => {
    el.setText("drawn before the failure");
    throw new Error("render failed here");
  }, { title: "Broken" });
  const report = api.newCommsChannel("report", { direction: "device-to-server" });
  api.registerUiControl((el) => {
    el.button("Ask", () => report.sendToDevice(1));
  }, { title: "Report" });
  const sensor = api.mcu.getAnalogPin("A0");
  api.mcu.setInterval(() => reading.pushMessageToServer(sensor.read()), 200);
`;

describe("dashboard widgets in Chromium", function () {
  this.timeout(30000);
  let stack: DashboardStack;
  let page: Page;
  let device: MqttDevice;
  const logs: string[] = [];
  let pressure = 4;

  before(async () => {
    stack = await startDashboardStack({ entry: writeApp(APP_BODY) });
    device = await MqttDevice.connect({
      broker: stack.broker,
      manifest: stack.build.manifest,
      snapshot: stack.build.snapshots.device,
      thing: "rig-1",
      engine: stack.engine,
      pins: { A0: () => pressure },
      onLog: (line) => logs.push(line),
    });
    page = await stack.browser.newPage();
    // The device's page (the dashboard opens on the fleet table).
    await page.goto(`${stack.server.url}&device=rig-1`);
    page.on("console", (m) => logs.push(`[page] ${m.text()}`));
    await page.getByLabel("Pressure value", { exact: true }).filter({ hasText: "reading 4" }).waitFor({ timeout: 5000 });
  });

  after(async () => {
    await device?.stop().catch(() => undefined);
    await stack?.stop();
  });

  const until = async (what: string, condition: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; device log: ${logs.join(" | ")}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it("a button sends its value to the device", async () => {
    await page.getByRole("button", { name: "Max" }).click();
    await until("level 100 on the device", () => logs.includes("[app] level 100"));
  });

  it("a slider sends the released value, on the step grid", async () => {
    const slider = page.getByRole("slider", { name: "Level" });
    await slider.fill("30");
    await until("level 30 on the device", () => logs.includes("[app] level 30"));
    assert.equal(await page.locator(".slider output").textContent(), "30");
  });

  it("shows a control whose render function throws as an error in that control only", async () => {
    const broken = page.getByRole("region", { name: "Broken" });
    assert.match((await broken.getByRole("alert").textContent()) ?? "", /render failed here/);
    assert.equal(await broken.getByLabel("Broken value").textContent(), "drawn before the failure");
    for (const title of ["Level", "Pressure", "Checked"]) assert.equal(await page.getByRole("region", { name: title }).getByRole("alert").count(), 0, title);
  });

  it("a send on a device-to-server channel is refused in its control, naming the channel; the dashboard stays connected", async () => {
    const report = page.getByRole("region", { name: "Report" });
    await report.getByRole("button", { name: "Ask" }).click();
    await report.getByRole("alert").filter({ hasText: `channel "report" is "device-to-server": the dashboard can't send on it; declare it with direction "both" or "server-to-device"` }).waitFor({ timeout: 5000 });
    logs.length = 0;
    await page.getByRole("button", { name: "Max" }).click();
    await until("level 100 on the device after the refusal", () => logs.includes("[app] level 100"));
  });

  it("a gauge shows the value and clamps its arc to its range", async () => {
    const gauge = page.getByRole("meter", { name: "Pressure gauge" });
    assert.equal(await gauge.getAttribute("aria-valuetext"), "4 bar");
    const [dash, length] = (await gauge.locator(".gauge-fill").getAttribute("stroke-dasharray"))!.split(" ").map(Number);
    assert.ok(Math.abs(dash / length - 0.4) < 0.01, `arc at 40%: ${dash}/${length}`);
    pressure = 25;
    await page.getByLabel("Pressure value", { exact: true }).filter({ hasText: "reading 25" }).waitFor({ timeout: 5000 });
    const [full, total] = (await gauge.locator(".gauge-fill").getAttribute("stroke-dasharray"))!.split(" ").map(Number);
    assert.equal(full, total, "above max: a full arc, not beyond");
  });

  it("shows a failing message listener on the card, naming the channel, while the other controls keep updating", async () => {
    pressure = 150;
    const card = page.getByRole("article", { name: "rig-1" });
    // The listener is named by the control whose render added it, with the render's file:line.
    await card.getByRole("alert").filter({ hasText: /A "reading" message could not be shown: listener for channel "reading" \(added by UI control "Checked" render at [^)]*app\.ts:\d+:\d+\) failed: reading too high for this control/ }).waitFor({ timeout: 5000 });
    await page.getByLabel("Pressure value", { exact: true }).filter({ hasText: "reading 150" }).waitFor({ timeout: 5000 });
    pressure = 7;
    await page.getByLabel("Checked value", { exact: true }).filter({ hasText: "ok 7" }).waitFor({ timeout: 5000 });
    assert.equal(await card.getByRole("alert").filter({ hasText: '"reading"' }).count(), 0, "the error goes once the channel's messages show again");
  });
});
