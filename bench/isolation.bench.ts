/** What running each device app in its own worker thread costs (firmware/isolation/): start
 * time and memory per app, against the same app booted in this thread (baseline, same run), and
 * against the least a Node child process costs (the alternative design); then how long stopping
 * takes for a healthy app and for one stuck in a `while (true) {}` (its thread is terminated). */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import { Device } from "../firmware/device";
import { IsolatedApp } from "../firmware/isolation/isolatedApp";
import { InMemoryTransport } from "../firmware/transport";
import { residentBytes } from "../test/support/processInfo";

const APPS = 10;

const feature = (body: string) => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const t = api.newCommsChannel<number>("t", { qos: 0 });
  const pin = api.mcu.getAnalogPin("A2");
  let ticks = 0;
  api.mcu.setInterval(() => { ticks++; t.pushMessageToServer(pin.read()); ${body} }, 100);
}
`;

async function build(body: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sf-isolation-bench-"));
  const dir = path.join(root, "iso-bench", "features");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "app.ts"), feature(body));
  const result = await compileFeatures({ entry: path.join(dir, "app.ts") });
  fs.rmSync(root, { recursive: true, force: true });
  return result;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const good = await build("");
  const stuck = await build("if (ticks === 3) { while (true) {} }");
  const start = (b: typeof good, thing: string) => IsolatedApp.start({ manifest: b.manifest, snapshot: b.snapshots.device, thing, transport: new InMemoryTransport() });

  // Warm-up: the first worker compiles (tsx) and caches the modules.
  await (await start(good, "warm")).stop();

  const engine = await loadWasmEngine();
  let t = performance.now();
  const inThread: Device[] = [];
  for (let i = 0; i < APPS; i++) inThread.push(await Device.boot({ manifest: good.manifest, snapshot: good.snapshots.device, thing: `d-${i}`, engine }));
  const inThreadMs = (performance.now() - t) / APPS;
  for (const d of inThread) await d.stop();

  global.gc?.();
  await settle(500);
  const rssBefore = process.memoryUsage().rss;
  t = performance.now();
  const apps: IsolatedApp[] = [];
  for (let i = 0; i < APPS; i++) apps.push(await start(good, `d-${i}`));
  const workerMs = (performance.now() - t) / APPS;
  await settle(2000);
  const perWorker = (process.memoryUsage().rss - rssBefore) / APPS;
  t = performance.now();
  await Promise.all(apps.map((a) => a.stop()));
  const stopMs = performance.now() - t;

  // The least a child process costs: a bare Node with nothing loaded.
  const children = Array.from({ length: 3 }, () => spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }));
  await settle(1500);
  const perChild = children.map((c) => residentBytes(c.pid!)).reduce((a, b) => a + b, 0) / children.length;
  for (const c of children) c.kill();

  const runaway = await start(stuck, "stuck");
  await settle(1000);
  t = performance.now();
  await runaway.stop();
  const stuckStopMs = performance.now() - t;
  const killed = await start(stuck, "stuck-2");
  await settle(1000);
  t = performance.now();
  await killed.kill();
  const killMs = performance.now() - t;

  console.log(`app start      in this thread ${inThreadMs.toFixed(1)} ms, in a worker ${workerMs.toFixed(0)} ms (${(workerMs / inThreadMs).toFixed(0)}x; modules cached, mean of ${APPS})`);
  console.log(`memory per app worker ${mb(perWorker)} MB RSS (${APPS} running); a bare Node child process alone ${mb(perChild)} MB RSS (${(perChild / perWorker).toFixed(1)}x)`);
  console.log(`stop           ${APPS} healthy apps ${stopMs.toFixed(0)} ms (they say offline); an app stuck in a loop ${stuckStopMs.toFixed(0)} ms (1 stop timeout of 2000 ms, then its thread is terminated); terminate alone ${killMs.toFixed(0)} ms`);
}

void main();
