// `npm test`: the test files of .mocharc.json in two mocha processes at once, one per core.
// Why two: most of the suite waits on something other than this process (QEMU boards, native
// device processes, the broker in a child, Chromium, the C compiler), so a second process fills
// the idle core; serial, the suite took 30 minutes of CI. Why these two groups: the device group
// (C firmware, QEMU, packed builds) and the cloud group take about the same time, and each keeps
// its own kind of load. Shared state is safe across them: `npm run build` ran before (pretest),
// firmware builds of one target wait for each other (scripts/buildLock.mjs), and
// every test takes its own temporary folders and ports.
//
// The device group's output is printed as it comes; the cloud group's is written as it comes to
// build/test-cloud.log (follow it with `tail -f`) and printed from there after the device
// group's, so neither's spec report is cut into the other's. Tests whose title has @slow are left
// to `npm run test:slow` (.mocharc.json's grep). `node scripts/test.mjs --serial` runs both groups
// one after the other, as plain `mocha` would.
//
// .mocharc.json's `exit`: mocha ends the process once its report is written. Seen here: the
// cloud group's 1,454 tests passed, then the process stayed up, idle, with no JavaScript handle
// left but the stdio pipes (process.getActiveResourcesInfo) and about a hundred aws-crt MQTT
// connections of stopped test devices still in the heap: the crt lets go of a closed
// connection's native callbacks when its object is collected, and an idle process collects
// nothing. Serial, the device tests after them allocated enough to collect them.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const config = JSON.parse(fs.readFileSync(path.join(root, ".mocharc.json"), "utf8"));

/** Test files that build or run the C firmware or QEMU, by path: the device group (the
 * TypeScript device's tests, firmware/comms, firmware/ota, ..., go with the cloud group, which
 * was 3 minutes shorter: measured on a clean clone, 18 and 15 min). */
const DEVICE_GROUP = [/^firmware\/(native|coprocessor)\//, /^test\/(native|packed|trustzone|firmwareBuild|runDevice|stackDepth|stackLimit)/, /^cli\/qemuTarget/];

const files = testFiles(config.spec);
const device = files.filter((f) => DEVICE_GROUP.some((p) => p.test(f)));
const cloud = files.filter((f) => !device.includes(f));
const serial = process.argv.includes("--serial");

const started = Date.now();
const deviceRun = runMocha("device", device, (chunk) => process.stdout.write(chunk));
const CLOUD_LOG = path.join(root, "build", "test-cloud.log");
let cloudLog;
if (!serial) {
  fs.mkdirSync(path.dirname(CLOUD_LOG), { recursive: true });
  cloudLog = fs.openSync(CLOUD_LOG, "w");
  console.log(`npm test: the cloud group's report goes to ${path.relative(process.cwd(), CLOUD_LOG)} as it runs, and here after the device group's\n`);
}
const cloudRun = serial
  ? deviceRun.then(() => runMocha("cloud", cloud, (chunk) => process.stdout.write(chunk)))
  : runMocha("cloud", cloud, (chunk) => fs.writeSync(cloudLog, chunk));
const [deviceCode, cloudCode] = await Promise.all([deviceRun, cloudRun]);
if (cloudLog !== undefined) {
  fs.closeSync(cloudLog);
  process.stdout.write(`\n--- the cloud group (${cloud.length} files), run beside the device group ---\n`);
  process.stdout.write(fs.readFileSync(CLOUD_LOG));
}
const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(`\nnpm test: device group (${device.length} files) ${verdict(deviceCode)}, cloud group (${cloud.length} files) ${verdict(cloudCode)}; ${minutes} min`);
process.exit(deviceCode || cloudCode ? 1 : 0);

function verdict(code) {
  return code === 0 ? "passed" : `FAILED (mocha exit ${code})`;
}

/** Runs mocha on `list` with .mocharc.json's options; resolves with its exit code. */
function runMocha(name, list, write) {
  if (list.length === 0) return Promise.resolve(0); // mocha fails on no files; a group may have none
  // --no-config: mocha adds a config's `spec` to the files given, so its other options are passed here.
  const options = Object.entries(config).filter(([key]) => key !== "spec");
  const args = [
    path.join(root, "node_modules/mocha/bin/mocha.js"),
    "--no-config",
    ...options.flatMap(([key, value]) => (Array.isArray(value) ? value.flatMap((v) => [`--${key}`, String(v)]) : value === true ? [`--${key}`] : [`--${key}`, String(value)])),
    ...list,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", write);
    child.stderr.on("data", write);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on("error", (error) => {
      write(`${name} group: mocha did not start: ${error.message}\n`);
      resolve(1);
    });
  });
}

/** The files the config's `spec` globs (`dir/**` + `/*.test.ts` forms) name, relative to root. */
function testFiles(specs) {
  const found = new Set();
  for (const spec of specs) {
    const match = /^([^*]+)\/\*\*\/\*(\.[\w.]+)$/.exec(spec);
    if (!match) throw new Error(`.mocharc.json: spec "${spec}" is not of the form dir/**/*.ext that scripts/test.mjs reads`);
    const [, dir, ending] = match;
    for (const file of walk(path.join(root, dir))) if (file.endsWith(ending)) found.add(path.relative(root, file));
  }
  return [...found].sort();
}

function* walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}
