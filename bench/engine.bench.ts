import fs from "node:fs";
import path from "node:path";
import { Microvium } from "microvium";
import { loadWasmEngine } from "../core/engine";
import type { HostFunction } from "../core/engine/types";

/** Engine call cost: our WebAssembly engine against the native binding of the microvium package,
 * which it replaces. The call increments a counter in the VM and passes a value to a host
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
`;

function snapshot(): Uint8Array {
  const vm = Microvium.create({});
  const globals = vm.globalThis as Record<string, unknown>;
  globals.vmExport = vm.vmExport;
  globals.vmImport = vm.vmImport;
  vm.evaluateModule({ sourceText: PROGRAM, debugFilename: "bench.js" });
  return new Uint8Array(vm.createSnapshot().data);
}

/** ns per call of `fn(arg(i))` over `calls` calls, after `warmUp` untimed calls. */
function nsPerCall(fn: (x: number) => unknown, arg: (i: number) => number, calls: number, warmUp: number): number {
  for (let i = 0; i < warmUp; i++) fn(arg(i));
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn(arg(i));
  return Number(process.hrtime.bigint() - start) / calls;
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
    console.log(`engine: native binding, small int: calls 21-220 ${r.nativeFreshNsPerCall} ns/call (native/wasm ${r.nativeFreshOverWasm}x); calls 221-3220 ${r.nativeSmallIntNsPerCall} ns/call (native/wasm ${r.nativeOverWasm}x)`);
  });
}
