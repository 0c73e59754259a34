// Builds core/engine/microvium.wasm: the Microvium engine (C, from the microvium npm
// package) plus our glue (core/engine/glue), compiled with the clang that ships as the npm
// package @yowasp/clang, so a build needs no system compiler, emscripten or download. The one
// .wasm serves the Node device host and the browser dashboard.
//
// Skipped when the inputs are unchanged (their sha256 is stored next to the output), so that
// `npm test` stays fast. Prints one line; exits non-zero with the compiler output on failure.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ENGINE_PATCHES_FILE, patchEngine } from "./enginePatches.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const engineDir = path.join(root, "core/engine");
const outputPath = path.join(engineDir, "microvium.wasm");
const hashPath = `${outputPath}.inputs-sha256`;

const ENGINE_SOURCES = ["microvium.c", "microvium.h"]; // node_modules/microvium/dist-c
const GLUE_SOURCES = ["microvium_port.h", "engineSettings.h", "glue.c", "allocator.c", "numberFormat.h", "numberLayout.h", "numberFormat.c"]; // core/engine/glue
// The module may import only these, so that it runs in a browser: no WASI.
const ALLOWED_IMPORTS = new Set(["env.fatal_error", "env.resolve_import", "env.host_call"]);

// wasip1 for wasi-libc's headers and the few pieces linked statically (memcpy, strlen, pow,
// fmod); checkModule() makes sure none of them brings a WASI import.
const TARGET = ["--target=wasm32-wasip1", "-O2", "-g0"];
const ENGINE_FLAGS = ["-w"]; // third-party source: its warnings are not ours to fix
const GLUE_FLAGS = ["-Wall", "-Wextra", "-Werror"];
const LINK_FLAGS = [
  "-nostartfiles",
  "-Wl,--no-entry",
  "-Wl,--strip-all",
  // Stack below the data: a C stack overflow then traps instead of corrupting memory.
  "-Wl,--stack-first",
  "-Wl,-z,stack-size=32768",
];

function fail(message) {
  console.error(`build-engine: ${message}`);
  process.exit(1);
}

function readInputs() {
  const files = {};
  const engineSourceDir = path.join(root, "node_modules/microvium/dist-c");
  for (const name of ENGINE_SOURCES) files[name] = fs.readFileSync(path.join(engineSourceDir, name));
  files["microvium.c"] = patchOrFail(files["microvium.c"].toString("utf8"));
  for (const name of GLUE_SOURCES) files[name] = fs.readFileSync(path.join(engineDir, "glue", name));
  return files;
}

function patchOrFail(source) {
  try {
    return patchEngine(source);
  } catch (error) {
    fail(error.message);
  }
}

function inputsHash(files) {
  const hash = createHash("sha256");
  const toolchain = JSON.parse(fs.readFileSync(path.join(root, "node_modules/@yowasp/clang/package.json"), "utf8"));
  hash.update(`@yowasp/clang@${toolchain.version}\0`);
  hash.update(fs.readFileSync(fileURLToPath(import.meta.url))); // flags live in this file
  hash.update(fs.readFileSync(ENGINE_PATCHES_FILE));
  for (const [name, data] of Object.entries(files)) hash.update(`\0${name}\0`).update(data);
  return hash.digest("hex");
}

/** Runs one clang command in the virtual filesystem; returns its output files. */
async function clang(runClang, args, files) {
  let diagnostics = "";
  const decoder = new TextDecoder();
  const collect = (bytes) => {
    if (bytes) diagnostics += decoder.decode(bytes, { stream: true });
  };
  try {
    const out = await runClang(["clang", ...args], files, { stdout: collect, stderr: collect, decodeASCII: false });
    if (diagnostics.trim()) process.stderr.write(diagnostics);
    return out;
  } catch (error) {
    fail(`clang ${args.join(" ")} failed:\n${diagnostics || (error instanceof Error ? error.message : String(error))}`);
  }
}

function checkModule(wasm) {
  const module = new WebAssembly.Module(wasm);
  const unexpected = WebAssembly.Module.imports(module)
    .map((i) => `${i.module}.${i.name}`)
    .filter((name) => !ALLOWED_IMPORTS.has(name));
  if (unexpected.length) fail(`the module imports ${unexpected.join(", ")}; only ${[...ALLOWED_IMPORTS].join(", ")} are allowed`);
}

function writeAtomically(file, data) {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, data);
  fs.renameSync(temp, file);
}

async function main() {
  const started = Date.now();
  let files;
  try {
    files = readInputs();
  } catch (error) {
    fail(`cannot read the engine sources (${error.message}); is the microvium package installed?`);
  }
  const hash = inputsHash(files);
  if (fs.existsSync(outputPath) && fs.existsSync(hashPath) && fs.readFileSync(hashPath, "utf8").trim() === hash) {
    console.log(`build-engine: core/engine/microvium.wasm up to date (${fs.statSync(outputPath).size} bytes)`);
    return;
  }

  const { runClang, runLLVM } = await import("@yowasp/clang");
  // Load the toolchain up front, quietly: runClang would print its progress.
  await runLLVM(null, {}, { fetchProgress: () => {} });
  const objects = {};
  const compile = async (source, flags) => {
    const object = source.replace(/\.c$/, ".o");
    const out = await clang(runClang, [...TARGET, ...flags, "-c", source, "-o", object], files);
    objects[object] = out[object];
  };
  await compile("microvium.c", ENGINE_FLAGS);
  for (const source of GLUE_SOURCES.filter((name) => name.endsWith(".c"))) await compile(source, GLUE_FLAGS);
  const linked = await clang(runClang, [...TARGET, ...LINK_FLAGS, ...Object.keys(objects), "-o", "microvium.wasm"], objects);
  const wasm = linked["microvium.wasm"];
  if (!(wasm instanceof Uint8Array)) fail("the linker produced no microvium.wasm");

  checkModule(wasm);
  writeAtomically(outputPath, wasm);
  writeAtomically(hashPath, `${hash}\n`);
  console.log(`build-engine: core/engine/microvium.wasm ${wasm.length} bytes, built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => fail(error instanceof Error ? error.stack ?? error.message : String(error)));
