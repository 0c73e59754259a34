import fs from "node:fs";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import type { BoardDefinition } from "../core/boards";
import { loadWasmEngine } from "../core/engine";
import { FeatureVm } from "../core/runtime/featureVm";
import { Device } from "../firmware/device";
import { ManualClock } from "../firmware/clock";
import { InMemoryTransport } from "../firmware/transport";
import { writeFeatures, writeApp } from "../test/support/tempFeatures";
import { exampleWithoutTypeArguments } from "../test/support/exampleWithoutTypeArguments";
import { deviceChannelCodec } from "../core/compiler/primitiveChannels";
import { SIZE_BUDGETS } from "./sizeBudgets";
import { EXAMPLE_ENTRY as EXAMPLE, EXAMPLE_SECRETS as SECRETS, measureSizeFigures } from "./sizeFigures";

/** Issue 2 figures: compile time (example, generated 50-feature app), snapshot sizes per target,
 * device dispatch rate (timer callback + push) against the same callback as plain Node JS, and
 * with the engine's instruction budget on (the default) against off, same run. */

function fiftyFeatureApp(): string {
  const files: Record<string, string> = {};
  const names: string[] = [];
  for (let i = 0; i < 50; i++) {
    const name = `feature${i}`;
    names.push(name);
    files[`${name}.ts`] = `import type { FeatureApi } from "snapfleet";
export function ${name}(api: FeatureApi) {
  const ch = api.newCommsChannel("sensor-${i}", { qos: ${i % 2} as 0 | 1 });
  const pin = api.mcu.getAnalogPin("A${i}");
  api.mcu.setInterval(() => ch.pushMessageToServer(Math.round(pin.read() * 10) / 10), ${1000 + i * 10});
  api.registerUiControl((el) => ch.addEventListener("messageFromDevice", (v) => el.setText("sensor ${i}: " + v)), { title: "Sensor ${i}" });
}
`;
  }
  files["app.ts"] = `import type { FeatureApi } from "snapfleet";\n${names.map((n) => `import { ${n} } from "./${n}";`).join("\n")}\nexport function App(api: FeatureApi) {\n${names.map((n) => `  ${n}(api);`).join("\n")}\n}\n`;
  return writeFeatures(files, "fifty");
}

/** The fifty features read fifty analog inputs: more than the simulated board's eight. */
const FIFTY_INPUT_BOARD: BoardDefinition = { name: "fifty-inputs", pins: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`A${i}`, ["analog-in"]])) };

async function timeCompile(entry: string, secrets: Record<string, string> = {}, runs = 3, inferChannelCodec = true, board?: BoardDefinition) {
  let best = Infinity;
  let result;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await compileFeatures({ entry, secrets, inferChannelCodec, board });
    best = Math.min(best, performance.now() - t);
  }
  return { ms: best, result: result! };
}

/** What inferring the channels' value types costs (a type-checker program over an app's files):
 * the first call in a process parses TypeScript's library, later ones reuse it. */
function timeChannelInference(entry: string) {
  const dir = path.dirname(entry);
  const files = fs.readdirSync(dir).map((f) => path.join(dir, f));
  let t = performance.now();
  deviceChannelCodec(files);
  const firstMs = performance.now() - t;
  let laterMs = Infinity;
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    deviceChannelCodec(files);
    laterMs = Math.min(laterMs, performance.now() - t);
  }
  return { firstMs: Math.round(firstMs), laterMs: Math.round(laterMs) };
}

export async function runCompileBench() {
  // The example as users write it, without `newCommsChannel<number>` type arguments (with them
  // the checker isn't needed): inferred, and with the whole codec as before inference (same run).
  // The inference is timed first, before any compile has loaded the checker's library.
  const plainEntry = exampleWithoutTypeArguments();
  const inference = timeChannelInference(plainEntry);
  const example = await timeCompile(EXAMPLE, SECRETS);
  // Alternated, so a change in the machine's load doesn't favour one side.
  const plain = { ms: Infinity, result: undefined as unknown as Awaited<ReturnType<typeof compileFeatures>> };
  const plainFullCodec = { ...plain };
  for (let i = 0; i < 4; i++) {
    for (const [side, inferChannelCodec] of [[plain, true], [plainFullCodec, false]] as const) {
      const run = await timeCompile(plainEntry, SECRETS, 1, inferChannelCodec);
      side.ms = Math.min(side.ms, run.ms);
      side.result = run.result;
    }
  }
  const fiftyEntry = fiftyFeatureApp();
  const fifty = await timeCompile(fiftyEntry, {}, 2, true, FIFTY_INPUT_BOARD);
  const fiftyInference = timeChannelInference(fiftyEntry);

  // Baseline in the same run: the example without leaving out unnamed members.
  const unpruned = await compileFeatures({ entry: EXAMPLE, secrets: SECRETS, pruneMembers: false });

  // The figures with a size budget (runtime floor, object codec), measured as the suite checks them.
  const sizes = await measureSizeFigures();

  // Dispatch rate: a 1 ms interval that reads a pin and pushes the value, on a manual clock.
  const build = await compileFeatures({
    entry: writeApp(`  const ch = api.newCommsChannel("t", { qos: 0 });\n  const pin = api.mcu.getAnalogPin("A2");\n  api.mcu.setInterval(() => ch.pushMessageToServer(pin.read()), 1);\n  const cmd = api.newCommsChannel<number>("cmd");\n  cmd.addEventListener("messageFromServer", (v) => ch.pushMessageToServer(v));`),
  });
  const engine = await loadWasmEngine();
  const N = 100_000;
  const clock = new ManualClock();
  const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "bench", clock, transport: new InMemoryTransport(), engine });
  clock.advance(1000); // warm-up
  let t = performance.now();
  clock.advance(N);
  const vmMs = performance.now() - t;
  // Message dispatch: a listener that pushes the value on (FeatureVm.deliver, as the supervisor calls it).
  for (let i = 0; i < 1000; i++) device.vm.deliver(1, i);
  t = performance.now();
  for (let i = 0; i < N; i++) device.vm.deliver(1, i);
  const messageMs = performance.now() - t;
  device.stop();

  // The instruction budget's cost: the same timer callback through FeatureVm with the default
  // budget and with none, on a host that does nothing else (the supervisor's own work, mostly
  // garbage, drowned the difference). They take turns in short slices so that the shared
  // machine's ups and downs fall on both alike, timed in CPU time.
  const timerHost = () => {
    const slots: number[] = [];
    const host = { log: () => {}, networkRequest: () => 1, channelOpen: () => 2, channelSend: () => 0, pinOpen: () => 3, pinRead: () => 21.5, timerStart: (slot: number) => void slots.push(slot), timerStop: () => {} };
    return { host, slots };
  };
  const budgetRuns = [undefined, 0].map((instructionBudget) => {
    const { host, slots } = timerHost();
    const vm = new FeatureVm(engine, build.snapshots.device, "device", host, { instructionBudget });
    vm.start();
    return { vm, slot: slots[0], cpuMs: 0 };
  });
  const SLICE = 5_000;
  for (let done = 0; done < 4 * N; done += SLICE) {
    for (const run of budgetRuns) {
      const cpuStart = process.cpuUsage();
      for (let i = 0; i < SLICE; i++) run.vm.timerFired(run.slot);
      const cpu = process.cpuUsage(cpuStart);
      run.cpuMs += (cpu.user + cpu.system) / 1000;
    }
  }
  for (const run of budgetRuns) run.vm.dispose();
  const [withBudget, withoutBudget] = budgetRuns;

  // Baseline: the same callback as plain JS, through the same supervisor-free path (read, encode, publish).
  const sent: string[] = [];
  let seq = 0;
  const read = () => 21.5;
  const baselineClock = new ManualClock();
  const tick = () => {
    sent.push(JSON.stringify({ id: `b:${++seq}`, v: read(), t: baselineClock.now() }));
    if (sent.length > 1000) sent.length = 0;
    baselineClock.setTimer(1, tick);
  };
  baselineClock.setTimer(1, tick);
  t = performance.now();
  baselineClock.advance(N);
  const jsMs = performance.now() - t;

  return {
    exampleCompileMs: Math.round(example.ms),
    fiftyFeatureCompileMs: Math.round(fifty.ms),
    fiftyFeatureInferenceMs: fiftyInference.laterMs,
    withoutTypeArguments: {
      deviceBytes: plain.result.manifest.snapshots.device.size,
      fullCodecDeviceBytes: plainFullCodec.result.manifest.snapshots.device.size,
      compileMs: Math.round(plain.ms),
      fullCodecCompileMs: Math.round(plainFullCodec.ms),
      inference,
    },
    exampleSnapshotBytes: { device: example.result.manifest.snapshots.device.size, web: example.result.manifest.snapshots.web.size, server: example.result.manifest.snapshots.server.size },
    unprunedSnapshotBytes: { device: unpruned.manifest.snapshots.device.size, web: unpruned.manifest.snapshots.web.size, server: unpruned.manifest.snapshots.server.size },
    runtimeFloorBytes: sizes.runtimeFloor,
    objectCodecBytes: sizes.objectCodec.codec,
    fiftySnapshotBytes: { device: fifty.result.manifest.snapshots.device.size, web: fifty.result.manifest.snapshots.web.size, server: fifty.result.manifest.snapshots.server.size },
    dispatchesPerSecond: Math.round(N / (vmMs / 1000)),
    messagesPerSecond: Math.round(N / (messageMs / 1000)),
    /** Per CPU second, budget on and off. */
    budgetCpuDispatchesPerSecond: Math.round((4 * N) / (withBudget.cpuMs / 1000)),
    noBudgetCpuDispatchesPerSecond: Math.round((4 * N) / (withoutBudget.cpuMs / 1000)),
    /** < 1: the budget costs dispatch rate. */
    budgetOnOverOff: +(withoutBudget.cpuMs / withBudget.cpuMs).toFixed(3),
    plainJsPerSecond: Math.round(N / (jsMs / 1000)),
    vmVsPlainJs: +(vmMs / jsMs).toFixed(1),
  };
}

if (require.main === module) {
  runCompileBench().then((r) => {
    console.log(`compile: example ${r.exampleCompileMs} ms, 50 features ${r.fiftyFeatureCompileMs} ms (budget 2000 ms; of which channel type inference ${r.fiftyFeatureInferenceMs} ms, x${(r.fiftyFeatureInferenceMs / r.fiftyFeatureCompileMs).toFixed(2)})`);
    console.log(`snapshots (bytes): example device ${r.exampleSnapshotBytes.device} (budget ${SIZE_BUDGETS.exampleDeviceSnapshotBytes}), web ${r.exampleSnapshotBytes.web}, server ${r.exampleSnapshotBytes.server}; 50 features device ${r.fiftySnapshotBytes.device}, web ${r.fiftySnapshotBytes.web}, server ${r.fiftySnapshotBytes.server}`);
    const ratio = (target: "device" | "web" | "server") => (r.exampleSnapshotBytes[target] / r.unprunedSnapshotBytes[target]).toFixed(2);
    console.log(`member pruning: example device ${r.unprunedSnapshotBytes.device} → ${r.exampleSnapshotBytes.device} B (x${ratio("device")}), web ${r.unprunedSnapshotBytes.web} → ${r.exampleSnapshotBytes.web} B (x${ratio("web")}), server ${r.unprunedSnapshotBytes.server} → ${r.exampleSnapshotBytes.server} B (x${ratio("server")})`);
    const w = r.withoutTypeArguments;
    console.log(`example device snapshot: with type arguments ${r.exampleSnapshotBytes.device} B, without ${w.deviceBytes} B (budget ${SIZE_BUDGETS.exampleDeviceSnapshotBytes}; whole codec as before inference, same run: ${w.fullCodecDeviceBytes} B, x${(w.deviceBytes / w.fullCodecDeviceBytes).toFixed(2)})`);
    console.log(`channel type inference: example compile without type arguments ${w.compileMs} ms vs ${w.fullCodecCompileMs} ms without inference (x${(w.compileMs / w.fullCodecCompileMs).toFixed(2)}); the inference alone ${w.inference.firstMs} ms on a process's first build (parses TypeScript's lib; x${(w.inference.firstMs / r.exampleCompileMs).toFixed(2)} a warm example compile), ${w.inference.laterMs} ms after (x${(w.inference.laterMs / r.exampleCompileMs).toFixed(2)})`);
    console.log(`device runtime floor (bytes): empty App ${r.runtimeFloorBytes.emptyApp} (budget ${SIZE_BUDGETS.runtimeFloorBytes.emptyApp}), App keeping api in a callback ${r.runtimeFloorBytes.keepsApi} (budget ${SIZE_BUDGETS.runtimeFloorBytes.keepsApi})`);
    console.log(`device object codec: ${r.objectCodecBytes} B (budget ${SIZE_BUDGETS.objectCodecBytes})`);
    console.log(`device dispatch (timer + pin read + push): ${r.dispatchesPerSecond}/s (budget 50000/s); plain JS same loop ${r.plainJsPerSecond}/s; VM costs ${r.vmVsPlainJs}x`);
    console.log(`device message dispatch (listener + push): ${r.messagesPerSecond}/s`);
    console.log(`timer dispatch through FeatureVm, instruction budget on (default) vs off: ${r.budgetCpuDispatchesPerSecond} vs ${r.noBudgetCpuDispatchesPerSecond} per CPU second, ratio ${r.budgetOnOverOff}`);
  });
}
