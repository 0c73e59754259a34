import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import type mqtt from "mqtt";
import type { Page } from "playwright-core";
import { encodeDeviceStatus } from "../core/contracts/deviceStatus";
import { encodeEnvelope } from "../core/contracts/envelope";
import { topics } from "../core/contracts/topics";
import { constantModel } from "../firmware/pinModel";
import { startDashboardStack, type DashboardStack } from "../web/testSupport/dashboardFixture";
import { MqttDevice } from "../web/testSupport/mqttDevice";
import { DASHBOARD_LISTING_SEGMENTS } from "../core/contracts/fleetStatus";
import { startDashboardServer } from "../local/dashboard";
import { localJobsSource } from "../local/jobs";
import { formatCount } from "../web/src/fleetRows";
import { latencyFigures, median, type LatencyFigures } from "../test/support/measurements";
import { connectDashboard } from "../test/support/dashboardClient";

/** Device publish → DOM update in real Chromium: a simulated device (aws-iot-device-sdk-v2,
 * mutual TLS) publishes temperature envelopes; the page decodes each, runs the feature's
 * listener in the device's Microvium VM (WebAssembly) and the control's text changes. A
 * MutationObserver stamps the change. Baseline in the same run: mqtt.js in Node subscribed over
 * the same WebSocket listener (broker delivery alone, no browser, no VM, no DOM).
 * Clocks: both sides read performance.timeOrigin + performance.now(); Chromium's and Node's
 * differ by a few ms, so the page's offset is measured first (NTP-style, the round trip with the
 * smallest delay of 30) and subtracted.
 * Also prints what the dashboard weighs: wasm, JS, CSS, page, web snapshot, and what the fleet
 * view costs at 1,000 and 10,000 devices (fleetViewFigures). */
const MESSAGES = 300;
const INTERVAL_MS = 20;
const THING = "bench-1";
const BUDGET = { p99Ms: 50, wasmBytes: 64 * 1024, dashboardBytes: 200 * 1024 };

const wallNow = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const stack = await startDashboardStack();
  // `--fleet`: the fleet view's figures only (first render, re-sort, live updates).
  if (process.argv.includes("--fleet")) {
    const against = argument("--against");
    await (against ? firstRenderAgainst(stack, against, Number(argument("--loads") ?? 8)) : fleetViewFigures(stack)).finally(() => stack.stop());
    return;
  }
  let device: MqttDevice | undefined;
  let baseline: mqtt.MqttClient | undefined;
  try {
    const { manifest } = stack.build;
    device = await MqttDevice.connect({
      broker: stack.broker,
      manifest,
      snapshot: stack.build.snapshots.device,
      thing: THING,
      engine: stack.engine,
      pins: { A2: constantModel(0) },
    });
    const page = await stack.browser.newPage();
    // The device's page (the dashboard opens on the fleet table): its card shows the temperature.
    await page.goto(`${stack.server.url}&device=${THING}`);
    const text = page.getByRole("article", { name: THING, exact: true }).getByLabel("Temperature value", { exact: true });
    await text.filter({ hasText: "0 °C" }).waitFor({ timeout: 10000 });
    await page.evaluate(() => {
      const stamps: Record<string, number> = {};
      (window as unknown as { stamps: Record<string, number> }).stamps = stamps;
      const element = document.querySelector(`[data-thing] [aria-label="Temperature value"]`)!;
      new MutationObserver(() => {
        const value = element.textContent ?? "";
        stamps[value] ??= performance.timeOrigin + performance.now();
      }).observe(element, { childList: true, characterData: true, subtree: true });
    });

    const baselineStamps = new Map<string, number>();
    baseline = await connectDashboard(stack.broker, { clientId: `sf-${manifest.app}-dashboard-bench` });
    baseline.on("message", (_topic, payload) => {
      const value = (JSON.parse(payload.toString()) as { v: number }).v;
      if (!baselineStamps.has(`${value} °C`)) baselineStamps.set(`${value} °C`, wallNow());
    });
    const topic = topics.up(manifest.app, THING, "temperature");
    await baseline.subscribeAsync(topic, { qos: 0 });

    const sentAt = new Map<string, number>();
    const start = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      const due = start + i * INTERVAL_MS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // Distinct values the device's own readings (0) never take; formatted as the feature does.
      const value = 100 + i / 10;
      sentAt.set(`${value} °C`, wallNow());
      void device.publishUp(topic, encodeEnvelope("bench", i + 1, value, Date.now()));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const raw = await page.evaluate(() => (window as unknown as { stamps: Record<string, number> }).stamps);
    const offset = await pageClockOffset(() => page.evaluate(() => performance.timeOrigin + performance.now()));
    const stamps = Object.fromEntries(Object.entries(raw).map(([value, t]) => [value, t - offset.ms]));

    const browser = latencyFigures([...sentAt].flatMap(([value, t]) => (stamps[value] ? [stamps[value] - t] : [])));
    const broker = latencyFigures([...sentAt].flatMap(([value, t]) => (baselineStamps.has(value) ? [baselineStamps.get(value)! - t] : [])));

    console.log(`device publish -> DOM update in Chromium ${await stack.browser.version()}, ${MESSAGES} messages, one every ${INTERVAL_MS} ms (qos 0, loopback)`);
    const line = (name: string, f: LatencyFigures) =>
      `  ${name.padEnd(40)} received ${f.received}/${MESSAGES}  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms  max ${f.maxMs} ms`;
    console.log(`  page clock offset ${offset.ms.toFixed(2)} ms (± ${(offset.roundTripMs / 2).toFixed(2)} ms)`);
    console.log(line("baseline: mqtt.js in Node over WebSocket", broker));
    console.log(line("dashboard: page DOM (decode + VM + DOM)", browser));
    console.log(`  ratio dashboard/baseline  p50 ${ratio(browser.p50Ms, broker.p50Ms)}x  p99 ${ratio(browser.p99Ms, broker.p99Ms)}x  (goal p99 <= ${BUDGET.p99Ms} ms: ${browser.p99Ms <= BUDGET.p99Ms ? "met" : "MISSED"})`);

    const { bundle } = stack;
    const webSnap = stack.build.snapshots.web.length;
    const manifestBytes = fs.statSync(path.join(stack.buildDir, "manifest.json")).size;
    const bundleBytes = Object.values(bundle.files).reduce((a, b) => a + b, 0);
    const total = bundleBytes + webSnap + manifestBytes;
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
    console.log(`dashboard size before compression`);
    console.log(`  wasm ${bundle.wasm.padEnd(28)} ${kb(bundle.files[bundle.wasm])}  (goal <= 64 KB: ${bundle.files[bundle.wasm] <= BUDGET.wasmBytes ? "met" : "MISSED"})`);
    for (const script of [bundle.script, ...bundle.chunks]) console.log(`  js   ${script.padEnd(28)} ${kb(bundle.files[script])}${script === bundle.script ? "  (entry; with the chunks it imports: the fleet table's first screen)" : ""}`);
    console.log(`  css  ${bundle.stylesheet.padEnd(28)} ${kb(bundle.files[bundle.stylesheet])}`);
    console.log(`  page index.html                   ${kb(bundle.files["index.html"])}`);
    console.log(`  web snapshot (grow-station)       ${kb(webSnap)}   manifest.json ${kb(manifestBytes)}`);
    const files = [...Object.keys(bundle.files).map((name) => path.join(bundle.outDir, name)), path.join(stack.buildDir, "web.snap"), path.join(stack.buildDir, "manifest.json")];
    const gzipped = files.reduce((sum, file) => sum + zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length, 0);
    console.log(`  total                             ${kb(total)}  (goal <= 200 KB: ${total <= BUDGET.dashboardBytes ? "met" : "MISSED"}; gzip -9: ${kb(gzipped)})`);
    await page.close();
    await fleetViewFigures(stack);
  } finally {
    await baseline?.endAsync(true);
    await device?.stop().catch(() => undefined);
    await stack.stop();
  }
}

const FLEET_SIZES = [1000, 10000];
const thing = (i: number) => `fleet-${String(i).padStart(5, "0")}`;
const LIVE_CHANGES = 1000;
const FLEET_GOAL_FIRST_RENDER_MS = 500;

/** The fleet view with 1,000 and 10,000 devices whose statuses went through the broker (recorded
 * for the fleet-status API, as devices' own would be):
 * - first render: from navigation start to the first screen of rows right (every row the table's
 *   scroller shows is the device that belongs there in name order, the order the table opens in),
 *   stamped in the page by a MutationObserver; then every device listed (the table counts them
 *   all: search, filter and sort see every row); "table shown" is its first paint with any
 *   devices (maybe not yet the right ones); baseline in the same
 *   run: the same listing fetched and parsed by the loaded page alone (server and network floor);
 *   after one warm-up load (script and engine cached, as for a returning user);
 * - re-sort: a click on "Last seen" until the next frame has drawn the new order;
 * - live updates: 1,000 status changes published in a burst until the table counts them all,
 *   against mqtt.js in Node receiving the same messages over the same WebSocket listener
 *   (baseline in the same run: broker delivery alone, no decoding, no table).
 * `npx tsx bench/dashboard.bench.ts --fleet` prints these figures only. */
async function fleetViewFigures(stack: DashboardStack): Promise<void> {
  const { app } = stack.build.manifest;
  const { publish, status } = statusPublisher(stack);
  console.log(`fleet view in Chromium (statuses published through the broker; ${LIVE_CHANGES} live changes per size)`);
  // One load first, so both sizes are measured as a returning user sees them (the content-hashed
  // script and engine in the HTTP cache, a warm renderer), not the first one paying for both.
  const warmUp = await stack.browser.newPage();
  await warmUp.goto(stack.server.url);
  await warmUp.getByRole("status", { name: "devices shown" }).waitFor({ timeout: 60_000 });
  await warmUp.close();
  let published = 0;
  for (const size of FLEET_SIZES) {
    for (; published < size; published++) await publish(topics.status(app, thing(published)), status(published, true), true);
    const total = stack.broker.fleetStatus.size;
    const wanted = `${total.toLocaleString("en")} devices`;
    const page = await stack.browser.newPage({ viewport: { width: 1180, height: 760 } });
    // The first screen as the table opens (sorted by name): the fleet's first names, top to bottom.
    const firstNames = (await stack.broker.fleetStatus.page(undefined, 40)).devices.map((d) => d.thing);
    await stampFleetMarks(page, wanted, firstNames);
    await page.goto(stack.server.url);
    await untilListed(page);
    const marks = () => page.evaluate(() => (window as unknown as { fleetMarks: Record<string, number> }).fleetMarks);
    const loaded = await marks();
    // Where the time went, from the page's own resource timings: its script, the build and config, the engine,
    // and the fleet-status requests (first asked, last answered) of the first listing.
    // (No named helpers inside page.evaluate: tsx would wrap them in a __name() the page lacks.)
    const timings = await page.evaluate((listedAt) => {
      const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const startUpFiles = resources.filter((e) => ["manifest.json", "web.snap", "dashboard-config.json"].some((part) => e.name.includes(part)));
      // The first listing's requests: those answered by the time every device was listed.
      const listing = resources.filter((e) => e.name.includes("api/fleet-status") && e.responseEnd <= listedAt);
      return {
        script: Math.max(...resources.filter((e) => e.name.endsWith(".js")).map((e) => e.responseEnd)),
        startUp: Math.max(...startUpFiles.map((e) => e.responseEnd)),
        engine: Math.max(...resources.filter((e) => e.name.endsWith(".wasm")).map((e) => e.responseEnd)),
        listingStart: Math.min(...listing.map((e) => e.startTime)),
        listingEnd: Math.max(...listing.map((e) => e.responseEnd)),
        requests: listing.length,
      };
    }, loaded.listed);
    const listingStart = timings.listingStart;
    const rowsInDom = await page.locator(".fleet-spacer [role=row]:not([hidden])").count();
    // Baseline in the same run: the same listing (6 segments side by side, pages of 1,000) fetched
    // and parsed by the loaded page with no rows, table or start-up: the server and network floor.
    const listingOnlyMs = await page.evaluate(async (segments) => {
      const token = sessionStorage.getItem("snapfleet.token") ?? "";
      const start = performance.now();
      await Promise.all(
        Array.from({ length: segments }, async (_, index) => {
          let after: string | undefined;
          do {
            const query = new URLSearchParams({ limit: "1000", segment: String(index), segments: String(segments), ...(after ? { after } : {}) });
            const page = (await (await fetch(`api/fleet-status?${query}`, { cache: "no-store", headers: { "x-snapfleet-token": token } })).json()) as { next?: string };
            after = page.next;
          } while (after !== undefined);
        }),
      );
      return performance.now() - start;
    }, DASHBOARD_LISTING_SEGMENTS);

    // Re-sort: click → the frame after the click has drawn the rows in the new order.
    const resortMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      resortMs.push(
        await page.evaluate(async () => {
          const button = Array.from(document.querySelectorAll<HTMLButtonElement>(".fleet-head button")).find((b) => b.textContent === "Last seen")!;
          const start = performance.now();
          button.click();
          await new Promise((resolve) => requestAnimationFrame(resolve));
          return performance.now() - start;
        }),
      );
    }

    // Live: the table filtered to offline devices; a burst of devices going offline.
    await page.getByLabel("Filter devices").selectOption("offline");
    const offlineBefore = (await stack.broker.fleetStatus.page(undefined, total)).devices.filter((d) => !d.online).length;
    await page.evaluate((target) => ((window as unknown as { fleetMarks: Record<string, number> }).fleetMarks.liveTarget = target), offlineBefore + LIVE_CHANGES);
    const baseline = await connectDashboard(stack.broker, { clientId: `sf-${app}-dashboard-fleet-bench` });
    let baselineSeen = 0;
    let baselineDone = 0;
    baseline.on("message", (topic) => {
      if (topic.includes("/fleet-") && ++baselineSeen === LIVE_CHANGES) baselineDone = wallNow();
    });
    await baseline.subscribeAsync(topics.status(app, "+"), { qos: 0 });
    const offset = await pageClockOffset(() => page.evaluate(() => performance.timeOrigin + performance.now()));
    const start = wallNow();
    for (let i = 0; i < LIVE_CHANGES; i++) void publish(topics.status(app, thing(i)), status(i, false), true);
    await page.waitForFunction(() => (window as unknown as { fleetMarks: Record<string, number> }).fleetMarks.live !== undefined, undefined, { timeout: 60_000 }).catch(() => undefined);
    const live = (await marks()).live;
    const liveMs = live === undefined ? NaN : live - offset.ms - start;
    const baselineMs = baselineDone ? baselineDone - start : NaN;
    await baseline.endAsync(true);
    for (let i = 0; i < LIVE_CHANGES; i++) await publish(topics.status(app, thing(i)), status(i, true), true);
    await page.close();

    const goal = size >= 10000 ? `  (goal <= ${FLEET_GOAL_FIRST_RENDER_MS} ms at 10,000: ${loaded.firstScreen <= FLEET_GOAL_FIRST_RENDER_MS ? "met" : "MISSED"})` : "";
    console.log(`  ${total.toLocaleString("en").padStart(6)} devices: first render (navigation -> the first screen of rows, in name order as the table opens, in the page) ${round(loaded.firstScreen)} ms${goal}`);
    console.log(`  ${"".padStart(6)}          every device listed (navigation -> count "${wanted}", searchable and sortable) ${round(loaded.listed)} ms; baseline: the listing alone (fetch + parse in the loaded page) ${round(listingOnlyMs)} ms; ratio ${ratio(loaded.listed, listingOnlyMs)}x`);
    console.log(`  ${"".padStart(6)}          of it: script loaded ${round(timings.script)} ms; build and config loaded ${round(timings.startUp)} ms; engine wasm loaded ${round(timings.engine)} ms; fleet-status requests (${timings.requests}) from ${round(listingStart)} to ${round(timings.listingEnd)} ms; table first shown at ${round(loaded.shown)} ms`);
    console.log(`  ${"".padStart(6)}          re-sort by last seen (order of every row recomputed + visible rows painted) ${round(median(resortMs))} ms (median of 5, click -> next frame); ${rowsInDom} rows in the DOM`);
    console.log(`  ${"".padStart(6)}          ${LIVE_CHANGES} live status changes -> table current ${round(liveMs)} ms; baseline mqtt.js all received ${round(baselineMs)} ms; ratio ${ratio(liveMs, baselineMs)}x`);
  }
}

/** Publishes a fleet device's status through the broker, as the device's own would arrive. */
function statusPublisher(stack: DashboardStack) {
  const { version } = stack.build.manifest;
  const publish = (topic: string, payload: string, retain: boolean) =>
    new Promise<void>((resolve, reject) => stack.broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 0, retain, dup: false }, (e) => (e ? reject(e) : resolve())));
  const status = (i: number, online: boolean) => encodeDeviceStatus({ online, version, bootId: `b${i}`, t: Date.now() });
  return { publish, status };
}

/** `--fleet --against <bundleDir> [--loads N]`: the fleet view's first render at 10,000 devices,
 * this bundle against another one (an older build of web/, say) served by a second dashboard
 * server on the same broker, build and listing: loads alternate (the order swapped every pair),
 * so both see the same machine load; each origin warmed up once first (its script in the cache). */
async function firstRenderAgainst(stack: DashboardStack, otherBundleDir: string, loads: number): Promise<void> {
  const { app } = stack.build.manifest;
  const { publish, status } = statusPublisher(stack);
  const size = FLEET_SIZES[FLEET_SIZES.length - 1];
  for (let i = 0; i < size; i++) await publish(topics.status(app, thing(i)), status(i, true), true);
  const other = await startDashboardServer({ bundleDir: otherBundleDir, buildDir: stack.buildDir, broker: stack.broker, jobs: localJobsSource(stack.jobs, app, (token) => stack.broker.verifyDashboardToken(token)) });
  try {
    const wanted = `${formatCount(size)} devices`;
    const firstNames = (await stack.broker.fleetStatus.page(undefined, 40)).devices.map((d) => d.thing);
    const variants = [
      { name: `before (${path.basename(path.resolve(otherBundleDir))})`, url: other.url, firstScreen: [] as number[], listed: [] as number[] },
      { name: "this build", url: stack.server.url, firstScreen: [] as number[], listed: [] as number[] },
    ];
    const load = async (url: string) => {
      const page = await stack.browser.newPage({ viewport: { width: 1180, height: 760 } });
      await stampFleetMarks(page, wanted, firstNames);
      await page.goto(url);
      await untilListed(page);
      const marks = await page.evaluate(() => (window as unknown as { fleetMarks: Record<string, number> }).fleetMarks);
      await page.close();
      return marks;
    };
    for (const variant of variants) await load(variant.url);
    const loadBefore = os.loadavg();
    for (let pair = 0; pair < loads; pair++) {
      for (const variant of pair % 2 === 0 ? variants : [...variants].reverse()) {
        const marks = await load(variant.url);
        variant.firstScreen.push(marks.firstScreen);
        variant.listed.push(marks.listed);
      }
    }
    const loadAfter = os.loadavg();
    const range = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
    console.log(`fleet view first render at ${formatCount(size)} devices, ${loads} loads each, alternating; load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")} before, ${loadAfter.map((l) => l.toFixed(2)).join(" ")} after`);
    for (const v of variants) {
      const met = v.firstScreen.filter((ms) => ms <= FLEET_GOAL_FIRST_RENDER_MS).length;
      console.log(`  ${v.name.padEnd(40)} first render median ${Math.round(median(v.firstScreen))} ms (${range(v.firstScreen)}; <= ${FLEET_GOAL_FIRST_RENDER_MS} ms in ${met} of ${loads}); every device listed median ${Math.round(median(v.listed))} ms (${range(v.listed)})`);
      console.log(`  ${"".padEnd(40)} first render each load: ${v.firstScreen.map(Math.round).join(", ")}`);
    }
    const [before, after] = variants;
    console.log(`  ratio this/before first render median ${ratio(median(after.firstScreen), median(before.firstScreen))}x`);
  } finally {
    await other.stop();
  }
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** Waits until the page's marks say every device is listed. Asked from here, a plain expression
 * every 100 ms: a Playwright locator or waitForFunction would load Playwright's injected script
 * into the page (70 ms of compile in a loaded renderer) and check styles while it polls, in the
 * middle of the load being measured. */
async function untilListed(page: Page): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (await page.evaluate("window.fleetMarks !== undefined && window.fleetMarks.listed !== undefined").catch(() => false)) return;
  }
  throw new Error("the fleet view did not list every device within 120 s");
}

/** Stamps in the page (performance.now()) as the fleet view loads: `shown` (the table's first paint
 * with any devices), `firstScreen` (every row the scroller shows is the device that belongs there
 * in name order, checked against `firstNames`), `listed` (the count reads `wanted`), and `live`
 * once `liveTarget` is set and the count reaches it. */
async function stampFleetMarks(page: Page, wanted: string, firstNames: string[]): Promise<void> {
  await page.addInitScript(({ text, firstNames }) => {
    const marks: Record<string, number> = {};
    (window as unknown as { fleetMarks: Record<string, number> }).fleetMarks = marks;
    new MutationObserver(() => {
      const count = document.querySelector(".fleet-count")?.textContent ?? "";
      if (count && marks.shown === undefined && !count.startsWith("0 ")) marks.shown = performance.now();
      // First screen: every row the scroller shows (it starts at the top) is the right device in
      // the right place, whatever else is still on its way.
      const scroller = document.querySelector<HTMLElement>(".fleet-scroll");
      if (marks.firstScreen === undefined && scroller && scroller.clientHeight > 0) {
        const wanted = firstNames.slice(0, Math.floor(scroller.clientHeight / 34));
        const at = new Map(Array.from(document.querySelectorAll<HTMLElement>(".fleet-spacer [role=row]:not([hidden])"), (row) => [Number(row.getAttribute("aria-rowindex")) - 2, row.dataset.thing]));
        if (wanted.length > 0 && wanted.every((thing, i) => at.get(i) === thing)) marks.firstScreen = performance.now();
      }
      if (count === text && marks.listed === undefined) marks.listed = performance.now();
      // "N of M devices", or "N devices" once every device is offline (the fleet without the first part's device).
      const live = marks.liveTarget?.toLocaleString("en");
      if (live !== undefined && (count.startsWith(`${live} of`) || count === `${live} devices`) && marks.live === undefined) marks.live = performance.timeOrigin + performance.now();
    }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-rowindex", "hidden", "data-thing"] });
  }, { text: wanted, firstNames });
}

/** How far the page's clock is ahead of ours: page time minus the midpoint of the round trip. */
async function pageClockOffset(readPageClock: () => Promise<number>): Promise<{ ms: number; roundTripMs: number }> {
  let best = { ms: 0, roundTripMs: Infinity };
  for (let i = 0; i < 30; i++) {
    const before = wallNow();
    const pageTime = await readPageClock();
    const after = wallNow();
    if (after - before < best.roundTripMs) best = { ms: pageTime - (before + after) / 2, roundTripMs: after - before };
  }
  return best;
}

const round = (ms: number) => Math.round(ms * 100) / 100;
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(1) : "–");

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
