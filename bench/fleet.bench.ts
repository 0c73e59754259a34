/** `snapfleet dev --devices 1000` (DevSession, as the command runs it, watching the feature's
 * folder): time until every device is online and running the deployed version, then an OTA
 * rollout (the feature file edited → rebuilt → new job → every device SUCCEEDED on the new
 * version), the process's CPU and RSS through both and at rest, and the stop. Baseline in the
 * same run: the same with 100 devices (per-device ratios). The broker, the cloud services, the
 * devices' MQTT links (aws-crt) and the apps' shared threads are all this one process: CPU is
 * split by thread, the main thread's (broker, services, device hosts) against all others (the
 * apps' threads, aws-crt's TLS event loops, V8 and libuv helpers).
 * `npm run bench -- fleet`; `node --import tsx bench/fleet.bench.ts 1000 100` for other sizes. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DevSession } from "../cli/devSession";
import { residentBytes } from "../test/support/processInfo";
import { writeFeatures } from "../test/support/tempFeatures";
import { waitFor } from "../test/support/waitFor";

const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [100, 1000];
/** FLEET_BENCH_LOG=<file>: the session's log lines, for a run that doesn't finish. */
const logFile = process.env.FLEET_BENCH_LOG;

/** Publishes once every 5 s: about a fleet's ordinary chatter (200 msg/s at 1,000 devices). */
const feature = (value: number) => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  api.mcu.setInterval(() => level.pushMessageToServer(${value}), 5000);
}
`;

/** CPU ms of this process's main thread (tid = pid) and of all its other threads. */
function cpuByThread(): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of fs.readdirSync("/proc/self/task")) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ = 100
      if (Number(tid) === process.pid) main += ms;
      else others += ms;
    } catch {
      // the thread ended meanwhile
    }
  }
  return { main, others };
}

/** Ended threads' CPU stays in the process's total; "others" is total minus main. */
function cpuNow(): { main: number; others: number } {
  const total = process.cpuUsage();
  const { main } = cpuByThread();
  return { main, others: (total.user + total.system) / 1000 - main };
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const s = (ms: number) => (ms / 1000).toFixed(1);
const load = () => os.loadavg()[0].toFixed(1);

interface Figures {
  devices: number;
  onlineMs: number;
  otaMs: number;
  peakRss: number;
  restRss: number;
  startCpu: { main: number; others: number };
  otaCpu: { main: number; others: number };
  restCpuPerS: { main: number; others: number };
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
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, residentBytes(process.pid))), 250);
  const cpu0 = cpuNow();
  const t0 = performance.now();
  const session = await DevSession.start({ entry, secrets: {}, devices, port: 0, stateDir, dashboardBundleDir: null, log: keep });
  const rows = () => session.cloud.monitor.devices();
  const allOn = (version: string) => rows().length === devices && rows().every((r) => r.online && r.version === version && r.ota === "SUCCEEDED");
  await waitFor("the first version on every device", () => rows()[0]?.version !== "" && allOn(rows()[0].version), 600_000, 100);
  const onlineMs = performance.now() - t0;
  const cpu1 = cpuNow();
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
  const cpu2 = cpuNow();

  await new Promise((r) => setTimeout(r, 10_000));
  const cpu3 = cpuNow();
  const restRss = residentBytes(process.pid);
  const t2 = performance.now();
  await session.stop();
  const stopMs = performance.now() - t2;
  clearInterval(sampler);
  fs.rmSync(stateDir, { recursive: true, force: true });
  const diff = (a: { main: number; others: number }, b: { main: number; others: number }, per = 1) => ({ main: (b.main - a.main) / per, others: (b.others - a.others) / per });
  return { devices, onlineMs, otaMs, peakRss, restRss, startCpu: diff(cpu0, cpu1), otaCpu: diff(cpu1, cpu2), restCpuPerS: diff(cpu2, cpu3, 10), stopMs, threads };
}

async function main(): Promise<void> {
  const results: Figures[] = [];
  for (const devices of sizes) {
    console.log(`${devices} devices (load average ${load()})...`);
    const f = await run(devices);
    results.push(f);
    const cpu = (c: { main: number; others: number }) => `main thread ${s(c.main)} s + other threads ${s(c.others)} s CPU`;
    console.log(`  all online and running the version  ${s(f.onlineMs)} s from start (compile, cloud, certificates, connections, first OTA job); ${cpu(f.startCpu)}`);
    console.log(`  OTA rollout (edit -> job -> all SUCCEEDED)  ${s(f.otaMs)} s; ${cpu(f.otaCpu)}`);
    console.log(`  at rest  ${(f.restCpuPerS.main / 10).toFixed(1)}% + ${(f.restCpuPerS.others / 10).toFixed(1)}% of a core; RSS ${mib(f.restRss)} MiB (${(f.restRss / f.devices / 1024 / 1024).toFixed(2)} MiB per device), peak ${mib(f.peakRss)} MiB; ${f.threads} threads`);
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
