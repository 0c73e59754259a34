import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { writeApp } from "./support/tempFeatures";
import { maxFittingAppLength } from "../core/contracts/awsNames";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "bin/snapfleet.js");

async function snapfleet(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("snapfleet CLI", function () {
  this.timeout(60_000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "sf-cli-"));
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("build prints the declarations and snapshot sizes and writes the build", async () => {
    const r = await snapfleet(["build", "examples/grow-station/features/app.ts", "--out", out, "--secrets-file", "examples/grow-station/dev-secrets.json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /app grow-station {2}version [0-9a-f]{12}/);
    assert.match(r.stdout, /channel +temperature +qos 0, both/);
    assert.match(r.stdout, /secret +ssid +device only/);
    assert.match(r.stdout, /device +\d+ B/);
    for (const f of ["manifest.json", "device.snap", "web.snap", "server.snap"]) assert.ok(fs.existsSync(path.join(out, f)), f);
    assert.ok(!fs.readFileSync(path.join(out, "manifest.json"), "utf8").includes("local-dev-only"), "secret value in manifest");
  });

  it("run-device prints each outgoing message as a JSON line", async () => {
    const r = await snapfleet(["run-device", out, "--seconds", "2.5", "--pin", "A2=const:22.04"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const temps = lines.filter((l) => l.channel === "temperature").map((l) => l.value);
    assert.ok(temps.length >= 2, r.stdout);
    assert.ok(temps.every((v) => v === 22), r.stdout);
    assert.deepEqual(lines.find((l) => l.channel === "event-log")?.value, 0);
    assert.match(r.stderr, /\[app\] wifi: credentials provisioned/);
  });

  it("run-device stops a callback that loops forever and keeps running; --instruction-budget sets the limit", async () => {
    const entry = writeApp(`  const beat = api.newCommsChannel<number>("beat", { qos: 0 });
  let ticks = 0;
  api.mcu.setInterval(() => { ticks++; if (ticks === 2) { while (true) {} } beat.pushMessageToServer(ticks); }, 250);`);
    const dir = path.join(out, "runaway");
    const built = await snapfleet(["build", entry, "--out", dir]);
    assert.equal(built.code, 0, built.stderr);
    const r = await snapfleet(["run-device", dir, "--seconds", "3", "--instruction-budget", "20000"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[app\] error: timer \(setInterval at [^)]*app\.ts:6:\d+\) failed: the callback ran out of its instruction budget \(20,000 instructions per call\)/);
    const beats = r.stdout.trim().split("\n").map((l) => JSON.parse(l).value);
    assert.ok(beats[0] === 1 && beats.includes(3), `ticks after the runaway one still run: ${r.stdout}`);
    const bad = await snapfleet(["run-device", dir, "--instruction-budget", "lots"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--instruction-budget must be a whole number from 0 to 2147483647, got lots/);
  });

  it("build takes secrets from the environment and lists every missing one", async () => {
    const missing = await snapfleet(["build", "examples/grow-station/features/app.ts", "--out", path.join(out, "m")], { SNAPFLEET_SECRET_SSID: "" });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /missing value for secret "password"/);
    assert.match(missing.stderr, /SNAPFLEET_SECRET_PASSWORD/);
    assert.doesNotMatch(missing.stderr, /at .*\.ts:\d+/, "no stack trace for user errors");
    const ok = await snapfleet(["build", "examples/grow-station/features/app.ts", "--out", path.join(out, "e")], { SNAPFLEET_SECRET_SSID: "net", SNAPFLEET_SECRET_PASSWORD: "pw" });
    assert.equal(ok.code, 0, ok.stderr);
  });

  it("explains usage mistakes", async () => {
    const unknown = await snapfleet(["deploy"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command "deploy"/);
    const noBuild = await snapfleet(["run-device", path.join(out, "nope")]);
    assert.match(noBuild.stderr, /manifest\.json not found; run `snapfleet build/);
    const badPin = await snapfleet(["run-device", out, "--pin", "A2=square:1"]);
    assert.match(badPin.stderr, /unknown model "square"; use sine, const or csv/);
    // A negative number is the option's value, checked against its range, not an option.
    const negative = await snapfleet(["dev", "x.ts", "--devices", "-1"]);
    assert.equal(negative.code, 1);
    assert.match(negative.stderr, /^snapfleet dev: --devices must be a whole number from 1 to 1000, got -1\n/);
    const unknownFlag = await snapfleet(["dev", "x.ts", "--frobnicate"]);
    assert.equal(unknownFlag.code, 1);
    assert.match(unknownFlag.stderr, /^snapfleet dev: unknown option --frobnicate; dev takes the options below\n\nusage: snapfleet dev/);
  });

  it("run-device on a build dir with a broken or foreign manifest.json names the file and says to rebuild, without a stack trace", async () => {
    const broken = path.join(out, "broken-manifest");
    fs.mkdirSync(broken);
    for (const f of ["manifest.json", "device.snap", "web.snap", "server.snap"]) fs.copyFileSync(path.join(out, f), path.join(broken, f));
    fs.writeFileSync(path.join(broken, "manifest.json"), '{"app": "grow-st');
    const half = await snapfleet(["run-device", broken, "--seconds", "1"]);
    assert.equal(half.code, 1);
    assert.match(half.stderr, /^snapfleet run-device: .*broken-manifest\/manifest\.json is not valid JSON \(.+\): a half-written or edited build\? rebuild it with `snapfleet build <entry> --out .*broken-manifest`\n$/);
    fs.writeFileSync(path.join(broken, "manifest.json"), '{"name": "my-package"}');
    const foreign = await snapfleet(["run-device", broken, "--seconds", "1"]);
    assert.equal(foreign.code, 1);
    assert.match(foreign.stderr, /^snapfleet run-device: .*broken-manifest\/manifest\.json is not the manifest of a snapfleet build \(it has no snapshots\); rebuild it with `snapfleet build <entry> --out .*broken-manifest`\n$/);
    fs.writeFileSync(path.join(broken, "manifest.json"), fs.readFileSync(path.join(out, "manifest.json")));
    fs.writeFileSync(path.join(broken, "device.snap"), fs.readFileSync(path.join(out, "device.snap")).subarray(0, 100));
    const truncated = await snapfleet(["run-device", broken, "--seconds", "1"]);
    assert.equal(truncated.code, 1);
    assert.match(truncated.stderr, /^snapfleet run-device: .*broken-manifest\/device\.snap: size 100 does not match the manifest's \d+; rebuild it with `snapfleet build <entry> --out .*broken-manifest`\n$/);
  });

  it("run-device given the features folder instead of a build says so and how to build one, not to build into that folder", async () => {
    const r = await snapfleet(["run-device", "examples/grow-station/features"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "snapfleet run-device: examples/grow-station/features holds feature sources, not a build: build them first (snapfleet build examples/grow-station/features/app.ts --out build/), then snapfleet run-device build/\n");
  });

  it("build --out a file (or below one) says so and names --out, without a stack trace, and leaves the file alone", async () => {
    const file = path.join(out, "out-is-a-file");
    fs.writeFileSync(file, "my notes");
    for (const dir of [file, path.join(file, "below")]) {
      const r = await snapfleet(["build", "examples/grow-station/features/app.ts", "--secrets-file", "examples/grow-station/dev-secrets.json", "--out", dir]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /^snapfleet build: can't write the build to .*out-is-a-file(\/below)?: it \(or a folder above it\) is a file, not a folder; pass a folder with --out DIR \(e\.g\. --out build\/\)\n$/);
    }
    assert.equal(fs.readFileSync(file, "utf8"), "my notes");
  });

  it("build says when the app name is too long for AWS's names (the local cloud takes it): a note, not a failure, up to the longest that fits", async () => {
    const entry = writeApp(`  api.newCommsChannel<number>("level");`);
    const fits = "g".repeat(maxFittingAppLength());
    const ok = await snapfleet(["build", entry, "--out", path.join(out, "fits"), "--app", fits]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.doesNotMatch(ok.stderr, /note: app/);
    const long = await snapfleet(["build", entry, "--out", path.join(out, "long"), "--app", `${fits}g`]);
    assert.equal(long.code, 0, long.stderr);
    assert.ok(fs.existsSync(path.join(out, "long", "device.snap")), "the build is written");
    assert.match(long.stderr, new RegExp(`^note: app "${fits}g" \\(${fits.length + 1} characters\\) can't be deployed to AWS as it is: it makes the .* characters, where AWS allows \\d+.*Use an app name of at most ${fits.length} characters \\(--app NAME, or rename the project's folder\\)`, "m"));
  });

  it("build of a folder instead of the entry file names the entry file in it to pass", async () => {
    const withApp = await snapfleet(["build", "examples/grow-station/features", "--out", path.join(out, "folder")]);
    assert.equal(withApp.code, 1);
    assert.equal(withApp.stderr, "snapfleet build: feature entry examples/grow-station/features is a folder, not a file\n  hint: pass the .ts file that exports App: examples/grow-station/features/app.ts\n");
    const withoutApp = await snapfleet(["build", "examples", "--out", path.join(out, "folder")]);
    assert.equal(withoutApp.code, 1);
    assert.equal(withoutApp.stderr, "snapfleet build: feature entry examples is a folder, not a file\n  hint: pass the path of the .ts file that exports App, e.g. features/app.ts\n");
  });

  it("build with an API call that doesn't exist names the line and says what it means", async () => {
    const entry = writeApp(`  const c = api.newCommsChannel<number>("level", { qos: 0 });
  (api.mcu as unknown as { getAnalogpin(n: string): void }).getAnalogpin("A2");`);
    const r = await snapfleet(["build", entry, "--out", path.join(out, "no-such-api")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /app\.ts:5:\d+: called something that is not a function \(it is undefined\): a method or API that doesn't exist, misspelled\? `npx tsc -p \.` checks every call against FeatureApi\n  hint: this error happened while App\(api\) ran at build time/);
  });

  it("dev with a state dir that is a file says so and names --state-dir, without a stack trace, and leaves the file alone", async () => {
    const file = path.join(out, "state-is-a-file");
    fs.writeFileSync(path.join(file), "my notes");
    for (const stateDir of [file, path.join(file, "below")]) {
      const r = await snapfleet(["dev", "examples/grow-station/features/app.ts", "--secrets-file", "examples/grow-station/dev-secrets.json", "--port", "0", "--devices", "1", "--seconds", "1", "--state-dir", stateDir]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /state dir .*state-is-a-file(\/below)? can't be used: it \(or a folder above it\) is a file, not a folder; pass another folder with --state-dir DIR/);
      assert.doesNotMatch(r.stderr, STACK_FRAME);
    }
    assert.equal(fs.readFileSync(file, "utf8"), "my notes");
  });
});

/** A Node stack frame, `    at fn (/path/file.ts:12:5)`; feature locations (`at features/app.ts:4:23`) are no such thing. */
const STACK_FRAME = /\n\s+at .*\(.*:\d+:\d+\)/;

describe("snapfleet run-device with feature code that fails at run time", function () {
  this.timeout(60_000);
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "sf-cli-fail-"));
  after(() => fs.rmSync(project, { recursive: true, force: true }));

  /** Writes features/<name>.ts with App's body, builds it from the project folder; the build's
   * result, and the line of the `// here` marker. */
  async function buildApp(name: string, body: string) {
    fs.mkdirSync(path.join(project, "features"), { recursive: true });
    const source = `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n  const beat = api.newCommsChannel<number>("beat", { qos: 0 });\n${body}\n}\n`;
    fs.writeFileSync(path.join(project, "features", `${name}.ts`), source);
    const line = source.split("\n").findIndex((l) => l.includes("// here")) + 1;
    const built = await snapfleet(["build", `features/${name}.ts`, "--out", `build-${name}`], {}, project);
    return { built, at: `features/${name}.ts:${line}:\\d+`, out: path.join(project, `build-${name}`) };
  }

  it("reading a member of undefined: one line per failure naming the timer and file:line; the other timer goes on", async () => {
    const { built, at, out } = await buildApp("member", `  const rooms: Record<string, { celsius: number }> = {};\n  let n = 0;\n  api.mcu.setInterval(() => beat.pushMessageToServer(++n), 200);\n  api.mcu.setInterval(() => beat.pushMessageToServer(rooms["kitchen"].celsius), 300); // here`);
    assert.equal(built.code, 0, built.stderr);
    const r = await snapfleet(["run-device", out, "--seconds", "1.5"]);
    assert.equal(r.code, 0, r.stderr);
    const failures = r.stderr.split("\n").filter((l) => l.startsWith("[app] "));
    assert.ok(failures.length >= 3, r.stderr);
    for (const line of failures) assert.match(line, new RegExp(`^\\[app\\] error: timer \\(setInterval at ${at}\\) failed: MVM_E_TYPE_ERROR: a member of undefined or null was read or written`));
    assert.ok(r.stdout.trim().split("\n").length >= 5, "the other timer keeps sending");
    assert.match(r.stderr, new RegExp(`stopped; VM heap \\d+ B \\(peak \\d+ B\\), ${failures.length} app errors`));
    assert.doesNotMatch(r.stderr, STACK_FRAME);
  });

  it("a failure at start is reported with the callback and file:line and exits 1, on the native device too", async function () {
    this.timeout(240_000);
    const { built, at, out } = await buildApp("start", `  const config: { pin?: string } = {};\n  api.mcu.onStart(() => api.log("pin " + config.pin!.toUpperCase())); // here`);
    assert.equal(built.code, 0, built.stderr);
    const r = await snapfleet(["run-device", out, "--seconds", "5"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`snapfleet run-device: the app failed at start \\(1 app error\\): onStart callback \\(at ${at}\\) failed: MVM_E_`));
    assert.doesNotMatch(r.stderr, STACK_FRAME);
    // The C program's last line names the callback by number; run-device knows the build.
    const native = await snapfleet(["run-device", out, "--seconds", "5", "--runtime", "native"]);
    assert.equal(native.code, 1, native.stderr);
    assert.match(native.stderr, new RegExp(`^the app failed at start \\(1 app error\\): onStart callback \\(at ${at}\\) failed: MVM_E_`, "m"));
    assert.doesNotMatch(native.stderr, STACK_FRAME);
  });

  it("a --pin model for a pin the app doesn't read is named in a note, not silently unused", async () => {
    const { built, out } = await buildApp("unusedpin", `  const a2 = api.mcu.getAnalogPin("A2");\n  api.mcu.setInterval(() => beat.pushMessageToServer(a2.read()), 100); // here`);
    assert.equal(built.code, 0, built.stderr);
    const r = await snapfleet(["run-device", out, "--seconds", "1", "--pin", "A3=const:30", "--pin", "A2=const:21"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /note: --pin A3=const:30: app "[^"]+" reads no analog pin A3 \(it reads A2\); that model is not used\n/);
    assert.doesNotMatch(r.stderr, /--pin A2=/, "a model the app reads has no note");
    assert.ok(r.stdout.trim().split("\n").every((l) => JSON.parse(l).value === 21), r.stdout);
  });

  it("a csv pin model starts at its first row on both runtimes, not where the time of day falls in it", async function () {
    this.timeout(240_000);
    const { built, out } = await buildApp("csvpin", `  const a2 = api.mcu.getAnalogPin("A2");\n  api.mcu.setInterval(() => beat.pushMessageToServer(a2.read()), 1000); // here`);
    assert.equal(built.code, 0, built.stderr);
    // rows between the readings' times, so a late timer still reads the row meant
    fs.writeFileSync(path.join(project, "trace.csv"), "seconds,value\n0,10\n0.5,11\n1.5,12\n2.5,13\n3.5,14\n");
    for (const runtime of ["typescript", "native"]) {
      const r = await snapfleet(["run-device", out, "--runtime", runtime, "--seconds", "3.6", "--pin", "A2=csv:trace.csv"], {}, project);
      assert.equal(r.code, 0, `${runtime}: ${r.stderr}`);
      const values = r.stdout.trim().split("\n").map((l) => JSON.parse(l).value);
      assert.deepEqual(values.slice(0, 3), [10, 11, 12], `${runtime}: ${r.stdout}`);
    }
  });

  it("a script's pin step the board can't take is refused before the run, naming the script's line, on both runtimes", async function () {
    this.timeout(240_000);
    const { built, out } = await buildApp("scriptpins", `  const a2 = api.mcu.getAnalogPin("A2");\n  api.mcu.setInterval(() => beat.pushMessageToServer(a2.read()), 100); // here`);
    assert.equal(built.code, 0, built.stderr);
    const cases: [string, RegExp][] = [
      ['{"pin":"A9=const:1"}', /script\.jsonl:2: pin model for A9: board "simulated" has no pin "A9"; its analog pins are A0-A7\n/],
      ['{"pin":"D5=const:1"}', /script\.jsonl:2: pin model for D5: pin "D5" of board "simulated" is digital-in \+ digital-out, not analog/],
      ['{"pin":"A2=sin:1:2"}', /script\.jsonl:2: pin spec "A2=sin:1:2": unknown model "sin"; use sine, const or csv\n/],
    ];
    for (const [step, expected] of cases) {
      fs.writeFileSync(path.join(project, "script.jsonl"), `{"advance":300}\n${step}\n{"advance":300}\n`);
      for (const runtime of ["typescript", "native"]) {
        const r = await snapfleet(["run-device", out, "--runtime", runtime, "--script", "script.jsonl"], {}, project);
        assert.equal(r.code, 1, `${runtime} ${step}: ${r.stderr}`);
        assert.match(r.stderr, expected, `${runtime} ${step}`);
        assert.equal(r.stdout, "", `${runtime} ${step}: refused before the device ran`);
        assert.doesNotMatch(r.stderr, STACK_FRAME, `${runtime} ${step}`);
      }
    }
    // a script on stdin (--script -) is named as such
    const piped = spawnSync(process.execPath, [BIN, "run-device", out, "--script", "-"], { cwd: project, input: '{"pin":"A9=const:1"}\n', encoding: "utf8" });
    assert.equal(piped.status, 1, piped.stderr);
    assert.match(piped.stderr, /snapfleet run-device: <stdin>:1: pin model for A9: board "simulated" has no pin "A9"/);
  });

  it("a string grown past the engine's largest block says so in words and what to do, not only the engine's code", async () => {
    const { built, at, out } = await buildApp("bigstring", `  api.mcu.setTimeout(() => { let s = "x"; for (let i = 0; i < 13; i++) s = s + s; api.log(s); }, 100); // here`);
    assert.equal(built.code, 0, built.stderr);
    const r = await snapfleet(["run-device", out, "--seconds", "2"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`\\[app\\] error: timer \\(setTimeout at ${at}\\) failed: MVM_E_ALLOCATION_TOO_LARGE: a string or object grew past the engine's largest block \\(4,095 bytes; a string of at most 4,094 UTF-8 bytes\\): keep strings smaller, e\\.g\\. send or log long data in parts; the app's VM stopped`));
    assert.doesNotMatch(r.stderr, STACK_FRAME);
  });

  it("a device send on a \"server-to-device\" channel fails that callback with the same words on both runtimes, and nothing is published", async function () {
    this.timeout(240_000);
    const { built, at, out } = await buildApp("wrongway", `  const cmd = api.newCommsChannel<number>("cmd", { qos: 1, direction: "server-to-device" });\n  let n = 0;\n  api.mcu.setInterval(() => { beat.pushMessageToServer(++n); if (n === 2) cmd.pushMessageToServer(1); }, 300); // here`);
    assert.equal(built.code, 0, built.stderr);
    const words = `channel "cmd" is declared "server-to-device": the device can't send on it (its policy allows only receiving there, and AWS IoT closes the connection of a device that publishes where its policy denies); nothing was sent. Declare the channel with direction "both" to send from the device too`;
    const escaped = words.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    for (const runtime of ["typescript", "native"]) {
      const r = await snapfleet(["run-device", out, "--seconds", "2", "--runtime", runtime]);
      assert.equal(r.code, 0, `${runtime}: ${r.stderr}`);
      const failures = r.stderr.split("\n").filter((l) => l.startsWith("[app] error"));
      assert.equal(failures.length, 1, `${runtime}: ${r.stderr}`);
      assert.match(failures[0], new RegExp(`^\\[app\\] error: timer (\\(setInterval at ${at}\\)|#0 \\(setInterval\\)) failed: ${escaped}$`), runtime);
      const channels = r.stdout.trim().split("\n").map((l) => JSON.parse(l).channel);
      assert.ok(channels.length >= 4 && channels.every((c) => c === "beat"), `${runtime}: only beat is published, and it goes on: ${r.stdout}`);
    }
  });

  it("JSON.stringify of an object that contains itself: the stack overflow names that cause too, not only recursion", async () => {
    const { built, at, out } = await buildApp("cyclic", `  api.mcu.setTimeout(() => { const o: { self?: unknown } = {}; o.self = o; api.log(JSON.stringify(o)); }, 100); // here`);
    assert.equal(built.code, 0, built.stderr);
    const r = await snapfleet(["run-device", out, "--seconds", "1"]);
    assert.match(r.stderr, new RegExp(`\\[app\\] error: timer \\(setTimeout at ${at}\\) failed: MVM_E_STACK_OVERFLOW: the call stack overflowed \\(unbounded recursion, or JSON\\.stringify of an object that contains itself\\?\\)`));
  });

  // The two promise forms of the issue: refused at build time with file:line where the compiler
  // knows them (item 5), otherwise reported at run time without a stack trace.
  for (const [name, body] of [
    ["then", `  api.mcu.setInterval(() => { // here\n    new Promise<number>((resolve) => resolve(1)).then((v) => beat.pushMessageToServer(v));\n  }, 200);`],
    ["await", `  api.mcu.setInterval(async () => { // here\n    await Promise.resolve();\n    beat.pushMessageToServer(2);\n  }, 200);`],
  ] as const) {
    it(`a promise (${name}) in a timer: a clear build error or a named run-time failure, never a stack trace`, async () => {
      const { built, at, out } = await buildApp(name, body);
      if (built.code !== 0) {
        assert.match(built.stderr, new RegExp(`features/${name}\\.ts:\\d+:\\d+: `));
        assert.doesNotMatch(built.stderr, STACK_FRAME);
        return;
      }
      const r = await snapfleet(["run-device", out, "--seconds", "1"]);
      assert.doesNotMatch(r.stderr, STACK_FRAME);
      assert.match(r.stderr, new RegExp(`\\[app\\] error: timer \\(setInterval at ${at}\\) failed: MVM_E_[A-Z_]+: `));
      // A failure that stops the VM ends the run (status 1); others let it go on to the end.
      if (/the app's VM stopped/.test(r.stderr)) assert.match(r.stderr, /snapfleet run-device: the app stopped \(1 app error\)/);
      else assert.equal(r.code, 0, r.stderr);
    });
  }
});
