import fs from "node:fs";
import path from "node:path";
import { Microvium } from "microvium";
import { DEFAULT_INSTRUCTION_BUDGET, loadWasmEngine, VmBudgetExceeded } from "../core/engine";
import type { HostFunction } from "../core/engine/types";

/** Engine call cost: our WebAssembly engine against the native binding of the microvium package,
 * which it replaces; and with the instruction budget (the default) against without it, same run,
 * plus how long a call that never returns runs before the budget stops it. The call increments a counter in the VM and passes a value to a host
 * function. The native engine only gets a few thousand calls with small ints: past that, or
 * with floats and strings, it slows down quadratically and fails an assertion (see
 * core/engine/wasmVm.ts). */
const WASM_PATH = path.join(__dirname, "../core/engine/microvium.wasm");
const WASM_CALLS = 300_000;
const NATIVE_FRESH_CALLS = 200;
const NATIVE_CALLS = 3_000;

const PROGRAM = `
  const report = vmImport(1);
  let count = 0;
  vmExport(1, (x) => { count++; report(x); return count; });
  vmExport(2, (k) => { let s = 0; for (let i = 0; i < k; i++) s += i; return s; });
`;
/** Budget on/off rounds, alternating, timed in process CPU time (the machine is shared: wall time
 * would mostly measure the neighbours); the best of each counts. */
const BUDGET_ROUNDS = 9;
const BUDGET_CALLS = 50_000;
/** Loop turns per call of the bytecode-only export: ~40,000 instructions. */
const LOOP_TURNS = 2_000;
const LOOP_CALLS = 300;

const RUNAWAY = `vmExport(1, () => { let n = 0; while (true) n++; });`;

function snapshot(sourceText = PROGRAM): Uint8Array {
  const vm = Microvium.create({});
  const globals = vm.globalThis as Record<string, unknown>;
  globals.vmExport = vm.vmExport;
  globals.vmImport = vm.vmImport;
  vm.evaluateModule({ sourceText, debugFilename: "bench.js" });
  return new Uint8Array(vm.createSnapshot().data);
}

/** ns per call of `fn(arg(i))` over `calls` calls, after `warmUp` untimed calls. */
function nsPerCall(fn: (x: number) => unknown, arg: (i: number) => number, calls: number, warmUp: number): number {
  for (let i = 0; i < warmUp; i++) fn(arg(i));
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn(arg(i));
  return Number(process.hrtime.bigint() - start) / calls;
}

/** Like nsPerCall, in CPU time of this process. */
function cpuNsPerCall(fn: (x: number) => unknown, arg: (i: number) => number, calls: number, warmUp: number): number {
  for (let i = 0; i < warmUp; i++) fn(arg(i));
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn(arg(i));
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / calls;
}

export async function runEngineBench() {
  const bytes = snapshot();
  let received = 0;
  const host: Record<number, HostFunction> = { 1: () => void received++ };

  const engine = await loadWasmEngine();
  const vm = engine.restore(bytes, (id) => host[id]);
  const call = vm.resolveExport(1) as (x: number) => unknown;
  const wasmFloatNs = nsPerCall(call, (i) => i * 0.37 + 0.5, WASM_CALLS, WASM_CALLS / 10);
  const wasmSmallIntNs = nsPerCall(call, (i) => i & 127, WASM_CALLS, WASM_CALLS / 10);
  vm.dispose();

  // The same calls without the budget: the small-int call (mostly boundary crossing) and a
  // bytecode-only loop (where the per-instruction countdown shows most).
  const unlimited = engine.restore(bytes, (id) => host[id], { instructionBudget: 0 });
  const limited = engine.restore(bytes, (id) => host[id]);
  const [offCall, offLoop, onCall, onLoop] = [unlimited, unlimited, limited, limited].map((v, i) => v.resolveExport(1 + (i % 2)) as (x: number) => unknown);
  let budgetOnNs = Infinity;
  let budgetOffNs = Infinity;
  let loopOnNs = Infinity;
  let loopOffNs = Infinity;
  for (let round = 0; round < BUDGET_ROUNDS; round++) {
    budgetOnNs = Math.min(budgetOnNs, cpuNsPerCall(onCall, (i) => i & 127, BUDGET_CALLS, 1000));
    budgetOffNs = Math.min(budgetOffNs, cpuNsPerCall(offCall, (i) => i & 127, BUDGET_CALLS, 1000));
    loopOnNs = Math.min(loopOnNs, cpuNsPerCall(onLoop, () => LOOP_TURNS, LOOP_CALLS, 10));
    loopOffNs = Math.min(loopOffNs, cpuNsPerCall(offLoop, () => LOOP_TURNS, LOOP_CALLS, 10));
  }
  unlimited.dispose();
  limited.dispose();

  // A call that never returns, stopped by the default budget.
  const runaway = engine.restore(snapshot(RUNAWAY), () => undefined);
  let runawayMs = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    try {
      runaway.resolveExport(1)();
    } catch (error) {
      if (!(error instanceof VmBudgetExceeded)) throw error;
    }
    runawayMs = Math.min(runawayMs, Number(process.hrtime.bigint() - start) / 1e6);
  }
  runaway.dispose();

  // Two figures, because its cost per call grows with the calls made so far: calls 21-220
  // (its best case), then calls 221-3220.
  const native = Microvium.restore({ data: bytes } as Parameters<typeof Microvium.restore>[0], host as Record<number, Function>);
  const nativeCall = native.resolveExport(1) as (x: number) => unknown;
  const nativeFreshNs = nsPerCall(nativeCall, (i) => i & 127, NATIVE_FRESH_CALLS, 20);
  const nativeSmallIntNs = nsPerCall(nativeCall, (i) => i & 127, NATIVE_CALLS, 0);

  return {
    wasmBytes: fs.statSync(WASM_PATH).size,
    wasmFloatNsPerCall: Math.round(wasmFloatNs),
    wasmFloatCallsPerSecond: Math.round(1e9 / wasmFloatNs),
    wasmSmallIntNsPerCall: Math.round(wasmSmallIntNs),
    budgetOnNsPerCall: Math.round(budgetOnNs),
    budgetOffNsPerCall: Math.round(budgetOffNs),
    /** > 1: the call costs more with the budget. */
    budgetOnOverOff: +(budgetOnNs / budgetOffNs).toFixed(3),
    loopOnUsPerCall: +(loopOnNs / 1000).toFixed(1),
    loopOffUsPerCall: +(loopOffNs / 1000).toFixed(1),
    loopOnOverOff: +(loopOnNs / loopOffNs).toFixed(3),
    runawayStoppedMs: +runawayMs.toFixed(1),
    nativeFreshNsPerCall: Math.round(nativeFreshNs),
    nativeSmallIntNsPerCall: Math.round(nativeSmallIntNs),
    /** > 1: the WebAssembly engine is faster (same small-int call). */
    nativeFreshOverWasm: +(nativeFreshNs / wasmSmallIntNs).toFixed(1),
    nativeOverWasm: +(nativeSmallIntNs / wasmSmallIntNs).toFixed(1),
    hostCallsReceived: received,
  };
}

if (require.main === module) {
  runEngineBench().then((r) => {
    console.log(`engine: microvium.wasm ${r.wasmBytes} bytes`);
    console.log(`engine: wasm, float arg: ${r.wasmFloatNsPerCall} ns/call (${r.wasmFloatCallsPerSecond} calls/s, ${WASM_CALLS} calls)`);
    console.log(`engine: wasm, small int: ${r.wasmSmallIntNsPerCall} ns/call`);
    console.log(`engine: instruction budget on (default) vs off (CPU time), small int: ${r.budgetOnNsPerCall} vs ${r.budgetOffNsPerCall} ns/call (x${r.budgetOnOverOff}); ${LOOP_TURNS}-turn loop: ${r.loopOnUsPerCall} vs ${r.loopOffUsPerCall} µs/call (x${r.loopOnOverOff})`);
    console.log(`engine: a call that never returns is stopped after ${DEFAULT_INSTRUCTION_BUDGET.toLocaleString("en-US")} instructions: ${r.runawayStoppedMs} ms`);
    console.log(`engine: native binding, small int: calls 21-220 ${r.nativeFreshNsPerCall} ns/call (native/wasm ${r.nativeFreshOverWasm}x); calls 221-3220 ${r.nativeSmallIntNsPerCall} ns/call (native/wasm ${r.nativeOverWasm}x)`);
  });
}
