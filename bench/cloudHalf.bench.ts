import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { FLEET_STATUS_TOKEN_HEADER } from "../core/contracts/fleetStatus";
import { decodeHistoryPage, HISTORY_PATH } from "../core/contracts/history";
import type { ChannelDecl } from "../core/contracts/manifest";
import { loadWasmEngine } from "../core/engine";
import { FeatureVm } from "../core/runtime/featureVm";
import { ServerHost } from "../core/server";
import { DashboardTokens } from "../local/broker";
import { startDashboardServer } from "../local/dashboard";
import { databaseFile, openLocalDatabase } from "../local/database/localDatabase";
import { HistoryTable } from "../local/history/historyTable";
import { ServerStateTable } from "../local/server/serverStateTable";
import { median } from "../test/support/measurements";
import { writeApp } from "../test/support/tempFeatures";

/** The cloud half's figures (README "Server code, history and alerts"):
 * 1. server handler throughput: messages/s the server host handles for 100 devices, each VM
 *    snapshotted into SQLite after every batch, against a baseline in the same run: the same
 *    messages delivered to 100 VMs with no snapshots and no store;
 * 2. the cost of one snapshot + conditional write of a VM (what each batch adds);
 * 3. 7 days of 1 Hz readings of one device in the history table: rows, bytes, load time, and the
 *    1-hour chart's query, as SQL and through the dashboard's HTTP API. */
const DEVICES = 100;
const MESSAGES = 50_000;
const DAY_S = 86_400;

const APP = `
  const temperature = api.newCommsChannel<number>("temperature", { history: { days: 7 } });
  const heater = api.newCommsChannel<boolean>("heater");
  api.server.onDevice((device) => {
    let cold = 0;
    temperature.addEventListener("messageFromDevice", (t) => {
      cold = t < 10 ? cold + 1 : 0;
      if (cold === 60) api.server.notify(device.name + " is below 10 °C for a minute");
      if (cold % 30 === 1) heater.sendToDevice(cold > 0);
    });
  });`;


async function main(): Promise<void> {
  const [engine, build] = await Promise.all([loadWasmEngine(), compileFeatures({ entry: writeApp(APP) })]);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-cloudhalf-bench-"));
  const db = openLocalDatabase(stateDir);
  const devices = Array.from({ length: DEVICES }, (_, i) => `greenhouse-${i}`);
  const value = (i: number) => (i % 97 < 70 ? 8 : 15);

  // Baseline: the VMs alone, no snapshots, no store.
  const vms = devices.map((d) => {
    const vm = new FeatureVm(engine, build.snapshots.server, "server", { log() {}, sendToDevice() {}, notify() {} });
    vm.startDevice(d);
    return vm;
  });
  let started = performance.now();
  for (let i = 0; i < MESSAGES; i++) vms[i % DEVICES].deliver(0, value(i));
  const baselineRate = MESSAGES / ((performance.now() - started) / 1000);

  // The server host: batches per VM, each snapshotted and stored after it ran.
  let sent = 0;
  const host = new ServerHost({
    engine,
    manifest: build.manifest,
    snapshot: build.snapshots.server,
    store: new ServerStateTable(db),
    keepVms: true,
    outbox: { sendToDevice: () => void sent++, alert: () => undefined },
    report: (p) => console.log(`problem: ${p.vm}: ${p.message}`),
    fleetDevices: () => devices,
  });
  await host.startAll(devices);
  const batchesBefore = host.stats.batches;
  started = performance.now();
  // Messages arrive in bursts of 1,000 per event-loop turn (the broker hands them over like that).
  for (let i = 0; i < MESSAGES; i += 1000) {
    for (let j = i; j < i + 1000; j++) host.enqueue({ device: devices[j % DEVICES], channel: "temperature", value: value(j), t: j });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await host.idle();
  const hostMs = performance.now() - started;
  const batches = host.stats.batches - batchesBefore;
  const hostRate = MESSAGES / (hostMs / 1000);

  // One batch's extra work: snapshot the VM and store it with the version condition.
  const table = new ServerStateTable(db);
  const vm = vms[0];
  const rounds = 2000;
  let version = 0;
  started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const snapshot = vm.snapshot();
    table.save("bench-vm", { build: "b", version: version + 1, snapshot }, version);
    version++;
  }
  const perBatchUs = ((performance.now() - started) * 1000) / rounds;
  started = performance.now();
  for (let i = 0; i < rounds; i++) vm.snapshot();
  const snapshotUs = ((performance.now() - started) * 1000) / rounds;
  const snapshotBytes = vm.snapshot().length;

  console.log(`server host, ${DEVICES} devices, ${MESSAGES.toLocaleString("en-US")} messages (a cold-counter handler, as in the README's thermostat):`);
  console.log(`  baseline (VMs alone, nothing stored):   ${Math.round(baselineRate).toLocaleString("en-US")} msg/s`);
  console.log(`  server host (snapshot + SQLite per batch): ${Math.round(hostRate).toLocaleString("en-US")} msg/s  (${(hostRate / baselineRate).toFixed(2)}× baseline; ${batches} batches, ${(MESSAGES / batches).toFixed(0)} messages a batch; ${sent} sends)  goal ≥ 5,000 msg/s`);
  console.log(`  per batch: snapshot ${snapshotUs.toFixed(0)} µs (${snapshotBytes} B), snapshot + conditional write ${perBatchUs.toFixed(0)} µs`);

  // History: 7 days of 1 Hz readings of one device.
  const history = new HistoryTable(db);
  const now = Date.now();
  const rows = 7 * DAY_S;
  started = performance.now();
  for (let i = 0; i < rows; i += 10_000) {
    const chunk = [];
    for (let j = i; j < Math.min(rows, i + 10_000); j++) {
      const t = now - (rows - j) * 1000;
      chunk.push({ thing: "greenhouse-1", channel: "temperature", id: `b00t:${j + 1}`, value: Math.round((20 + 5 * Math.sin(j / 3600)) * 100) / 100, t, receivedAt: t });
    }
    history.recordNow(chunk);
  }
  const loadS = (performance.now() - started) / 1000;
  db.pragma("wal_checkpoint(TRUNCATE)");
  const bytes = fs.statSync(databaseFile(stateDir)).size;
  const hour = { thing: "greenhouse-1", channel: "temperature", since: now - 3600_000, limit: 5000 };
  const sqlMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    history.query(hour);
    sqlMs.push(performance.now() - t0);
  }
  const channels: ChannelDecl[] = build.manifest.channels;
  const dir = path.join(stateDir, "site");
  fs.mkdirSync(path.join(dir, "bundle"), { recursive: true });
  fs.mkdirSync(path.join(dir, "build"), { recursive: true });
  fs.writeFileSync(path.join(dir, "bundle", "index.html"), "<!doctype html>");
  fs.writeFileSync(path.join(dir, "build", "manifest.json"), "{}");
  const tokens = new DashboardTokens("bench");
  const server = await startDashboardServer({
    bundleDir: path.join(dir, "bundle"),
    buildDir: path.join(dir, "build"),
    broker: { app: "bench", webSocketUrl: "ws://127.0.0.1:1/mqtt", issueDashboardToken: () => tokens.issue(), verifyDashboardToken: (t) => tokens.verify(t), fleetStatus: { page: async () => ({ devices: [] }) } },
    history: { channels: () => channels, query: (q) => history.query(q) },
  });
  const token = tokens.issue();
  const httpMs: number[] = [];
  let answered = 0;
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const response = await fetch(`${server.origin}/${HISTORY_PATH}?thing=greenhouse-1&channel=temperature&since=${now - 3600_000}`, { headers: { [FLEET_STATUS_TOKEN_HEADER]: token } });
    answered = decodeHistoryPage(await response.json()).messages.length;
    httpMs.push(performance.now() - t0);
  }
  await server.stop();
  started = performance.now();
  const dropped = history.prune([{ ...channels[0], history: { days: 6 } }], now);
  const pruneMs = performance.now() - started;

  console.log(`history, one device, 7 days of 1 Hz readings:`);
  console.log(`  ${rows.toLocaleString("en-US")} rows, ${(bytes / 1e6).toFixed(1)} MB on disk (${(bytes / rows).toFixed(0)} B a row), loaded in ${loadS.toFixed(1)} s (${Math.round(rows / loadS).toLocaleString("en-US")} rows/s)`);
  console.log(`  1-hour chart (${answered} readings): SQL ${median(sqlMs).toFixed(1)} ms, HTTP api/history incl. JSON ${median(httpMs).toFixed(1)} ms (median of 20)  goal ≤ 300 ms`);
  console.log(`  retention: dropping the oldest day (${dropped.toLocaleString("en-US")} rows) took ${pruneMs.toFixed(0)} ms`);

  host.dispose();
  for (const v of vms) v.dispose();
  db.close();
  fs.rmSync(stateDir, { recursive: true, force: true });
}

void main();
