// `npm run test:slow`: fuzzes the native device's snapshot restore with libFuzzer (Debian's
// clang) for a bounded time. The harness (firmware/native/ports/posix/fuzz/restoreFuzz.c)
// restores each input with the checksum bypassed (and resolves the dispatcher);
// AddressSanitizer turns memory errors and leaks into
// failures, -timeout turns a hang into one. Seeds: the grow-station example's device snapshot
// and the corrupt snapshots the WebAssembly engine's tests keep (test/fixtures/corrupt-snapshots).
//   node scripts/fuzz-native-restore.mjs [--seconds N]   (default 60)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ENGINE_DIR, GLUE, generatedHeaders } from "./build-firmware.mjs";
import { patchEngine } from "./enginePatches.mjs";
import { ensureFuzzToolchain } from "./fuzzToolchain.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "build/firmware/fuzz");
const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1] || 60);

function fail(message) {
  console.error(`fuzz-native-restore: ${message}`);
  process.exit(1);
}
const clang = ensureFuzzToolchain(fail);

const gen = path.join(out, "gen");
fs.mkdirSync(gen, { recursive: true });
fs.writeFileSync(path.join(gen, "microvium.c"), patchEngine(fs.readFileSync(path.join(ENGINE_DIR, "microvium.c"), "utf8")));
for (const [name, text] of Object.entries(generatedHeaders())) fs.writeFileSync(path.join(gen, name), text);
const native = path.join(root, "firmware/native");
const sources = [
  path.join(native, "ports/posix/fuzz/restoreFuzz.c"),
  path.join(native, "ports/posix/platform.c"),
  path.join(GLUE, "numberFormat.c"),
  path.join(gen, "microvium.c"),
  ...fs.readdirSync(path.join(native, "core")).filter((f) => f.endsWith(".c")).map((f) => path.join(native, "core", f)),
];
const binary = path.join(out, "restoreFuzz");
// AddressSanitizer only: UBSan flags the engine's own ((T*)0)->field offset idiom on every input.
const flags = ["-g", "-O1", "-fsanitize=fuzzer,address", "-DSF_FUZZ_SKIP_CRC", "-w", "-I", gen, "-I", path.join(native, "core"), "-I", ENGINE_DIR, "-I", GLUE];
console.log(`fuzz-native-restore: compiling the harness with ${clang} (libFuzzer, AddressSanitizer)`);
const compiled = spawnSync(clang, [...flags, ...sources, "-lm", "-o", binary], { encoding: "utf8" });
if (compiled.status !== 0) fail(`compiling the harness failed:\n${compiled.stderr}`);

const seeds = path.join(out, "seeds");
fs.rmSync(seeds, { recursive: true, force: true });
fs.mkdirSync(seeds, { recursive: true });
for (const file of fs.readdirSync(path.join(root, "test/fixtures/corrupt-snapshots"))) {
  fs.copyFileSync(path.join(root, "test/fixtures/corrupt-snapshots", file), path.join(seeds, file));
}
const example = path.join(out, "grow-station");
const built = spawnSync(process.execPath, [path.join(root, "bin/snapfleet.js"), "build", "examples/grow-station/features/app.ts", "--out", example, "--secrets-file", "examples/grow-station/dev-secrets.json"], { cwd: root, encoding: "utf8" });
if (built.status !== 0) fail(`building the grow-station example for a seed failed:\n${built.stderr}`);
fs.copyFileSync(path.join(example, "device.snap"), path.join(seeds, "grow-station-device.snap"));

const corpus = path.join(out, "corpus");
fs.mkdirSync(corpus, { recursive: true });
console.log(`fuzz-native-restore: fuzzing restore for ${seconds} s`);
const run = spawnSync(binary, [corpus, seeds, `-max_total_time=${seconds}`, "-timeout=10", "-rss_limit_mb=1024", "-max_len=65536", `-artifact_prefix=${out}/`, "-print_final_stats=1"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
const log = `${run.stdout}${run.stderr}`;
fs.writeFileSync(path.join(out, "last-run.log"), log);
const stats = log.split("\n").filter((l) => /stat::number_of_executed_runs|stat::peak_rss_mb|cov:/.test(l)).slice(-3);
if (run.status !== 0) fail(`the fuzzer found a problem (exit ${run.status}); the input is in ${path.relative(root, out)}/, the log in ${path.relative(root, out)}/last-run.log:\n${log.split("\n").slice(-40).join("\n")}`);
console.log(`fuzz-native-restore: no crash, hang or leak in ${seconds} s (${stats.join("; ")})`);
