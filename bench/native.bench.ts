/** The native device (firmware/native, `snapfleet-device connect`) on the local cloud, against
 * the TypeScript device (SimulatedDevice) measured in the same run:
 * 1. Latency device → subscriber: the app sends 100 msg/s for 5 s on a QoS 1 channel, stamped
 *    with the device's Date.now(); a dashboard client (mqtt.js over WebSocket, dashboard token)
 *    takes receive time − stamp (ms stamps: ±1 ms). Each device over mutual TLS, every message
 *    policy-checked by the broker.
 * 2. OTA rollout of 50 devices: job created → every device SUCCEEDED (download over HTTPS,
 *    sha256, A/B slot, boot, 1 s grace period), 50 native processes vs 50 TypeScript devices in
 *    one process; and the resident memory of a networked native device process (goal ≤ 8 MB). */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CompileResult } from "../core/compiler/compileFeatures";
import { decodeEnvelope } from "../core/contracts/envelope";
import { parseAppTopic, topics } from "../core/contracts/topics";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { NativeDevice } from "../firmware/native/nativeDevice";
import { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud } from "../local/cloud";
import { compileNativeApp, nativeDeviceBinary } from "../test/support/nativeFleet";
import { percentile } from "../test/support/measurements";
import { statusKb } from "../test/support/processInfo";
import { connectDashboard } from "../test/support/dashboardClient";

const GRACE_MS = 1000;
const FLEET = 50;
type Runtime = "native" | "typescript";

interface Fleet {
  cloud: LocalCloud;
  stop(): Promise<void>;
  pids: number[];
}

async function startFleet(runtime: Runtime, build: CompileResult, count: number, engine: MicroviumEngine, binary: string): Promise<Fleet> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sf-native-bench-"));
  const cloud = await LocalCloud.start({ stateDir: root, build, port: 0, dashboardBundleDir: null });
  const stops: (() => Promise<void>)[] = [];
  const pids: number[] = [];
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const thing = `d-${i + 1}`;
      const identity = await cloud.broker.provisionDevice(thing);
      const stateDir = path.join(root, "devices", thing);
      if (runtime === "native") {
        const device = await NativeDevice.start({ binary, app: cloud.app, thing, stateDir, endpoint: "127.0.0.1", port: cloud.broker.mqttsPort, caPath: cloud.broker.pki.caCertPath, certPath: identity.certPath, keyPath: identity.keyPath, gracePeriodMs: GRACE_MS, connectTimeoutMs: 60_000 });
        pids.push(device.pid);
        stops.push(() => device.stop());
      } else {
        const device = await SimulatedDevice.start({ app: cloud.app, thing, stateDir, endpoint: "127.0.0.1", port: cloud.broker.mqttsPort, caCertPem: cloud.broker.caCertPem, certPem: identity.certPem, keyPem: identity.keyPem, engine, gracePeriodMs: GRACE_MS });
        stops.push(() => device.stop());
      }
      cloud.addDevice(thing);
    }),
  );
  return {
    cloud,
    pids,
    stop: async () => {
      await Promise.all(stops.map((s) => s().catch(() => {})));
      await cloud.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

async function untilAllSucceeded(cloud: LocalCloud, jobId: string, count: number, limitMs: number): Promise<void> {
  const started = performance.now();
  const job = () => cloud.jobs.book.job(jobId)!;
  while ([...job().executions.values()].filter((e) => e.status === "SUCCEEDED").length < count) {
    const failed = [...job().executions.values()].find((e) => e.status === "FAILED" || e.status === "REJECTED");
    if (failed) throw new Error(`${failed.thingName} ${failed.status}: ${failed.statusDetails.reason}`);
    if (performance.now() - started > limitMs) throw new Error(`rollout did not finish in ${limitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function latency(runtime: Runtime, build: CompileResult, engine: MicroviumEngine, binary: string) {
  const fleet = await startFleet(runtime, build, 1, engine, binary);
  try {
    const { jobId } = await fleet.cloud.deploy(build);
    await untilAllSucceeded(fleet.cloud, jobId!, 1, 30_000);
    const client = await connectDashboard(fleet.cloud.broker, { clientId: `sf-${fleet.cloud.app}-dashboard-bench` });
    const samples: number[] = [];
    let measuring = false;
    client.on("message", (topic, payload) => {
      const received = performance.timeOrigin + performance.now();
      if (!measuring || parseAppTopic(topic)?.kind !== "up") return;
      samples.push(received - decodeEnvelope(payload).t);
    });
    await client.subscribeAsync(topics.up(fleet.cloud.app, "+", "+"), { qos: 1 });
    await new Promise((r) => setTimeout(r, 1000)); // warm-up
    measuring = true;
    await new Promise((r) => setTimeout(r, 5000));
    measuring = false;
    await client.endAsync(true);
    const sorted = samples.sort((a, b) => a - b);
    const at = (q: number) => Math.round(percentile(sorted, q) * 10) / 10;
    return { received: sorted.length, p50: at(0.5), p99: at(0.99) };
  } finally {
    await fleet.stop();
  }
}

async function rollout(runtime: Runtime, build: CompileResult, engine: MicroviumEngine, binary: string) {
  const fleet = await startFleet(runtime, build, FLEET, engine, binary);
  try {
    const started = performance.now();
    const { jobId } = await fleet.cloud.deploy(build);
    await untilAllSucceeded(fleet.cloud, jobId!, FLEET, 120_000);
    const ms = performance.now() - started;
    const status = fleet.pids.map((pid) => statusKb(pid, ["VmRSS", "RssAnon"]));
    const field = (name: "VmRSS" | "RssAnon") => status.map((fields) => fields[name]).sort((a, b) => a - b);
    return { ms, rssKb: field("VmRSS"), privateKb: field("RssAnon"), largest: runtime === "native" ? residentByMapping(fleet.pids[0]) : [] };
  } finally {
    await fleet.stop();
  }
}

/** The RSS of one networked native device after an install, its download run in a child process
 * (ports/posix/net/downloadProcess.h) or, the baseline, in the device process
 * (SNAPFLEET_DOWNLOAD_IN_PROCESS=1: libcurl opened for it and closed after). */
async function rssAfterInstall(build: CompileResult, engine: MicroviumEngine, binary: string, inProcess: boolean) {
  if (inProcess) process.env.SNAPFLEET_DOWNLOAD_IN_PROCESS = "1";
  let fleet: Fleet;
  try {
    fleet = await startFleet("native", build, 1, engine, binary);
  } finally {
    delete process.env.SNAPFLEET_DOWNLOAD_IN_PROCESS;
  }
  try {
    const { jobId } = await fleet.cloud.deploy(build);
    await untilAllSucceeded(fleet.cloud, jobId!, 1, 60_000);
    const status = statusKb(fleet.pids[0], ["VmRSS", "VmHWM", "RssAnon"]);
    // NATIVE_BENCH_SMAPS=<path prefix>: the process's /proc/PID/smaps saved, for a per-mapping look
    if (process.env.NATIVE_BENCH_SMAPS) fs.writeFileSync(`${process.env.NATIVE_BENCH_SMAPS}.${inProcess ? "in-process" : path.basename(path.dirname(binary))}`, fs.readFileSync(`/proc/${fleet.pids[0]}/smaps`));
    return { rssKb: status.VmRSS, peakKb: status.VmHWM, privateKb: status.RssAnon, largest: residentByMapping(fleet.pids[0]), rollup: smapsRollup(fleet.pids[0]) };
  } finally {
    await fleet.stop();
  }
}

/** Context for VmRSS (not the goal's metric): the process's proportional share of shared pages
 * (Pss) and its private pages, from /proc/PID/smaps_rollup. */
function smapsRollup(pid: number): { pssKb: number; privateKb: number } {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN);
  return { pssKb: kb("Pss"), privateKb: kb("Private_Clean") + kb("Private_Dirty") };
}

/** Resident KB per mapped file (or [heap], [anon], [stack]) of a process, largest first: what
 * its RSS is made of (/proc/PID/smaps). */
function residentByMapping(pid: number): { name: string; kb: number }[] {
  const byName = new Map<string, number>();
  let name = "";
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) name = path.basename(mapping[1] || "[anon]");
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) byName.set(name, (byName.get(name) ?? 0) + Number(rss[1]));
  }
  return [...byName].map(([name, kb]) => ({ name, kb })).sort((a, b) => b.kb - a.kb);
}

async function latencyAndRollout(binary: string, engine: MicroviumEngine, stream: CompileResult, small: CompileResult): Promise<void> {
  console.log("device -> subscriber latency through the local broker, QoS 1 over mutual TLS, 100 msg/s for 5 s, to a dashboard client over WebSocket");
  const lat: Record<Runtime, Awaited<ReturnType<typeof latency>>> = { typescript: await latency("typescript", stream, engine, binary), native: await latency("native", stream, engine, binary) };
  for (const r of ["typescript", "native"] as const) console.log(`  ${r.padEnd(10)} received ${lat[r].received}  p50 ${lat[r].p50} ms  p99 ${lat[r].p99} ms`);
  console.log(`  native / typescript: p50 ${(lat.native.p50 / lat.typescript.p50).toFixed(2)}x, p99 ${(lat.native.p99 / lat.typescript.p99).toFixed(2)}x`);

  console.log(`OTA rollout of ${FLEET} devices on the local cloud (job created -> every device SUCCEEDED, ${GRACE_MS} ms grace period)`);
  const ts = await rollout("typescript", small, engine, binary);
  const native = await rollout("native", small, engine, binary);
  console.log(`  typescript ${FLEET} devices in one process: ${Math.round(ts.ms)} ms (${Math.round(ts.ms - GRACE_MS)} ms beyond the grace period)`);
  console.log(`  native     ${FLEET} processes: ${Math.round(native.ms)} ms (${Math.round(native.ms - GRACE_MS)} ms beyond the grace period); native / typescript ${(native.ms / ts.ms).toFixed(2)}x`);
  const mb = (kb: number[]) => `median ${(kb[kb.length >> 1] / 1024).toFixed(1)} MB, max ${(kb[kb.length - 1] / 1024).toFixed(1)} MB`;
  console.log(`  native device process RSS (networked, after the install): ${mb(native.rssKb)}; of it private (RssAnon: heap, slots, Paho's threads) ${mb(native.privateKb)}; the rest are file pages shared by every device process (the program with OpenSSL and Paho linked in, libc, libm; libcurl only in the download's child process) (goal <= 8 MB)`);
  console.log(`  what one takes, largest first (KB): ${native.largest.slice(0, 8).map((m) => `${m.name} ${m.kb}`).join(", ")}`);
}

async function main(): Promise<void> {
  const [binary, engine, stream, small] = await Promise.all([
    nativeDeviceBinary(),
    loadWasmEngine(),
    compileNativeApp(`  const s = api.newCommsChannel<number>("s", { direction: "device-to-server", qos: 1 });\n  let n = 0;\n  api.mcu.setInterval(() => { n = n + 1; s.pushMessageToServer(n); }, 10);`),
    compileNativeApp(`  const t = api.newCommsChannel<number>("t", { qos: 0 });\n  const pin = api.mcu.getAnalogPin("A2");\n  api.mcu.setInterval(() => t.pushMessageToServer(pin.read()), 1000);`),
  ]);
  // NATIVE_BENCH=rss: only the last part (the RSS before/after), a minute instead of several
  if (process.env.NATIVE_BENCH !== "rss") await latencyAndRollout(binary, engine, stream, small);
  console.log("RSS of one networked native device after an install: the download in a child process vs in the device process (baseline), same run");
  const baseline = await rssAfterInstall(small, engine, binary, true);
  const child = await rssAfterInstall(small, engine, binary, false);
  // NATIVE_BENCH_BEFORE=<a snapfleet-device built from an earlier commit>[:<another>...]: those
  // programs measured in the same run, for a before/after of a change to the device program itself.
  const befores: [string, Awaited<ReturnType<typeof rssAfterInstall>>][] = [];
  for (const other of (process.env.NATIVE_BENCH_BEFORE ?? "").split(":").filter(Boolean)) befores.push([`before: ${path.basename(path.dirname(path.resolve(other)))}`, await rssAfterInstall(small, engine, path.resolve(other), false)]);
  const rows: [string, Awaited<ReturnType<typeof rssAfterInstall>>][] = [["in-process (baseline)", baseline], ...befores, ["child process (this build)", child]];
  for (const [name, r] of rows) {
    console.log(`  ${name.padEnd(28)} ${(r.rssKb / 1024).toFixed(1)} MB (${r.rssKb} kB, peak ${(r.peakKb / 1024).toFixed(1)} MB), of it private ${(r.privateKb / 1024).toFixed(1)} MB (goal <= 8 MB); Pss ${(r.rollup.pssKb / 1024).toFixed(1)} MB, private pages ${(r.rollup.privateKb / 1024).toFixed(1)} MB; largest (KB): ${r.largest.slice(0, 9).map((m) => `${m.name} ${m.kb}`).join(", ")}`);
  }
  console.log(`  child / in-process: ${(child.rssKb / baseline.rssKb).toFixed(2)}x RSS, ${(child.peakKb / baseline.peakKb).toFixed(2)}x peak, ${(child.privateKb / baseline.privateKb).toFixed(2)}x private`);
  for (const [name, before] of befores) console.log(`  this build / ${name}: ${(child.rssKb / before.rssKb).toFixed(2)}x RSS, ${(child.peakKb / before.peakKb).toFixed(2)}x peak, ${(child.privateKb / before.privateKb).toFixed(2)}x private`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
