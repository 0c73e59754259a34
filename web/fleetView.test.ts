import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { encodeDeviceStatus } from "../core/contracts/deviceStatus";
import { encodeEnvelope } from "../core/contracts/envelope";
import { jobTopics, topics } from "../core/contracts/topics";
import { startDashboardStack, type DashboardStack } from "./testSupport/dashboardFixture";
import { waitFor } from "../test/support/waitFor";

const ARTIFACTS = path.resolve(__dirname, "..", "test-artifacts");
const DEVICES = 1000;
const GROUP = "bench-fleet";
const thingOf = (i: number) => `dev-${String(i).padStart(4, "0")}`;
/** Every fourth device is offline; temperatures are all different, in no particular order. */
const isOnline = (i: number) => i % 4 !== 0;
const temperatureOf = (i: number) => 10 + ((i * 7919) % DEVICES) / 40;

/** The fleet view in Chromium with 1,000 devices. Their statuses, readings, logs and job updates
 * are real MQTT messages published through the broker (the same topics and payloads devices send;
 * the broker records the statuses for the fleet-status API, the Jobs service answers the job
 * requests), so 1,000 devices cost no device processes. */
describe("fleet view in Chromium (1,000 devices)", function () {
  this.timeout(60_000);
  let stack: DashboardStack;
  let page: Page;
  let app: string;

  const publish = (topic: string, payload: string, retain = false) =>
    new Promise<void>((resolve, reject) =>
      stack.broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (error) => (error ? reject(error) : resolve())),
    );
  const count = () => page.getByRole("status", { name: "devices shown" });
  const rowOf = (thing: string) => page.getByRole("row").filter({ has: page.getByRole("link", { name: thing, exact: true }) });
  const firstRowLink = () => page.locator(".fleet-spacer [role=row]:not([hidden])").first().getByRole("link");
  /** Rows are placed by index; the first in order is the one at the top. */
  const topRowThing = () =>
    page.evaluate(() => {
      const rows = Array.from(document.querySelectorAll<HTMLElement>(".fleet-spacer [role=row]:not([hidden])"));
      rows.sort((a, b) => Number(a.getAttribute("aria-rowindex")) - Number(b.getAttribute("aria-rowindex")));
      return rows[0]?.dataset.thing;
    });
  const dashboardSubscribed = () =>
    Object.values((stack.broker.aedes as unknown as { clients: Record<string, { id: string; subscriptions: Record<string, unknown> }> }).clients).some(
      (c) => c.id.startsWith(`sf-${app}-dashboard-`) && c.subscriptions[topics.up(app, "+", "+")] !== undefined,
    );

  before(async () => {
    stack = await startDashboardStack();
    app = stack.build.manifest.app;
    const { version } = stack.build.manifest;
    for (let i = 0; i < DEVICES; i++) {
      await publish(topics.status(app, thingOf(i)), encodeDeviceStatus({ online: isOnline(i), version, bootId: `b${i}`, t: Date.now() }), true);
    }
    await waitFor("1,000 statuses recorded", () => stack.broker.fleetStatus.size === DEVICES, 10_000);
  });

  after(async () => {
    await stack?.stop();
  });

  beforeEach(async () => {
    page = await stack.browser.newPage({ viewport: { width: 1180, height: 760 } });
  });

  afterEach(async () => {
    await page.close();
  });

  it("lists every device from the fleet-status API and keeps only the rows in view in the page; search, filter and sort", async () => {
    await page.goto(stack.server.url);
    await count().getByText("1,000 devices", { exact: true }).waitFor({ timeout: 10_000 });
    const rendered = await page.locator(".fleet-spacer [role=row]:not([hidden])").count();
    assert.ok(rendered > 10 && rendered < 60, `${rendered} rows in the page for 1,000 devices`);
    assert.equal(await firstRowLink().textContent(), "dev-0000");

    await page.getByLabel("Filter devices").selectOption("offline");
    await count().getByText("250 of 1,000 devices").waitFor();
    assert.equal(await rowOf("dev-0004").getByRole("cell", { name: "offline", exact: true }).count(), 1);
    assert.equal(await rowOf("dev-0001").count(), 0, "an online device is filtered out");
    await page.getByLabel("Filter devices").selectOption("all");

    await page.getByLabel("Search devices").fill("dev-012");
    await count().getByText("10 of 1,000 devices").waitFor();
    await page.getByLabel("Search devices").fill("DEV-0123");
    await count().getByText("1 of 1,000 devices").waitFor();
    assert.equal(await firstRowLink().textContent(), "dev-0123");
    await page.getByLabel("Search devices").fill("");

    // Readings arrive live on the `up` wildcard subscription; the table shows the chosen channel.
    await waitFor("the page's subscription", dashboardSubscribed, 5000);
    await page.getByLabel("Channel shown").selectOption("temperature");
    for (let i = 0; i < DEVICES; i++) {
      await publish(topics.up(app, thingOf(i), "temperature"), encodeEnvelope(`t${i}`, 1, temperatureOf(i), Date.now()));
    }
    const values = Array.from({ length: DEVICES }, (_, i) => temperatureOf(i));
    const coldest = thingOf(values.indexOf(Math.min(...values)));
    const warmest = thingOf(values.indexOf(Math.max(...values)));
    await rowOf("dev-0000").getByRole("cell", { name: String(Math.round(temperatureOf(0) * 10) / 10), exact: true }).waitFor();
    const header = (name: string) => page.getByRole("columnheader").getByRole("button", { name, exact: true });
    await header("temperature").click();
    await page.waitForFunction((t) => document.querySelector(".fleet-spacer [aria-rowindex='2']")?.getAttribute("data-thing") === t, coldest, { timeout: 5000 });
    assert.equal(await page.getByRole("columnheader", { name: "temperature" }).getAttribute("aria-sort"), "ascending");
    await header("temperature").click();
    await page.waitForFunction((t) => document.querySelector(".fleet-spacer [aria-rowindex='2']")?.getAttribute("data-thing") === t, warmest, { timeout: 5000 });
    assert.equal(await topRowThing(), warmest);

    await header("Device").click();
    await header("Device").click();
    await page.waitForFunction(() => document.querySelector(".fleet-spacer [aria-rowindex='2']")?.getAttribute("data-thing") === "dev-0999", undefined, { timeout: 5000 });
    // Scrolled to the end, the last device in this order is rendered, and still only a page of rows.
    await page.locator(".fleet-scroll").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await rowOf("dev-0000").waitFor({ timeout: 5000 });
    assert.ok((await page.locator(".fleet-spacer [role=row]:not([hidden])").count()) < 60);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator(".fleet-scroll").evaluate((el) => (el.scrollTop = 0));
    await page.screenshot({ path: path.join(ARTIFACTS, "fleet-view.png") });
  });

  it("draws the first screen in name order from the first page before the segments' pages arrive; then search, filter and sort see every row", async () => {
    // The segments' pages are held until the first screen has been checked.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    await page.route(/\/api\/fleet-status\?.*segment=/, async (route) => {
      held++;
      await released;
      await route.continue();
    });
    await page.goto(stack.server.url);
    await count().getByText("100 devices", { exact: true }).waitFor({ timeout: 10_000 });
    const screen = await page.evaluate(() => {
      const scroller = document.querySelector<HTMLElement>(".fleet-scroll")!;
      const rows = Array.from(document.querySelectorAll<HTMLElement>(".fleet-spacer [role=row]:not([hidden])"));
      const byIndex = new Map(rows.map((row) => [Number(row.getAttribute("aria-rowindex")) - 2, row.dataset.thing]));
      return Array.from({ length: Math.floor(scroller.clientHeight / 34) }, (_, i) => byIndex.get(i));
    });
    assert.ok(screen.length >= 15, `a screen of ${screen.length} rows`);
    assert.deepEqual(screen, Array.from({ length: screen.length }, (_, i) => thingOf(i)), "the first screen is the fleet's first names, in order");
    assert.ok(held > 0, "the segments' pages were asked for and held meanwhile");
    assert.equal(await rowOf("dev-0001").getByRole("cell", { name: "online", exact: true }).count(), 1, "a first-screen row shows its status");

    release();
    await count().getByText("1,000 devices", { exact: true }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await topRowThing(), "dev-0000", "the rows listed later sort after the first screen's");
    await page.getByRole("columnheader").getByRole("button", { name: "Device", exact: true }).click();
    await page.waitForFunction(() => document.querySelector(".fleet-spacer [aria-rowindex='2']")?.getAttribute("data-thing") === "dev-0999", undefined, { timeout: 5000 });
    await page.getByLabel("Filter devices").selectOption("offline");
    await count().getByText("250 of 1,000 devices").waitFor();
    await page.getByLabel("Search devices").fill("dev-09");
    await count().getByText("25 of 1,000 devices").waitFor();
  });

  it("paints the first screen before it takes the listing's pages, even when they are all in by then; the listed rows come in a later frame", async () => {
    // Every fleet-status page is in before the configuration is answered: with nothing to wait
    // for, the first screen and the listing's 1,000 rows could be drawn in one task, one frame.
    const fleetPages = new Set<string>();
    let allIn!: () => void;
    const pagesIn = new Promise<void>((resolve) => (allIn = resolve));
    // Answered, that is: the page reads the listing's bodies only after the first screen's paint
    // (so their load does not finish before it either).
    page.on("response", (response) => {
      if (response.url().includes("/api/fleet-status?") && !response.url().includes("after=")) fleetPages.add(response.url());
      if (fleetPages.size === 7) allIn(); // the first screen's page and the first page of each of the 6 segments
    });
    await page.route(/\/dashboard-config\.json$/, async (route) => {
      await pagesIn;
      await route.continue();
    });
    // What each frame shows, read as the frame starts: the count and the top row. (A string: tsx
    // would wrap a named function in a __name() the page lacks.)
    await page.addInitScript(`
      window.frames_ = [];
      requestAnimationFrame(function record() {
        const count = document.querySelector(".fleet-count")?.textContent ?? "";
        const top = document.querySelector(".fleet-spacer [aria-rowindex='2']:not([hidden])")?.dataset.thing ?? "";
        if (window.frames_[window.frames_.length - 1] !== count + " / " + top) window.frames_.push(count + " / " + top);
        requestAnimationFrame(record);
      });
    `);
    await page.goto(stack.server.url);
    await count().getByText("1,000 devices", { exact: true }).waitFor({ timeout: 10_000 });
    const frames = await page.evaluate(() => (window as unknown as { frames_: string[] }).frames_);
    const shown = frames.filter((frame) => /^[1-9]/.test(frame));
    assert.equal(shown[0], "100 devices / dev-0000", `the first frame with devices shows the first screen alone (frames: ${frames.join(" | ")})`);
    assert.equal(shown[shown.length - 1], "1,000 devices / dev-0000", "then every device, the first screen's row still on top");
  });

  it("draws the first screen from the script's first part alone; a row clicked before the rest is in opens once it is, and the rest takes the same table over", async () => {
    let releaseRest!: () => void;
    const restReleased = new Promise<void>((resolve) => (releaseRest = resolve));
    let restAsked = 0;
    await page.route(/\/startDashboard-[A-Z0-9]+\.js$/, async (route) => {
      restAsked++;
      await restReleased;
      await route.continue();
    });
    await page.goto(stack.server.url);
    await count().getByText("100 devices", { exact: true }).waitFor({ timeout: 10_000 });
    await waitFor("the rest of the script asked for", () => restAsked > 0, 5000);
    assert.equal(await page.getByRole("status", { name: "broker connection" }).textContent(), "connecting…", "no MQTT before the rest is in");
    await page.evaluate(() => ((window as unknown as { firstTable: Element | null }).firstTable = document.querySelector(".fleet-view")));
    await rowOf("dev-0003").getByRole("link").click();
    assert.equal(new URL(page.url()).hash, "#device=dev-0003");

    releaseRest();
    const devicePage = page.getByRole("region", { name: "Device dev-0003" });
    await devicePage.getByRole("article", { name: "dev-0003", exact: true }).waitFor({ timeout: 10_000 });
    await page.getByRole("link", { name: "Devices", exact: true }).click();
    await count().getByText("1,000 devices", { exact: true }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { firstTable: Element | null }).firstTable === document.querySelector(".fleet-view")), true, "the first screen's table is the one the dashboard goes on with");
    assert.equal(restAsked, 1);
  });

  it("scrolled to the end, a filter that leaves fewer rows shows the end of the shorter list in the same frame", async () => {
    await page.goto(stack.server.url);
    await count().getByText("1,000 devices", { exact: true }).waitFor({ timeout: 10_000 });
    await page.evaluate(() => document.querySelector<HTMLElement>(".fleet-scroll")!.scrollTo(0, 1_000_000));
    await page.waitForFunction(() => document.querySelector(".fleet-spacer [aria-rowindex='1001']:not([hidden])") !== null, undefined, { timeout: 5000 });
    // The filter changes; in the frame that draws it (before the browser clamps the scroll
    // position and says so), which rows are shown?
    const shown = await page.evaluate(async () => {
      const filter = document.querySelector<HTMLSelectElement>("select[aria-label='Filter devices']")!;
      filter.value = "offline";
      filter.dispatchEvent(new Event("change"));
      await new Promise((resolve) => requestAnimationFrame(resolve));
      return Array.from(document.querySelectorAll<HTMLElement>(".fleet-spacer [role=row]:not([hidden])"), (row) => Number(row.getAttribute("aria-rowindex")));
    });
    await count().getByText("250 of 1,000 devices").waitFor();
    assert.ok(shown.includes(251), `the last of the 250 rows is drawn at once (rows shown: ${shown.join(", ") || "none"})`);
  });

  it("updates a row in place when its device's status changes", async () => {
    await page.goto(stack.server.url);
    await count().getByText("1,000 devices", { exact: true }).waitFor({ timeout: 10_000 });
    await waitFor("the page's subscription", dashboardSubscribed, 5000);
    assert.equal(await rowOf("dev-0001").getByRole("cell", { name: "online", exact: true }).count(), 1);
    await publish(topics.status(app, "dev-0001"), encodeDeviceStatus({ online: false, version: "", bootId: "b1", t: Date.now() }), true);
    await rowOf("dev-0001").getByRole("cell", { name: "offline", exact: true }).waitFor({ timeout: 5000 });
    await page.getByLabel("Filter devices").selectOption("offline");
    await count().getByText("251 of 1,000 devices").waitFor();
    await publish(topics.status(app, "dev-0001"), encodeDeviceStatus({ online: true, version: stack.build.manifest.version, bootId: "b1", t: Date.now() }), true);
    await count().getByText("250 of 1,000 devices").waitFor({ timeout: 5000 });
  });

  it("opens a device from the table: its controls, its log stream and its OTA history", async () => {
    const jobId = `${app}-history-1`;
    stack.jobs.addThingToGroup(GROUP, "dev-0007");
    stack.jobs.createJob({ jobId, document: { operation: "snapfleet.install" }, thingGroup: GROUP });
    await page.goto(stack.server.url);
    await count().getByText("1,000 devices", { exact: true }).waitFor({ timeout: 10_000 });
    await waitFor("the page's subscription", dashboardSubscribed, 5000);
    const log = (text: string) => publish(topics.log(app, "dev-0007"), JSON.stringify({ t: Date.now(), msg: text }));
    await log("before the page was opened");
    // The OTA column comes from the jobs API.
    await rowOf("dev-0007").getByRole("cell", { name: "QUEUED", exact: true }).waitFor({ timeout: 10_000 });

    await rowOf("dev-0007").getByRole("link").click();
    const devicePage = page.getByRole("region", { name: "Device dev-0007" });
    await devicePage.getByRole("article", { name: "dev-0007", exact: true }).getByRole("region", { name: "Temperature" }).waitFor();
    assert.equal(new URL(page.url()).hash, "#device=dev-0007");
    await log("watering started");
    await log("watering stopped");
    const lines = devicePage.getByRole("region", { name: "Log" }).getByRole("listitem");
    await lines.filter({ hasText: "watering stopped" }).waitFor({ timeout: 5000 });
    const texts = (await lines.allTextContents()).map((t) => t.replace(/^\S+ /, ""));
    assert.deepEqual(texts, ["before the page was opened", "watering started", "watering stopped"]);

    const history = devicePage.getByRole("region", { name: "OTA history" });
    await history.getByRole("cell", { name: jobId, exact: true }).waitFor({ timeout: 5000 });
    assert.deepEqual((await history.getByRole("row").nth(1).getByRole("cell").allTextContents()).slice(0, 2), [jobId, "QUEUED"]);
    await page.screenshot({ path: path.join(ARTIFACTS, "device-page.png"), fullPage: true });

    await page.getByRole("link", { name: "All devices" }).click();
    await count().getByText("1,000 devices", { exact: true }).waitFor();
  });

  it("a device link naming no device of the fleet (mistyped, or a device gone) says so on its page; a listed device's page doesn't", async () => {
    await page.goto(stack.server.url.replace("#token=", "#device=dev-9999&token="));
    const notice = (thing: string) => page.getByRole("region", { name: `Device ${thing}` }).getByRole("alert").filter({ hasText: `No device named "${thing}" in this fleet` });
    await notice("dev-9999").waitFor({ timeout: 10_000 });
    await page.evaluate(() => (location.hash = "#device=dev-0005"));
    await page.getByRole("region", { name: "Device dev-0005" }).getByRole("article", { name: "dev-0005", exact: true }).waitFor();
    assert.equal(await notice("dev-0005").count(), 0);
  });

  it("shows each job's counts by status and the devices in each; cancel is refused for a viewer and done for an operator", async () => {
    const jobId = `${app}-rollout-1`;
    for (let i = 0; i < DEVICES; i++) stack.jobs.addThingToGroup(GROUP, thingOf(i));
    stack.jobs.createJob({ jobId, document: { operation: "snapfleet.install" }, thingGroup: GROUP });
    // 30 devices take the job through the Jobs MQTT API: 25 succeed, 5 fail.
    for (let i = 0; i < 30; i++) {
      const thing = thingOf(i);
      await publish(jobTopics.startNext(thing), JSON.stringify({}));
      const failed = i >= 25;
      await publish(jobTopics.jobUpdate(thing, jobId), JSON.stringify({ status: failed ? "FAILED" : "SUCCEEDED", statusDetails: failed ? { reason: "sha256 mismatch" } : {} }));
    }
    const job = () => stack.jobs.book.job(jobId)!;
    await waitFor("30 executions ended", () => [...job().executions.values()].filter((e) => e.status === "SUCCEEDED" || e.status === "FAILED").length === 30, 10_000);

    // A viewer: counts and devices, no cancel.
    await page.goto(`${stack.server.url}&rollouts`);
    const panel = page.getByRole("article", { name: jobId, exact: true });
    const counts = panel.getByRole("group", { name: `${jobId} executions by status` });
    await counts.getByRole("button", { name: "QUEUED 970" }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await counts.getByRole("button").allTextContents(), ["QUEUED 970", "SUCCEEDED 25", "FAILED 5"]);
    await counts.getByRole("button", { name: "FAILED 5" }).click();
    const failedDevices = panel.getByRole("region", { name: `${jobId} devices` }).getByRole("listitem");
    await failedDevices.first().waitFor();
    assert.deepEqual(await failedDevices.allTextContents(), ["dev-0025 sha256 mismatch", "dev-0026 sha256 mismatch", "dev-0027 sha256 mismatch", "dev-0028 sha256 mismatch", "dev-0029 sha256 mismatch"]);
    const cancel = panel.getByRole("button", { name: "Cancel job" });
    assert.equal(await cancel.isDisabled(), true);
    assert.match((await cancel.getAttribute("title")) ?? "", /viewer link: to cancel an OTA job you need an operator link/);
    // The button is only a hint: the server refuses a viewer's cancel whatever the page does.
    const refused = await page.evaluate(async (id) => {
      const response = await fetch(`api/jobs/cancel?job=${id}`, { method: "POST", headers: { "x-snapfleet-token": sessionStorage.getItem("snapfleet.token") ?? "" } });
      return { status: response.status, body: (await response.json()) as { error: string } };
    }, jobId);
    assert.equal(refused.status, 403);
    assert.match(refused.body.error, /viewer link: to cancel an OTA job you need an operator link \(the "operator" link snapfleet dev prints; for a deployment: snapfleet dashboard-link --role operator\)/);
    assert.equal(job().status, "IN_PROGRESS");
    await page.screenshot({ path: path.join(ARTIFACTS, "rollouts.png"), fullPage: true });

    // An operator cancels: queued executions are cancelled, finished ones stay.
    await page.goto(`${stack.server.operatorUrl}&rollouts`);
    // Same tab, another token in the fragment: the page starts over with it.
    await page.getByLabel("access role").filter({ hasText: /^operator$/ }).waitFor({ timeout: 10_000 });
    // The broker takes the operator's token too (its operator dashboard policy).
    await page.getByRole("status", { name: "broker connection" }).getByText("live").waitFor({ timeout: 5000 });
    await panel.getByRole("button", { name: "Cancel job" }).click();
    await panel.getByRole("status", { name: `${jobId} status` }).getByText("CANCELED (USER_CANCELED)").waitFor({ timeout: 5000 });
    await counts.getByRole("button", { name: "CANCELED 970" }).waitFor({ timeout: 5000 });
    assert.equal(job().status, "CANCELED");
    assert.equal([...job().executions.values()].filter((e) => e.status === "SUCCEEDED").length, 25);
    assert.equal(await panel.getByRole("button", { name: "Cancel job" }).isHidden(), true);
  });
});
