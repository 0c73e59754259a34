/** The Microvium engine as one WebAssembly module (microvium.wasm, built from the microvium
 * package's C sources and our glue by scripts/build-engine.mjs). The same module runs the
 * device host in Node and the dashboard in the browser; each restored VM gets its own
 * instance, the compiled module is shared.
 *
 * Why not @microvium/runtime: upstream marks it not ready and it reserves 256 KB per
 * instance. Why not the native binding in the microvium package: see wasmVm.ts. */
import type { GlueExports } from "./glueAbi";
import type { MicroviumEngine } from "./types";
import { WasmVm } from "./wasmVm";

let bundledModule: Promise<WebAssembly.Module> | undefined;

/** Loads the engine. Without an argument (Node only) it reads microvium.wasm next to this
 * file; browsers pass the bytes or a compiled module. */
export async function loadWasmEngine(wasm?: Uint8Array | WebAssembly.Module): Promise<MicroviumEngine> {
  let module: WebAssembly.Module;
  if (wasm instanceof WebAssembly.Module) {
    module = wasm;
  } else if (wasm) {
    module = await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
  } else {
    bundledModule ??= WebAssembly.compile(readBundledWasm());
    module = await bundledModule.catch((error: unknown) => {
      bundledModule = undefined; // e.g. rebuilt after a failure: try again next time
      throw error;
    });
  }
  checkModule(module);
  return { restore: (snapshot, imports, options) => new WasmVm(module, snapshot, imports, options) };
}

function readBundledWasm(): Uint8Array<ArrayBuffer> {
  // Required lazily so that a browser bundle never pulls in fs and path.
  useExplicitBoundsChecks();
  const fs = require("node:fs") as typeof import("node:fs");
  const path = require("node:path") as typeof import("node:path");
  const file = path.join(__dirname, "microvium.wasm");
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` to build the engine`);
  return fs.readFileSync(file);
}

/** V8 turns a WebAssembly out-of-bounds access into a catchable RuntimeError by catching the
 * SIGSEGV of a guard page, but aws-crt (the device SDK's native core, loaded in every process
 * that runs a simulated device's link) installs its own SIGSEGV handler that prints a backtrace
 * and exits the process (aws-crt-nodejs source/module.c, s_install_crash_handler). An engine trap
 * on one device would then end `snapfleet dev` with every device in it. Modules compiled after
 * this flag check bounds explicitly instead (a few percent of engine speed) and never fault. */
function useExplicitBoundsChecks(): void {
  const v8 = require("node:v8") as typeof import("node:v8");
  v8.setFlagsFromString("--wasm-enforce-bounds-checks");
}

/** Fails early, with a clear message, on a module built from other glue. */
function checkModule(module: WebAssembly.Module): void {
  const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
  const required: (keyof GlueExports)[] = ["memory", "_initialize", "glue_restore", "glue_call", "glue_put_string", "glue_message", "glue_memory_stats", "glue_set_instruction_budget"];
  const missing = required.filter((name) => !exported.has(name));
  if (missing.length) throw new Error(`not a snapfleet Microvium engine module (missing exports: ${missing.join(", ")}); run \`npm run build\``);
}
