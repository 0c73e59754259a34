/** The cloud half in the dashboard, end to end: the local cloud (broker, server host, history in
 * SQLite), a device on the real device SDK, and the page in Debian's Chromium. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { EnvelopeSender } from "../core/contracts/envelope";
import { topics } from "../core/contracts/topics";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { constantModel } from "../firmware/pinModel";
import { LocalCloud } from "../local/cloud";
import { writeApp } from "../test/support/tempFeatures";
import { deviceTransport } from "../test/support/deviceTransport";
import { waitFor } from "../test/support/waitFor";
import { buildWebBundle } from "./bundle";
import { launchChromium } from "./testSupport/dashboardFixture";
import { MqttDevice } from "./testSupport/mqttDevice";

const APP = `
  const temperature = api.newCommsChannel<number>("temperature", { qos: 0, direction: "device-to-server", history: { days: 7 } });
  const sensor = api.mcu.getAnalogPin("A2");
  api.mcu.setInterval(() => temperature.pushMessageToServer(sensor.read()), 300);
  api.server.onDevice((device) => {
    let hot = false;
    temperature.addEventListener("messageFromDevice", (t) => {
      if (t > 30 && !hot) api.server.notify(device.name + " is too hot: " + t + " °C");
      hot = t > 30;
    });
  });
  api.registerUiControl((el) => {
    const chart = el.chart({ unit: "°C", window: 3600 });
    temperature.addEventListener("messageFromDevice", (t) => {
      chart.set(t);
      el.setText(t + " °C");
    });
  }, { title: "Thermostat" });`;

/** The chart's plot spans x 40..314 for its window (web/src/widgets/chart.ts). */
const xAt = (ageMs: number, windowSeconds: number) => 314 - (ageMs / (windowSeconds * 1000)) * (314 - 40);

describe("dashboard: stored history and alerts (Chromium)", function () {
  this.timeout(90_000);
  let engine: MicroviumEngine;
  let build: CompileResult;
  let bundleDir: string;
  let browser: Browser;
  let stateDir: string;
  let cloud: LocalCloud | undefined;
  let page: Page | undefined;
  const devices: MqttDevice[] = [];

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-cloudhalf-web-"));
    bundleDir = path.join(dir, "bundle");
    [engine, build, browser] = await Promise.all([loadWasmEngine(), compileFeatures({ entry: writeApp(APP) }), launchChromium(), buildWebBundle({ outDir: bundleDir })]).then(([e, b, br]) => [e, b, br] as const);
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-cloudhalf-"));
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
    for (const d of devices.splice(0)) await d.stop().catch(() => {});
    await cloud?.stop();
    cloud = undefined;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const startCloud = async () => (cloud = await LocalCloud.start({ stateDir, build, port: 0, dashboardBundleDir: bundleDir }));

  it("loads stored history into the chart at the device's times after a restart of the local cloud", async () => {
    await startCloud();
    // The device sent three readings 30, 20 and 10 minutes ago (its envelope times), then went away.
    const transport = await deviceTransport(cloud!.broker, "gh-1", cloud!.broker.mqttsPort);
    await transport.connect();
    const numbering = new EnvelopeSender("b00t");
    const topic = topics.up(cloud!.app, "gh-1", "temperature");
    const now = Date.now();
    const sent = [
      { age: 30 * 60_000, value: 18.5 },
      { age: 20 * 60_000, value: 19.5 },
      { age: 10 * 60_000, value: 21 },
    ];
    for (const s of sent) await transport.publish(topic, numbering.encode(topic, s.value, now - s.age), 0);
    await waitFor("three stored readings", () => {
      cloud!.cloudHalf.history.flush();
      return cloud!.cloudHalf.history.count() === 3;
    });
    await transport.disconnect();
    await cloud!.stop();

    await startCloud();
    page = await browser.newPage();
    await page.goto(`${cloud!.dashboard!.url}&device=gh-1`);
    // The device comes back (the page learns of it from its status) and sends live readings of 22.
    devices.push(await MqttDevice.connect({ broker: cloud!.broker, manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", engine, pins: { A2: constantModel(22) } }));
    const control = page.getByRole("article", { name: "gh-1", exact: true }).getByRole("region", { name: "Thermostat" });
    await control.getByText("22 °C").waitFor({ timeout: 10_000 });
    const points = ((await control.locator("polyline").getAttribute("points")) ?? "").split(" ").map((p) => Number(p.split(",")[0]));
    const loadedAt = Date.now();
    assert.ok(points.length >= 4, `stored and live points: ${points.join(" ")}`);
    sent.forEach((s, i) => {
      const expected = xAt(s.age + (loadedAt - now), 3600);
      assert.ok(Math.abs(points[i] - expected) < 3, `stored reading ${i} at x ${points[i]}, expected about ${expected.toFixed(1)} (${s.age / 60_000} min ago), not at "now" (314)`);
    });
    for (const x of points.slice(3)) assert.ok(x > 310, `live readings at "now": ${points.join(" ")}`);
  });

  it("shows an alert from a server handler as a banner", async () => {
    await startCloud();
    page = await browser.newPage();
    await page.goto(`${cloud!.dashboard!.url}&device=gh-2`);
    const d = await MqttDevice.connect({ broker: cloud!.broker, manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-2", engine, pins: { A2: constantModel(22) } });
    devices.push(d);
    cloud!.addDevice("gh-2");
    await page.getByRole("article", { name: "gh-2", exact: true }).getByText("22 °C").waitFor({ timeout: 10_000 });
    assert.equal(await page.getByRole("region", { name: "Alerts" }).isHidden(), true);
    d.board.setAnalogModel("A2", constantModel(31.5));
    const banner = page.getByRole("region", { name: "Alerts" });
    await banner.getByRole("alert").filter({ hasText: "gh-2 is too hot: 31.5 °C" }).waitFor({ timeout: 10_000 });
    assert.equal(await banner.getByRole("alert").count(), 1, "one alert while it stays hot");
  });
});
