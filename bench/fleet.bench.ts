/** `snapfleet dev --devices 1000` (DevSession, as the command runs it, watching the feature's
 * folder): time until every device is online and running the deployed version (and on the way:
 * the cloud up, the first device online, all connected, half and all online, running the version
 * (booted, on trial) and SUCCEEDED (its grace period passed)), then an OTA
 * rollout (the feature file edited → rebuilt → new job → every device SUCCEEDED on the new
 * version), CPU and RSS through both and at rest, and the stop. Baseline in the same run: the
 * same with 100 devices (per-device ratios). This process runs the broker and the cloud services;
 * above 20 devices the devices (their MQTT links and their apps' shared threads) run in fleet host
 * processes (firmware/fleetHost/). CPU is split into this process's main thread (broker,
 * services), its other threads (V8 and libuv helpers) and the fleet hosts; RSS is this process's
 * and the hosts' together.
 * `npm run bench -- fleet`; `node --import tsx bench/fleet.bench.ts 1000 100` for other sizes.
 * The state dir is a fresh folder in the OS's temporary directory; `TMPDIR=/dev/shm` puts it on
 * tmpfs, which is how to compare runs on a file system whose inode allocation depends on what was
 * deleted before (README, "A thousand devices": ext4 without a journal). */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import inspector from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
// The built package, as `npx snapfleet dev` runs it: its fleet hosts and app threads then load
// JavaScript, not the TypeScript sources through tsx (`npm run bench` builds dist/ first).
import { DevSession } from "../dist/cli/devSession";
import type { LocalCloud } from "../dist/local/cloud";
import { cpuMs, isRunning, ownCpuByThread, residentBytesOf } from "../test/support/processInfo";
import { writeFeatures } from "../test/support/tempFeatures";
import { waitFor } from "../test/support/waitFor";

const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [100, 1000];
/** FLEET_BENCH_LOG=<file>: the session's log lines, for a run that doesn't finish. */
const logFile = process.env.FLEET_BENCH_LOG;
/** FLEET_BENCH_REST_PROFILE=<file.cpuprofile>: the main thread's CPU profile of the 10 s at rest
 * (the largest size's), for what a fleet costs when nothing happens. */
const restProfileFile = process.env.FLEET_BENCH_REST_PROFILE;
/** FLEET_BENCH_START_PROFILE=<file.cpuprofile>: the main thread's CPU profile from the session's
 * start to every device online on the version (the largest size's): where the start's CPU goes
 * (`node scripts/cpuProfileSummary.mjs FILE` groups it by package). */
const startProfileFile = process.env.FLEET_BENCH_START_PROFILE;
/** FLEET_BENCH_REST_MS: how long "at rest" is measured (default 10 s); longer to look at the
 * resting process with other tools (strace -c -p, perf): the bench says when the rest begins. */
const restMs = Number(process.env.FLEET_BENCH_REST_MS ?? 10_000);
/** FLEET_BENCH_CONNECTING: devices connecting at once per fleet host (default DevSession's). */
const connectingAtOnce = process.env.FLEET_BENCH_CONNECTING ? Number(process.env.FLEET_BENCH_CONNECTING) : undefined;
/** FLEET_BENCH_APP_THREADS: shared app threads per fleet host (default DevSession's, appThreadsPerHost). */
const appThreads = process.env.FLEET_BENCH_APP_THREADS ? Number(process.env.FLEET_BENCH_APP_THREADS) : undefined;

/** Publishes once every 5 s: about a fleet's ordinary chatter (200 msg/s at 1,000 devices). */
const feature = (value: number) => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  api.mcu.setInterval(() => level.pushMessageToServer(${value}), 5000);
}
`;

interface Cpu {
  main: number;
  others: number;
  hosts: number;
}

function cpuNow(hostPids: number[]): Cpu {
  const hosts = hostPids.filter(isRunning).reduce((sum, pid) => sum + cpuMs(pid), 0);
  return { ...ownCpuByThread(), hosts };
}

const rssOf = (hostPids: number[]) => residentBytesOf([process.pid, ...hostPids]);

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const s = (ms: number) => (ms / 1000).toFixed(1);
const load = () => os.loadavg()[0].toFixed(1);

/** The inspector's sampling profiler on this process's main thread. */
async function startProfiling(): Promise<inspector.Session> {
  const session = new inspector.Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return session;
}

async function stopProfiling(session: inspector.Session, file: string): Promise<void> {
  const { profile } = await session.post("Profiler.stop");
  fs.writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
}

interface Figures {
  devices: number;
  /** When DevSession.start returned (every device connected and its OTA agent running). */
  connectedMs: number;
  /** When the cloud was up and the first device online; when half the fleet, then all of it, was
   * online, running the version (booted, on trial) and SUCCEEDED on it (the trial's grace period passed). */
  milestones: { cloud: number; firstOnline: number; online: [number, number]; running: [number, number]; succeeded: [number, number] };
  onlineMs: number;
  otaMs: number;
  peakRss: number;
  restRss: number;
  startCpu: Cpu;
  otaCpu: Cpu;
  restCpuPerS: Cpu;
  hosts: number;
  stopMs: number;
  threads: number;
}

async function run(devices: number): Promise<Figures> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-fleet-bench-"));
  const entry = writeFeatures({ "app.ts": feature(1) }, "fleet-bench");
  const logs: string[] = [];
  if (logFile) fs.writeFileSync(logFile, "");
  const keep = (line: string) => {
    logs.push(line);
    if (logFile) fs.appendFileSync(logFile, `${line}\n`);
  };
  let peakRss = 0;
  let hostPids: number[] = [];
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(hostPids))), 250);
  const startProfiler = startProfileFile && devices === Math.max(...sizes) ? await startProfiling() : undefined;
  const cpu0 = cpuNow(hostPids);
  const t0 = performance.now();
  const online: [number, number] = [NaN, NaN];
  const running: [number, number] = [NaN, NaN];
  const succeeded: [number, number] = [NaN, NaN];
  let cloudMs = NaN;
  let firstOnlineMs = NaN;
  /** Notes when a count first reaches half the fleet, then all of it. */
  const mark = (at: [number, number], count: number) => {
    const ms = performance.now() - t0;
    if (Number.isNaN(at[0]) && count >= devices / 2) at[0] = ms;
    if (Number.isNaN(at[1]) && count === devices) at[1] = ms;
  };
  let watched: ReturnType<typeof setInterval> | undefined;
  // The fleet arriving, from the cloud's monitor (the deployed version is the one job's).
  const watch = (cloud: LocalCloud) => {
    cloudMs = performance.now() - t0;
    watched = setInterval(() => {
      const now = [...cloud.monitor.rowsUnordered()];
      const onlineNow = now.filter((r) => r.online).length;
      if (Number.isNaN(firstOnlineMs) && onlineNow > 0) firstOnlineMs = performance.now() - t0;
      mark(online, onlineNow);
      // A fresh fleet has no version until its first install boots.
      mark(running, now.filter((r) => r.online && r.version !== "").length);
      mark(succeeded, now.filter((r) => r.online && r.version !== "" && r.ota === "SUCCEEDED").length);
      if (!Number.isNaN(succeeded[1])) clearInterval(watched);
    }, 100);
  };
  const session = await DevSession.start({ entry, secrets: {}, devices, port: 0, stateDir, dashboardBundleDir: null, log: keep, onCloud: watch, connectingAtOnce, appThreads });
  // The hosts started within it: their whole CPU time counts from cpu0's zero.
  hostPids = session.hostPids;
  const connectedMs = performance.now() - t0;
  // Unsorted, and read once per check: the bench's own polling is counted in the main thread's
  // CPU (sorting 1,000 rows four times per check was 2 s of it).
  const rows = () => [...session.cloud.monitor.rowsUnordered()];
  const allOn = (version: string) => {
    const now = rows();
    return now.length === devices && now.every((r) => r.online && r.version === version && r.ota === "SUCCEEDED");
  };
  await waitFor("the first version on every device", () => {
    const version = rows()[0]?.version;
    return version !== undefined && version !== "" && allOn(version);
  }, 600_000, 100);
  const onlineMs = performance.now() - t0;
  clearInterval(watched);
  // The last count, if the wait saw it before the watch's next tick did.
  mark(online, rows().filter((r) => r.online).length);
  mark(running, devices);
  mark(succeeded, devices);
  const cpu1 = cpuNow(hostPids);
  if (startProfiler) await stopProfiling(startProfiler, startProfileFile!);
  const threads = fs.readdirSync("/proc/self/task").length;

  fs.writeFileSync(entry, feature(2));
  const t1 = performance.now();
  const rebuilt = () => logs.find((l) => /rebuilt in \d+ ms: device code changed, version (\w+)/.test(l));
  await waitFor("the rebuild", () => rebuilt() !== undefined, 120_000, 50);
  const version = /version (\w+)/.exec(rebuilt()!)![1];
  await waitFor("the new version on every device", () => rows().every((r) => r.online && r.version.startsWith(version) && r.ota === "SUCCEEDED"), 600_000, 100).catch((e: Error) => {
    const states = new Map<string, number>();
    for (const r of rows()) states.set(`${r.online} ${r.version.slice(0, 12)} ${r.ota}`, (states.get(`${r.online} ${r.version.slice(0, 12)} ${r.ota}`) ?? 0) + 1);
    throw new Error(`${e.message}: ${JSON.stringify([...states])}`);
  });
  const otaMs = performance.now() - t1;
  const cpu2 = cpuNow(hostPids);

  const profiler = restProfileFile ? await startProfiling() : undefined;
  if (process.env.FLEET_BENCH_REST_MS) console.log(`  at rest from now for ${restMs / 1000} s (pid ${process.pid})`);
  await new Promise((r) => setTimeout(r, restMs));
  const cpu3 = cpuNow(hostPids);
  if (profiler) await stopProfiling(profiler, restProfileFile!);
  const restRss = rssOf(hostPids);
  const t2 = performance.now();
  await session.stop();
  const stopMs = performance.now() - t2;
  clearInterval(sampler);
  fs.rmSync(stateDir, { recursive: true, force: true });
  const diff = (a: Cpu, b: Cpu, per = 1) => ({ main: (b.main - a.main) / per, others: (b.others - a.others) / per, hosts: (b.hosts - a.hosts) / per });
  return { devices, connectedMs, milestones: { cloud: cloudMs, firstOnline: firstOnlineMs, online, running, succeeded }, onlineMs, otaMs, peakRss, restRss, startCpu: diff(cpu0, cpu1), otaCpu: diff(cpu1, cpu2), restCpuPerS: diff(cpu2, cpu3, restMs / 1000), stopMs, threads, hosts: hostPids.length };
}

/** This process is the broker's, and must run as `npx snapfleet dev` runs from an installed
 * package: in plain Node. Under tsx (`npm run bench`), tsx's loader also transforms the ESM
 * dependencies this process loads, aedes among them, through esbuild with its names kept (a
 * `__name` call for each function made): the start measured 34.2–35.4 s that way against 32.6 s in
 * plain Node, the broker's main thread 20.8–21.6 s of CPU against 19.5 s (session 18, alternated).
 * So the bench bundles itself (its own TypeScript and test/support's; dist/ and packages stay as
 * they are) into bench/.fleet.bench.cjs and runs that in plain Node. */
async function inPlainNode(): Promise<number> {
  const esbuild = await import("esbuild");
  const outfile = path.join(__dirname, ".fleet.bench.cjs");
  await esbuild.build({ entryPoints: [__filename], bundle: true, platform: "node", format: "cjs", packages: "external", external: ["../dist/*"], outfile, logLevel: "error" });
  const run = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, FLEET_BENCH_IN_PLAIN_NODE: "1" } });
  return run.status ?? 1;
}

async function main(): Promise<void> {
  if (!process.env.FLEET_BENCH_IN_PLAIN_NODE) process.exit(await inPlainNode());
  const results: Figures[] = [];
  for (const devices of sizes) {
    console.log(`${devices} devices (load average ${load()})...`);
    const f = await run(devices);
    results.push(f);
    const cpu = (c: Cpu) => `main thread ${s(c.main)} s + other threads ${s(c.others)} s + ${f.hosts} fleet hosts ${s(c.hosts)} s CPU`;
    console.log(`  all online and running the version  ${s(f.onlineMs)} s from start (compile, cloud, certificates, connections, first OTA job); ${cpu(f.startCpu)}`);
    const { cloud, firstOnline, online, running, succeeded } = f.milestones;
    console.log(`  on the way  cloud up ${s(cloud)} s; first online ${s(firstOnline)} s; connected ${s(f.connectedMs)} s; online half ${s(online[0])} s, all ${s(online[1])} s; running the version half ${s(running[0])} s, all ${s(running[1])} s; SUCCEEDED half ${s(succeeded[0])} s, all ${s(succeeded[1])} s`);
    console.log(`  OTA rollout (edit -> job -> all SUCCEEDED)  ${s(f.otaMs)} s; ${cpu(f.otaCpu)}`);
    console.log(`  at rest  ${(f.restCpuPerS.main / 10).toFixed(1)}% + ${(f.restCpuPerS.others / 10).toFixed(1)}% + hosts ${(f.restCpuPerS.hosts / 10).toFixed(1)}% of a core; RSS ${mib(f.restRss)} MiB (${(f.restRss / f.devices / 1024 / 1024).toFixed(2)} MiB per device), peak ${mib(f.peakRss)} MiB; ${f.threads} threads`);
    console.log(`  stop  ${s(f.stopMs)} s; load average now ${load()}`);
    global.gc?.();
  }
  if (results.length === 2) {
    const [a, b] = results;
    console.log(`per device, ${b.devices} against ${a.devices}: RSS ×${(b.restRss / b.devices / (a.restRss / a.devices)).toFixed(2)}, time to all online ×${(b.onlineMs / b.devices / (a.onlineMs / a.devices)).toFixed(2)}, OTA ×${(b.otaMs / b.devices / (a.otaMs / a.devices)).toFixed(2)}`);
  }
  process.exit(0);
}

void main();
