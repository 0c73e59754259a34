// `npm run test:slow` runs this: every fuzz harness of the native device for a bounded time,
// with libFuzzer from Debian's clang and AddressSanitizer (memory errors and leaks fail, and
// -timeout turns a hang into a failure). Harnesses:
//   package  ota/tests/packageFuzz.c: the device package parser (manifest included) and the
//            OTA state blob decoder; seeds: packages of two compiled apps and a state blob
//   restore  scripts/fuzz-native-restore.mjs (native-core's): snapshot restore with the
//            checksum bypassed
//   node scripts/fuzz-native.mjs [--seconds N] [--harness package|restore]   (default 60 s each)
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { CORE_INCLUDES, OTA_SOURCES, root } from "./firmwareChecks.mjs";
import { ensureFuzzToolchain } from "./fuzzToolchain.mjs";

const argument = (flag) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
const seconds = Number(argument("--seconds") ?? 60);
const only = argument("--harness");
const out = path.join(root, "build/firmware/fuzz");

function fail(message) {
  console.error(`fuzz-native: ${message}`);
  process.exit(1);
}

if (!Number.isInteger(seconds) || seconds < 1) fail(`--seconds must be a whole number >= 1, got ${argument("--seconds")}`);
const clang = ensureFuzzToolchain(fail);

/** Builds a libFuzzer binary; returns its path. */
function compile(name, sources, extraFlags = []) {
  const binary = path.join(out, name);
  fs.mkdirSync(out, { recursive: true });
  const flags = ["-g", "-O1", "-fsanitize=fuzzer,address,undefined", "-fno-sanitize-recover=undefined", "-D_POSIX_C_SOURCE=200809L", ...CORE_INCLUDES, ...extraFlags];
  const compiled = spawnSync(clang, [...flags, ...sources, "-lm", "-o", binary], { encoding: "utf8" });
  if (compiled.status !== 0) fail(`compiling ${name} failed:\n${compiled.stderr}`);
  return binary;
}

/** Runs a harness on its seeds for `seconds`; fails with the input and log when it finds something. */
function fuzz(name, binary, seeds, maxLen) {
  const corpus = path.join(out, `${name}-corpus`);
  fs.mkdirSync(corpus, { recursive: true });
  console.log(`fuzz-native: fuzzing ${name} for ${seconds} s`);
  const run = spawnSync(binary, [corpus, seeds, `-max_total_time=${seconds}`, "-timeout=10", "-rss_limit_mb=1024", `-max_len=${maxLen}`, `-artifact_prefix=${out}/${name}-`, "-print_final_stats=1"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const log = `${run.stdout}${run.stderr}`;
  const logFile = path.join(out, `${name}-last-run.log`);
  fs.writeFileSync(logFile, log);
  if (run.status !== 0) fail(`${name}: the fuzzer found a problem (exit ${run.status}); the input is in ${path.relative(root, out)}/${name}-*, the log in ${path.relative(root, logFile)}:\n${log.split("\n").slice(-40).join("\n")}`);
  const runs = /stat::number_of_executed_units:\s*(\d+)/.exec(log)?.[1] ?? "?";
  console.log(`fuzz-native: ${name}: no crash, hang or leak in ${seconds} s (${runs} inputs)`);
}

/** Seeds for the package harness: two real packages (compiled by the test support, which
 * knows how to build an app) and a state blob as ota/slotStore.c writes it. */
function packageSeeds() {
  const seeds = path.join(out, "package-seeds");
  fs.rmSync(seeds, { recursive: true, force: true });
  fs.mkdirSync(seeds, { recursive: true });
  const script = `
    const fs = require("node:fs");
    const { encodeDevicePackage } = require("./core/contracts/devicePackage");
    const { compileNativeApp } = require("./test/support/nativeFleet");
    Promise.all([compileNativeApp("  const c = api.newCommsChannel<number>(\\"level\\", { direction: \\"device-to-server\\", qos: 1 });\\n  api.mcu.setInterval(() => c.pushMessageToServer(1), 100);"), compileNativeApp("  api.mcu.setInterval(() => api.log(\\"two\\"), 1000);")])
      .then((builds) => builds.forEach((b, i) => fs.writeFileSync(process.argv[1] + "/v" + (i + 1) + ".sfpk", encodeDevicePackage(b.manifest, b.snapshots.device).bytes)));`;
  const made = spawnSync(process.execPath, ["--import", "tsx", "-e", script, seeds], { cwd: root, encoding: "utf8" });
  if (made.status !== 0) fail(`making seed packages failed:\n${made.stderr}`);
  const version = crypto.createHash("sha256").update(fs.readFileSync(path.join(seeds, "v1.sfpk"))).digest("hex");
  const body = `snapfleet-ota 1\nactive a\na ${version}\nb -\ntrial - -\n`;
  fs.writeFileSync(path.join(seeds, "ota.state"), `${body}check ${crypto.createHash("sha256").update(body).digest("hex")}\n`);
  return seeds;
}

const harnesses = {
  package: () => fuzz("package", compile("packageFuzz", [path.join(root, "firmware/native/ota/tests/packageFuzz.c"), ...OTA_SOURCES]), packageSeeds(), 140_000),
  restore: () => {
    const script = path.join(root, "scripts/fuzz-native-restore.mjs");
    if (!fs.existsSync(script)) return console.log("fuzz-native: restore harness not present, skipped");
    const run = spawnSync(process.execPath, [script, "--seconds", String(seconds)], { cwd: root, stdio: "inherit" });
    if (run.status !== 0) process.exit(run.status ?? 1);
  },
};

if (only && !harnesses[only]) fail(`unknown harness "${only}"; harnesses: ${Object.keys(harnesses).join(", ")}`);
for (const [name, run] of Object.entries(harnesses)) if (!only || only === name) run();
