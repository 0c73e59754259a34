import * as esbuild from "esbuild";
import { Microvium, type HostImportFunction } from "microvium";
import { installStdlib, resolveStdlibPieces, stdlibHostFunctions, stdlibSource } from "../../runtime/stdlib";
import { HostId } from "../../runtime/hostIds";
import { TokenReader } from "../../runtime/valueTokens";
import { runtimeSourceFor } from "../runtimeSource";
import { lowerForMicrovium, type Lowered } from "./index";

/** Support for the lowering's tests and benchmark (not used by the compiler): bundle a program
 * the way bundleFeatures does, lower it, and run its exported `run()` in Node, in Microvium's
 * compile-time VM and, after a snapshot, in the native engine. */

export const RUN_EXPORT_ID = 1;
const SETTLED_EXPORT_ID = 2;

/** esbuild bundle of a file, ESM, target esnext, as core/compiler/bundle.ts does it. */
export async function bundleProgram(file: string): Promise<{ code: string; map: object }> {
  const result = await esbuild.build({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: "esm",
    target: "esnext",
    platform: "neutral",
    outfile: "feature.js",
    sourcemap: "external",
    sourcesContent: false,
    logLevel: "silent",
  });
  const js = result.outputFiles.find((f) => f.path.endsWith(".js"))!;
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"))!;
  return { code: js.text, map: JSON.parse(map.text) };
}

/** Imports an ES module from its text and calls its `run()`; for a program that also exports
 * `settled()` (async work continues after run() returns), [run(), settled()] once every
 * continuation has run. */
export async function runInNode(code: string): Promise<unknown> {
  const ns = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
  const result = ns.run();
  if (typeof ns.settled !== "function") return result;
  await new Promise((resolve) => setImmediate(resolve));
  return [result, ns.settled()];
}

export interface MicroviumRun {
  lowered: Lowered;
  /** The module namespace in the compile-time VM. */
  exports: Record<string, any>;
  /** run() in the compile-time VM ([run(), settled()] as runInNode gives it). */
  compileTimeResult: unknown;
  snapshot: Uint8Array;
  /** run() in the native engine restored from the snapshot. */
  nativeResult: unknown;
}

export interface MicroviumRunOptions {
  guardValueReads?: boolean;
  /** Set up globals before the program is evaluated (e.g. __sf_readValue). */
  prepare?: (vm: Microvium) => void;
  /** Skip installStdlib (to measure what it costs). */
  withoutStdlib?: boolean;
  /** Call run() in the compile-time VM before snapshotting (default true). */
  callAtBuildTime?: boolean;
}

/** Lowers `code`, evaluates it in the compile-time VM with the standard library pieces it uses,
 * calls run() there, snapshots, restores with the native engine and calls run() once more. */
export function runInMicrovium(code: string, inputSourceMap?: object, options: MicroviumRunOptions = {}): MicroviumRun {
  const lowered = lowerForMicrovium(code, { filename: "feature.js", inputSourceMap, guardValueReads: options.guardValueReads });
  const host = libraryHost();
  const vm = Microvium.create(host);
  vm.globalThis.vmExport = vm.vmExport;
  options.prepare?.(vm);
  if (!options.withoutStdlib) installLibrary(vm, lowered.usedStdlib);
  const exports = vm.evaluateModule({ sourceText: `${lowered.code}\nvmExport(${RUN_EXPORT_ID}, run);\n`, debugFilename: "feature.js" });
  // Both engines run the job queue (await continuations) when the host's call returns.
  const hasSettled = typeof exports.settled === "function";
  if (hasSettled) vm.vmExport(SETTLED_EXPORT_ID, exports.settled);
  const runBoth = (run: () => unknown, settled: () => unknown) => {
    const result = run();
    return hasSettled ? [result, settled()] : result;
  };
  const compileTimeResult = options.callAtBuildTime === false ? undefined : runBoth(() => exports.run(), () => exports.settled());
  const snapshot = vm.createSnapshot();
  const native = Microvium.restore(snapshot, host);
  const nativeResult = runBoth(native.resolveExport(RUN_EXPORT_ID), () => native.resolveExport(SETTLED_EXPORT_ID)());
  return { lowered, exports, compileTimeResult, snapshot: new Uint8Array(snapshot.data), nativeResult };
}

/** Host functions for a VM that runs standard library pieces outside a feature build: the
 * library's own, the clock (Date.now) and the host→VM value stream (JSON.parse's result). Any
 * other feature-runtime function throws when called. */
export function libraryHost(): HostImportFunction {
  const values = new TokenReader();
  const table: Record<number, Function> = {
    ...stdlibHostFunctions(values),
    [HostId.Now]: () => Date.now(),
    [HostId.TokenInKind]: () => values.nextKind(),
    [HostId.TokenInPayload]: () => values.payload(),
  };
  return (id) =>
    table[id] ??
    (() => {
      throw new Error(`host function ${id} is not available outside a feature build`);
    });
}

/** installStdlib, after giving the pieces what compileTarget gives them from the feature runtime:
 * its value reader as the global __sf_readTokens (JSON.parse). The runtime is evaluated with its
 * exports switched off, so only the reader can land in the snapshot. The VM must have been made
 * with libraryHost(). */
export function installLibrary(vm: Microvium, used: string[]): void {
  if (stdlibSource(resolveStdlibPieces(used)).includes("__sf_readTokens")) {
    const vmExport = vm.globalThis.vmExport;
    vm.globalThis.vmImport = vm.vmImport;
    vm.globalThis.vmExport = vm.evaluateModule({ sourceText: "export function ignore() {}" }).ignore;
    vm.globalThis.__sf_readTokens = vm.evaluateModule({ sourceText: runtimeSourceFor("server"), debugFilename: "snapfleet-runtime.js" }).valueReader;
    vm.globalThis.vmExport = vmExport;
  }
  installStdlib(vm, used);
}
