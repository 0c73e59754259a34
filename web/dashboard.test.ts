import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { writeBuild } from "../core/contracts/buildOutput";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { EnvelopeSender } from "../core/contracts/envelope";
import { topics } from "../core/contracts/topics";
import { constantModel } from "../firmware/pinModel";
import { startDashboardServer } from "../local/dashboard";
import { EXAMPLE_ENTRY, startDashboardStack, type DashboardStack } from "./testSupport/dashboardFixture";
import { MqttDevice } from "./testSupport/mqttDevice";
import { waitFor } from "../test/support/waitFor";
import { writeFeatures } from "../test/support/tempFeatures";

const ARTIFACTS = path.resolve(__dirname, "..", "test-artifacts");

/** Polls a Node-side condition (the simulated board) until it holds. */
const until = (what: string, condition: () => boolean, timeoutMs = 5000) => waitFor(what, condition, timeoutMs);

describe("dashboard in Chromium (end to end)", function () {
  this.timeout(30000);
  let stack: DashboardStack;
  let page: Page;
  const devices: MqttDevice[] = [];

  async function device(thing: string, celsius: number): Promise<MqttDevice> {
    const d = await MqttDevice.connect({
      broker: stack.broker,
      manifest: stack.build.manifest,
      snapshot: stack.build.snapshots.device,
      thing,
      engine: stack.engine,
      pins: { A2: constantModel(celsius), A3: constantModel(1.4) },
    });
    devices.push(d);
    return d;
  }

  /** The device's page: the dashboard opens on the fleet table; `#device=<name>` opens a device. */
  const deviceUrl = (thing: string) => `${stack.server.url}&device=${thing}`;
  const openDevice = (thing: string) => page.evaluate((t) => (location.hash = `device=${t}`), thing);
  const card = (thing: string) => page.getByRole("article", { name: thing, exact: true });
  const tableRow = (thing: string) => page.getByRole("row").filter({ has: page.getByRole("link", { name: thing, exact: true }) });
  const temperatureText = (thing: string, text: string) => card(thing).getByLabel("Temperature value", { exact: true }).filter({ hasText: text });

  // aedes keeps connected clients by id (not in its typings).
  const brokerClients = () => (stack.broker.aedes as unknown as { clients: Record<string, { id: string; close(): void }> }).clients;
  const brokerClient = (id: string) => {
    const client = brokerClients()[id];
    if (!client) throw new Error(`${id} is not connected to the broker`);
    return client;
  };

  before(async () => {
    stack = await startDashboardStack();
  });

  after(async () => {
    await Promise.all(devices.splice(0).map((d) => d.stop().catch(() => undefined)));
    await stack?.stop();
  });

  beforeEach(async () => {
    page = await stack.browser.newPage({ viewport: { width: 1180, height: 760 } });
  });

  afterEach(async () => {
    await page.close();
    await Promise.all(devices.splice(0).map((d) => d.stop().catch(() => undefined)));
  });

  it("shows a device's temperature as text, gauge and chart as it publishes, and keeps the token out of the address bar", async () => {
    await device("gh-1", 23.4);
    await page.goto(deviceUrl("gh-1"));
    const temperature = card("gh-1").getByRole("region", { name: "Temperature" });
    await temperatureText("gh-1", "23.4 °C").waitFor({ timeout: 5000 });
    assert.equal(await card("gh-1").getByRole("status").textContent(), "online");
    assert.equal(await card("gh-1").locator(".version").textContent(), stack.build.manifest.version.slice(0, 7));
    assert.equal(await temperature.getByRole("meter").getAttribute("aria-valuenow"), "23.4");
    const points = (await temperature.locator("polyline").getAttribute("points")) ?? "";
    assert.match(points, /^\d+(\.\d)?,\d+(\.\d)?( \d+(\.\d)?,\d+(\.\d)?)*$/, `chart points: "${points}"`);
    assert.deepEqual(await temperature.locator(".chart-label").allTextContents(), ["24.4", "22.4", "-2 min", "now", "°C"]);
    const titles = await card("gh-1").locator("h3").allTextContents();
    assert.deepEqual(titles, stack.build.manifest.controls.map((c) => c.title));
    assert.equal(new URL(page.url()).hash, "#device=gh-1", "the token is stripped from the address bar");
  });

  it("switches the device's grow-light pin when the toggle is clicked", async () => {
    const gh1 = await device("gh-1", 21);
    await page.goto(deviceUrl("gh-1"));
    const toggle = card("gh-1").getByRole("switch", { name: "Grow light" });
    await page.waitForFunction(() => document.querySelector("[data-thing='gh-1']")?.classList.contains("online"));
    assert.equal(gh1.board.digitalRead("D5"), false);
    await toggle.click();
    await until("D5 high", () => gh1.board.digitalRead("D5"));
    assert.equal(await toggle.getAttribute("aria-checked"), "true");
    await toggle.click();
    await until("D5 low", () => !gh1.board.digitalRead("D5"));
    // The device's own log, relayed back through the event-log channel.
    await card("gh-1").getByRole("region", { name: "Event log" }).getByText("Grow light off").waitFor({ timeout: 5000 });
  });

  it("shows a stopped device as offline and disables its controls, and a row for each device", async () => {
    const gh1 = await device("gh-1", 22.1);
    await device("gh-2", 25.9);
    await page.goto(stack.server.url);
    await page.getByLabel("Channel shown").selectOption("temperature");
    await tableRow("gh-2").getByRole("cell").filter({ hasText: "25.9" }).waitFor({ timeout: 5000 });
    await tableRow("gh-1").getByRole("cell").filter({ hasText: "22.1" }).waitFor({ timeout: 5000 });
    await tableRow("gh-1").getByRole("link").click();
    await temperatureText("gh-1", "22.1 °C").waitFor({ timeout: 5000 });
    // A second reading, so the screenshot's chart shows a line.
    gh1.board.setAnalogModel("A2", constantModel(23.2));
    await temperatureText("gh-1", "23.2 °C").waitFor({ timeout: 5000 });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "dashboard.png"), fullPage: true });

    devices.splice(devices.indexOf(gh1), 1);
    await gh1.stop();
    await page.waitForFunction(() => document.querySelector("[data-thing='gh-1'] [role=status]")?.textContent === "offline", undefined, { timeout: 5000 });
    assert.equal(await card("gh-1").getByRole("switch", { name: "Grow light" }).isDisabled(), true);
    await page.getByRole("link", { name: "All devices" }).click();
    await tableRow("gh-1").getByRole("cell", { name: "offline", exact: true }).waitFor({ timeout: 5000 });
    assert.equal(await tableRow("gh-2").getByRole("cell", { name: "online", exact: true }).count(), 1);
    await page.screenshot({ path: path.join(ARTIFACTS, "dashboard-offline.png"), fullPage: true });
  });

  it("lists a device that is offline now, with its installed version, on a fresh page load (AWS sends no retained status to a wildcard subscription)", async () => {
    const gh7 = await device("gh-7", 20.2);
    await until("gh-7 recorded online", () => stack.broker.fleetStatus.get("gh-7")?.online === true);
    devices.splice(devices.indexOf(gh7), 1);
    await gh7.stop();
    await until("gh-7 recorded offline", () => stack.broker.fleetStatus.get("gh-7")?.online === false);
    await page.goto(stack.server.url);
    await tableRow("gh-7").getByRole("cell", { name: "offline", exact: true }).waitFor({ timeout: 5000 });
    await openDevice("gh-7");
    await page.waitForFunction(() => document.querySelector("[data-thing='gh-7'] [role=status]")?.textContent === "offline", undefined, { timeout: 5000 });
    assert.equal(await card("gh-7").locator(".version").textContent(), stack.build.manifest.version.slice(0, 7));
    assert.equal(await card("gh-7").getByRole("switch", { name: "Grow light" }).isDisabled(), true);
  });

  it("shows a device whose link drops as offline (its last will), and online again when it reconnects", async () => {
    await device("gh-1", 22.8);
    await page.goto(deviceUrl("gh-1"));
    await temperatureText("gh-1", "22.8 °C").waitFor({ timeout: 5000 });
    const state = () => page.evaluate(() => document.querySelector("[data-thing='gh-1'] [role=status]")?.textContent);
    // The broker loses the device's socket: no DISCONNECT, so the broker publishes the will.
    brokerClient("gh-1").close();
    await page.waitForFunction(() => document.querySelector("[data-thing='gh-1'] [role=status]")?.textContent === "offline", undefined, { timeout: 5000 });
    await page.waitForFunction(() => document.querySelector("[data-thing='gh-1'] [role=status]")?.textContent === "online", undefined, { timeout: 10000 });
    assert.equal(await state(), "online");
  });

  it("reconnects by itself when the broker drops its connection, and shows new values without a reload", async () => {
    const gh1 = await device("gh-1", 20.5);
    await page.goto(deviceUrl("gh-1"));
    await temperatureText("gh-1", "20.5 °C").waitFor({ timeout: 5000 });
    const dashboards = () => Object.values(brokerClients()).filter((c) => c.id.startsWith("sf-grow-station-dashboard-"));
    assert.equal(dashboards().length, 1);
    const firstId = dashboards()[0].id;
    dashboards()[0].close();
    await page.getByRole("status", { name: "broker connection" }).getByText("live").waitFor({ timeout: 5000 });
    gh1.board.setAnalogModel("A2", constantModel(26.7));
    await temperatureText("gh-1", "26.7 °C").waitFor({ timeout: 5000 });
    assert.equal(dashboards()[0].id, firstId, "same page session, reconnected");
  });

  it("loads the new build when a device reports a version the page doesn't have (rebuild or OTA), without a reload", async () => {
    const old = await device("gh-1", 21.5);
    await page.goto(deviceUrl("gh-1"));
    await temperatureText("gh-1", "21.5 °C").waitFor({ timeout: 5000 });
    // Other secret values change the device snapshot, hence the app version; the web side is the same app.
    const rebuilt = await compileFeatures({ entry: EXAMPLE_ENTRY, secrets: { ssid: "other-net", password: "other-password" } });
    assert.notEqual(rebuilt.manifest.version, stack.build.manifest.version);
    writeBuild(stack.buildDir, { manifest: rebuilt.manifest, snapshots: rebuilt.snapshots });
    try {
      const updated = await MqttDevice.connect({ broker: stack.broker, manifest: rebuilt.manifest, snapshot: rebuilt.snapshots.device, thing: "gh-2", engine: stack.engine, pins: { A2: constantModel(24.5) } });
      devices.push(updated);
      await page.waitForFunction(() => document.querySelector("[data-thing='gh-1'] .version")?.classList.contains("mismatch"), undefined, { timeout: 5000 });
      await openDevice("gh-2");
      await temperatureText("gh-2", "24.5 °C").waitFor({ timeout: 5000 });
      assert.equal(await card("gh-2").locator(".version").getAttribute("class"), "version");
      assert.equal(await card("gh-2").locator(".version").textContent(), rebuilt.manifest.version.slice(0, 7));
      // The reloaded build runs the old device's page too.
      await openDevice("gh-1");
      old.board.setAnalogModel("A2", constantModel(19.5));
      await temperatureText("gh-1", "19.5 °C").waitFor({ timeout: 5000 });
    } finally {
      writeBuild(stack.buildDir, stack.build);
    }
  });

  it("an open page takes a rebuild that changed only the dashboard's code (same app version, no device reports anything new), without a reload", async () => {
    await device("gh-1", 21.5);
    await page.goto(deviceUrl("gh-1"));
    await temperatureText("gh-1", "21.5 °C").waitFor({ timeout: 5000 });
    const features = path.dirname(EXAMPLE_ENTRY);
    const files = Object.fromEntries(fs.readdirSync(features).map((name) => [name, fs.readFileSync(path.join(features, name), "utf8")]));
    files["displayTemperature.ts"] = files["displayTemperature.ts"].replace("el.setText(`${celsius} °C`)", "el.setText(`${celsius} degrees`)");
    const secrets = JSON.parse(fs.readFileSync(path.join(features, "..", "dev-secrets.json"), "utf8")) as Record<string, string>;
    const webOnly = await compileFeatures({ entry: writeFeatures(files, stack.build.manifest.app), secrets });
    assert.equal(webOnly.manifest.version, stack.build.manifest.version, "the device code is the same");
    assert.notEqual(webOnly.manifest.snapshots.web.sha256, stack.build.manifest.snapshots.web.sha256);
    writeBuild(stack.buildDir, { manifest: webOnly.manifest, snapshots: webOnly.snapshots });
    try {
      await temperatureText("gh-1", "21.5 degrees").waitFor({ timeout: 15_000 });
    } finally {
      writeBuild(stack.buildDir, stack.build);
    }
  });

  it("says so when the page is opened without a token", async () => {
    await page.goto(stack.server.origin + "/");
    const alert = await page.getByRole("alert").textContent({ timeout: 5000 });
    assert.match(alert ?? "", /No access token/);
  });

  it("says so when the broker refuses the token", async () => {
    await page.goto(`${stack.server.origin}/#token=sfdash.1.forged`);
    await page.getByRole("alert").getByText(/refused this dashboard/).waitFor({ timeout: 5000 });
    assert.equal(await page.getByRole("status", { name: "broker connection" }).textContent(), "access refused");
  });

  it("refuses a web snapshot that does not match the manifest", async () => {
    const tamperedDir = path.join(stack.dir, "tampered");
    fs.mkdirSync(tamperedDir);
    fs.copyFileSync(path.join(stack.buildDir, "manifest.json"), path.join(tamperedDir, "manifest.json"));
    const snapshot = Buffer.from(stack.build.snapshots.web);
    snapshot[snapshot.length - 1] ^= 0xff;
    fs.writeFileSync(path.join(tamperedDir, "web.snap"), snapshot);
    const server = await startDashboardServer({ bundleDir: stack.bundle.outDir, buildDir: tamperedDir, broker: stack.broker });
    try {
      await page.goto(server.url);
      const alert = await page.getByRole("alert").textContent({ timeout: 5000 });
      assert.match(alert ?? "", /web\.snap .* does not match manifest\.json/);
    } finally {
      await server.stop();
    }
  });

  it("shows a device's QoS 1 messages in the order the device sent them, whatever order the broker hands them over in", async () => {
    await page.goto(deviceUrl("gh-7"));
    const app = stack.build.manifest.app;
    const upTopics = topics.up(app, "+", "+");
    const dashboardsSubscribed = () =>
      Object.values(brokerClients()).some((c) => c.id.startsWith(`sf-${app}-dashboard-`) && (c as unknown as { subscriptions: Record<string, unknown> }).subscriptions[upTopics] !== undefined);
    await until("the page's subscription", dashboardsSubscribed);
    // The event log (a QoS 1 channel) shows the latest code's text: 0 "Sensor started", 1 "Reading out of range", 2 "Low battery".
    const topic = topics.up(app, "gh-7", "event-log");
    const sender = new EnvelopeSender("dev7");
    const [first, second, third] = [0, 1, 2].map((code) => sender.encode(topic, code, Date.now()));
    const publish = (payload: string) => stack.broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, () => {});
    const eventLog = card("gh-7").getByText(/Sensor started|Reading out of range|Low battery/);
    publish(first);
    await eventLog.filter({ hasText: "Sensor started" }).waitFor({ timeout: 5000 });
    publish(third); // overtakes the second: the page holds it
    publish(second);
    publish(second); // and a repeat
    await eventLog.filter({ hasText: "Low battery" }).waitFor({ timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 300)); // anything delivered out of order would show now
    assert.equal(await eventLog.textContent(), "Low battery");
  });
});
