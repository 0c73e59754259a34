/** The same script gives the same output on the TypeScript device host and the native one
 * (firmware/scriptedDevice.ts and firmware/native/ports/posix/scriptMode.c): every channel
 * message with its value and envelope, in order, the logs, the pin writes, the status, the
 * failures and their wording. For the grow-station example, an app written like the seed's
 * examples (coded logger, untyped channels) and every program of the semantics corpus.
 * Three times: the native program on this machine, the Cortex-M33 image on QEMU's mps2-an505
 * (firmware/native/ports/mps2-an505/), and the TrustZone build with the supervisor secure and
 * the engine non-secure (firmware/native/ports/mps2-an505-tz-supervisor/); the QEMU ones skipped,
 * saying why, without qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { writeBuild } from "../core/contracts/buildOutput";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { qemuUnavailable, runQemuBoard } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { endInput } from "../firmware/native/childInput";
import { runScriptedDevice } from "../firmware/scriptedDevice";
import { crossToolchainUnavailable } from "./support/crossToolchain";
import { appSource, writeFeatures } from "./support/tempFeatures";
import { skipIfUnavailable } from "./support/skipIfUnavailable";

const ROOT = path.resolve(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures/native-equivalence");
const CORPUS = path.join(ROOT, "core/compiler/lower/corpus");
const PINS = ["A2=const:21.46", "A3=const:1.65"];

let engine: MicroviumEngine;
const buildDirs: string[] = [];
after(() => buildDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A one-file app (tempFeatures.ts appSource: `body` and `preamble` a line an entry), compiled under the app name `app`. */
const compileApp = (app: string, body: string[], preamble: string[] = []) => compileFeatures({ entry: writeFeatures({ "app.ts": appSource(body, preamble) }, app) });

function buildDir(build: CompileResult): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-native-eq-"));
  buildDirs.push(dir);
  writeBuild(dir, build);
  return dir;
}

async function typescriptHost(build: CompileResult, script: string, pins: string[]): Promise<string[]> {
  const lines: string[] = [];
  await runScriptedDevice({ manifest: build.manifest, snapshot: build.snapshots.device, script, pins, engine, write: (line) => lines.push(line) });
  return lines;
}

type DeviceHost = (dir: string, script: string, pins: string[]) => Promise<string[]>;

const scriptArgs = (dir: string, pins: string[]) => ["run", "--build", dir, "--script", "-", ...pins.flatMap((p) => ["--pin", p])];

function nativeHost({ program }: Built): DeviceHost {
  return (dir, script, pins) => new Promise((resolve, reject) => {
    const args = scriptArgs(dir, pins);
    const child = execFile(program, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`snapfleet-device ${args.join(" ")} failed (${error.message}): ${stderr}`));
      else resolve(stdout.split("\n").filter(Boolean));
    });
    endInput(child, script); // a refused build exits before reading its script: its stderr says why
  });
}

/** What `firmware build` gave: the program, and for the supervisor-secure TrustZone build the
 * non-secure engine image the secure program starts. */
interface Built {
  program: string;
  engineImage?: string;
}

function qemuHost({ program, engineImage }: Built): DeviceHost {
  return async (dir, script, pins) => {
    const { status, stdout, stderr } = await runQemuBoard({ image: program, nonSecureImage: engineImage, deviceArgs: scriptArgs(dir, pins) }, script);
    if (status !== 0) throw new Error(`the Cortex-M33 device on QEMU ended with status ${status}: ${stderr}`);
    return stdout.split("\n").filter(Boolean);
  };
}

const qemuOrToolchainUnavailable = () => qemuUnavailable() ?? (process.getuid?.() === 0 ? undefined : crossToolchainUnavailable());
const RUNTIMES: { name: string; target: string; unavailable: () => string | undefined; host: (built: Built) => DeviceHost }[] = [
  { name: "native device", target: "posix", unavailable: () => undefined, host: nativeHost },
  { name: "Cortex-M33 device on QEMU (mps2-an505)", target: "cortex-m33", unavailable: qemuOrToolchainUnavailable, host: qemuHost },
  // the supervisor secure, the engine non-secure: every host call and VM event crosses the boundary
  { name: "Cortex-M33 TrustZone device, the supervisor secure (cortex-m33-tz-supervisor)", target: "cortex-m33-tz-supervisor", unavailable: qemuOrToolchainUnavailable, host: qemuHost },
];

for (const runtime of RUNTIMES) describe(`${runtime.name}: the same script, the same output as the TypeScript device`, function () {
  this.timeout(600_000);
  let deviceHost: DeviceHost;

  before(async function () {
    skipIfUnavailable(this, runtime.unavailable());
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    deviceHost = runtime.host(await buildFirmware({ target: runtime.target, log: () => {} }));
    engine = await loadWasmEngine();
  });

  /** Both hosts, compared line by line (the first difference is the message). */
  async function assertSameOutput(build: CompileResult, script: string, pins = PINS): Promise<string[]> {
    const dir = buildDir(build);
    const [expected, actual] = [await typescriptHost(build, script, pins), await deviceHost(dir, script, pins)];
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      assert.equal(actual[i], expected[i], `line ${i + 1} differs (TypeScript host has ${expected.length} lines, ${runtime.name} ${actual.length})`);
    }
    return expected;
  }

  it("the grow-station example: sensors, the grow light over the air, a repeated message, an outage", async () => {
    const build = await compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets: JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) });
    const lines = await assertSameOutput(build, fs.readFileSync(path.join(FIXTURES, "grow-station.jsonl"), "utf8"));
    // The script did what it says: the light went on and off, the repeat was dropped, the outage queued.
    assert.ok(lines.includes('{"pin":"D5","value":true,"t":1700000005000}'), "grow light on");
    assert.ok(lines.some((l) => l.includes('"duplicatesDropped":1')), "the repeated message was dropped once");
    assert.ok(lines.some((l) => l.includes("link up (reconnects: 1); sending ")), "queued during the outage");
  });

  it("an app written like the seed's examples: coded logger, untyped channels, failing and runaway callbacks, JSON.parse, strings", async () => {
    const build = await compileFeatures({ entry: path.join(FIXTURES, "coded-logger/features/app.ts") });
    const lines = await assertSameOutput(build, fs.readFileSync(path.join(FIXTURES, "coded-logger/script.jsonl"), "utf8"));
    assert.ok(lines.some((l) => l.includes("bad command: fail")), "the thrown error is reported");
    assert.ok(lines.some((l) => l.includes("ran out of its instruction budget (1,000,000 instructions per call)")), "the runaway callback is stopped");
    assert.ok(lines.some((l) => l.includes("message is not JSON: not json")), "a malformed message is dropped and said");
    assert.ok(!lines.some((l) => l.includes("invalid pin handle")), "the pin whose handle the script closes (5, A2) opens again on its next read");
  });

  it("a fatal engine error: the app's VM stops (no more timers or listeners), the device goes on", async () => {
    const build = await compileFeatures({ entry: path.join(FIXTURES, "hoarder/features/app.ts") });
    const lines = await assertSameOutput(build, fs.readFileSync(path.join(FIXTURES, "hoarder/script.jsonl"), "utf8"), []);
    const failures = lines.filter((l) => l.startsWith('{"failure"'));
    assert.equal(failures.length, 1, "one failure; later events are not run");
    assert.match(failures[0], /the app's VM stopped and runs no more callbacks","fatal":true/);
    assert.match(lines[lines.length - 1], /"online":false/, "the supervisor still stops cleanly");
  });

  it("QoS 1 messages out of order: put back in the sender's order by `p`, gaps given up after the timeout, late and repeated ones dropped", async () => {
    const build = await compileFeatures({ entry: path.join(FIXTURES, "reorder/features/app.ts") });
    const lines = await assertSameOutput(build, fs.readFileSync(path.join(FIXTURES, "reorder/script.jsonl"), "utf8"), []);
    const orders = lines.filter((l) => l.includes("/seen/up")).map((l) => /"order (\d+) at/.exec(l)![1]);
    // The tail: 15 comes 6 s after 16 and 18 began waiting, but the link was down for 5 s of it and
    // the wait counts from the reconnect: no gap; 22's wait after a silent reconnect ends 2 s after it.
    assert.deepEqual(orders, ["1", "2", "3", "4", "5", "7", "8", "12", "13", "1", "100", "50", "51", "3", "15", "16", "18", "22"], "in the sender's order per chain");
    assert.ok(lines.some((l) => l.includes("gap on sf/reorder/sim-1/orders/down: skipped srv:21 (and whatever of srv:19..20 was sent on this topic), not there after 1000 ms; delivering from srv:22")), "the silent reconnect's gap is reported");
    assert.ok(lines.some((l) => l.includes("gap on sf/reorder/sim-1/orders/down: skipped srv:6, not there after 1000 ms; delivering from srv:7")), "the gap is reported");
    assert.ok(lines.some((l) => l.includes("srv:6 came after its gap was given up; dropped")), "the straggler is dropped as late");
    assert.ok(lines.some((l) => l.includes('"p\\" (the sender\'s previous seq on this topic) must be a whole number')), "a bad p is refused");
    assert.match(lines.find((l) => l.startsWith('{"end"'))!, /"gapsSkipped":3,"lateDropped":1,"heldMessages":0/);
  });

  // About 65-115 s under QEMU: on the Cortex-M images it is in `npm run test:slow` (@slow), and
  // left out on the supervisor-secure build. Its bounds are the supervisor's C, the same on every
  // target, and `npm test` runs it on the native device; what crosses the TrustZone boundary in it
  // (deliveries into the engine, channelSend out) every other script here crosses.
  (runtime.target === "cortex-m33-tz-supervisor" ? it.skip : it)(`QoS 1 bounds: past 1,024 waiting messages a chain gives its oldest gap up; past 1,024 chains the least recently heard is flushed${runtime.target === "posix" ? "" : " @slow"}`, async () => {
    // The app only counts (a reply per message would overflow the outbox in the bursts) and
    // checks the order: 1, 3..1027 from the full chain, then -1, -2, ... from the chains by age.
    const build = await compileApp("reorder-bounds", [
      '  const orders = api.newCommsChannel<number>("orders", { direction: "server-to-device", qos: 1 });',
      '  const summary = api.newCommsChannel<string>("summary", { direction: "device-to-server", qos: 1 });',
      "  let count = 0; let outOfOrder = 0; let expected = 1;",
      '  orders.addEventListener("messageFromServer", (n) => { count++; if (n !== expected) outOfOrder++; expected = n === 1 ? 3 : n === 1027 ? -1 : n > 0 ? n + 1 : n - 1; });',
      '  api.mcu.setInterval(() => summary.pushMessageToServer(count + " delivered, " + outOfOrder + " out of order"), 500);',
    ]);
    const steps: string[] = [];
    // One sender whose seq 2 never comes: 1,025 later messages wait, the last one overflows.
    steps.push(JSON.stringify({ deliver: "orders", value: 1, id: "full:1", p: 0 }));
    for (let seq = 3; seq <= 1027; seq++) steps.push(JSON.stringify({ deliver: "orders", value: seq, id: `full:${seq}`, p: seq - 1 }));
    // 1,025 senders heard mid-stream (each message waits for a predecessor): the first is forgotten.
    for (let boot = 1; boot <= 1025; boot++) steps.push(JSON.stringify({ deliver: "orders", value: -boot, id: `b${boot}:5`, p: 4 }));
    steps.push('{"advance": 1500}');
    const lines = await assertSameOutput(build, `${steps.join("\n")}\n`, []);
    const gaps = lines.filter((l) => l.includes('{"echo":"[supervisor] gap on'));
    assert.equal(gaps.length, 1, `one gap reported (mid-stream starts are not gaps):\n${gaps.join("\n")}`);
    assert.match(gaps[0], /gap on sf\/[\w-]+\/sim-1\/orders\/down: skipped full:2, 1024 later messages waiting; delivering from full:3"/);
    assert.ok(lines.some((l) => l.includes('"v":"2051 delivered, 0 out of order"')), `every message once, in order:\n${lines.filter((l) => l.includes("summary")).join("\n")}`);
  });

  it("a burst of 1,200 QoS 1 messages from one callback: the outbox keeps its capacity's newest, both hosts send the same ones and end with the same counters", async () => {
    const build = await compileApp("burst", [
      '  const go = api.newCommsChannel<number>("go", { direction: "server-to-device" });',
      '  const burst = api.newCommsChannel<number>("burst", { direction: "device-to-server", qos: 1 });',
      '  go.addEventListener("messageFromServer", (n) => { for (let i = 1; i <= n; i++) burst.pushMessageToServer(i); });',
    ]);
    const script = ['{"deliver": "go", "value": 1200}', '{"advance": 10}', '{"link": "down"}', '{"deliver": "go", "value": 700}', '{"link": "up"}', '{"advance": 10}'].join("\n");
    const lines = await assertSameOutput(build, `${script}\n`, []);
    const sent = lines.filter((l) => l.includes("/burst/up")).map((l) => JSON.parse(l).payload.v as number);
    // Online: the in-flight window's 32 leave at once, the newest 500 of the other 1,168 wait
    // (668 dropped); offline: the newest 500 of 700 (200 dropped).
    assert.equal(sent.length, 32 + 500 + 500);
    assert.deepEqual(sent.slice(0, 33), [...Array.from({ length: 32 }, (_, i) => i + 1), 701], "the oldest waiting ones were dropped");
    assert.deepEqual(sent.slice(532, 533), [201], "offline, the oldest 200 were dropped");
    assert.equal(sent[sent.length - 1], 700);
    assert.ok(lines.includes('{"echo":"[supervisor] while offline, dropped 868 messages (outbox holds 500) and 0 log lines (log buffer holds 200), oldest first"}'), "the drops are reported once the link is back");
    assert.match(lines.find((l) => l.startsWith('{"end"'))!, /"droppedMessages":868,"droppedLogs":0,"queuedMessages":0/);
  });

  it("numbers at the edges: String() of subnormal doubles is the shortest text that reads back (5e-324), as V8's", async () => {
    const build = await compileApp("subnormal", [
      '  const out = api.newCommsChannel<string>("out");',
      "  const values = [5e-324, -5e-324, 1e-323, 1.5e-323, 2.5e-320, 4.9406564584124654e-324 * 7, 2.225073858507201e-308, 2.2250738585072014e-308, 1e-310, 1.2345e-315, 1e-7, 123e-20, 1.7976931348623157e308];",
      '  api.mcu.onStart(() => { let text = ""; for (let i = 0; i < values.length; i++) text = text + String(values[i]) + " " + String(values[i] * 3) + " "; out.pushMessageToServer(text); });',
    ]);
    const lines = await assertSameOutput(build, '{"advance": 10}\n', []);
    const text = JSON.parse(lines.find((l) => l.includes("/out/up"))!).payload.v as string;
    assert.ok(text.startsWith("5e-324 1.5e-323 -5e-324 -1.5e-323 1e-323 "), text);
  });

  it("api.log of objects and arrays: the same JSON text on both hosts (the engine alone would print [Object])", async () => {
    const build = await compileApp("log-objects", [
      '  const reading: { [k: string]: unknown } = { t: 21.5, tiny: 5e-324, tags: ["soil", "é\\u0001"], ok: true, none: null, skip: undefined, nested: { xs: [1, [2, {}]] } };',
      '  api.mcu.onStart(() => { api.log(reading); api.log([reading.tags, -0.1, 1e21]); api.log("text " + 3); });',
    ]);
    const lines = await assertSameOutput(build, '{"advance": 10}\n', []);
    assert.ok(lines.includes(JSON.stringify({ echo: '[app] {"t":21.5,"tiny":5e-324,"tags":["soil","é\\u0001"],"ok":true,"none":null,"nested":{"xs":[1,[2,{}]]}}' })), lines.join("\n"));
    assert.ok(lines.includes(JSON.stringify({ echo: '[app] [["soil","é\\u0001"],-0.1,1e+21]' })), lines.join("\n"));
  });

  it("a property name of digits from outside (a message, JSON.parse's text): refused before the engine, one clear line alike on both hosts", async () => {
    // README "What feature code may use": the engine can't hold such a name (core/runtime/unholdableNames.ts).
    const build = await compileApp("digit-names", [
      '  const cmd = api.newCommsChannel<any>("cmd", { direction: "server-to-device" });',
      '  const text = api.newCommsChannel<string>("text", { direction: "server-to-device" });',
      '  const out = api.newCommsChannel<string>("out", { direction: "device-to-server" });',
      '  cmd.addEventListener("messageFromServer", (m) => out.pushMessageToServer("keys " + Object.keys(m).join()));',
      '  text.addEventListener("messageFromServer", (t) => { try { out.pushMessageToServer("parsed " + Object.keys(JSON.parse(t)).join()); } catch (e: any) { out.pushMessageToServer("caught " + e.name + ": " + e.message); } });',
      '  text.addEventListener("messageFromServer", (t) => { if (t.length > 7) JSON.parse(t); });',
    ]);
    const steps = [
      { deliver: "cmd", value: { a: 1 } },
      { deliver: "cmd", value: { "3": 1 } },
      { deliver: "cmd", value: { a: { "07": 2 } } },
      { deliver: "cmd", value: { zones: [{ ok: 1 }, { "my key": { "12": 0 } }] } },
      { deliver: "cmd", value: { b: 1, "-1": 2, "1.5": 3, "": 4 } },
      // "__proto__" stopped the app's VM (fatal engine error): now refused like the digits
      { deliver: "cmd", value: JSON.parse('{"p":{"__proto__":{"a":1}}}') },
      { deliver: "text", value: '{"03":1}' },
      { deliver: "text", value: '{"c":1}' },
      { deliver: "text", value: '{"c":{"d":[{"5":1}]}}' },
      { advance: 10 },
    ];
    const lines = await assertSameOutput(build, `${steps.map((step) => JSON.stringify(step)).join("\n")}\n`, []);
    const fix = `is digits only, which the engine that runs feature code can't hold; send an array, or names that don't start with a digit, e.g. "k3"`;
    const replies = lines.filter((l) => l.includes("/out/up")).map((l) => JSON.parse(l).payload.v as string);
    assert.deepEqual(replies, [
      "keys a",
      "keys b,-1,1.5,",
      `caught SyntaxError: JSON.parse: property name "03" (at ["03"]) ${fix}`,
      "parsed c",
      `caught SyntaxError: JSON.parse: property name "5" (at .c.d[0]["5"]) ${fix}`,
    ], "the messages with a name of digits never reached the code; JSON.parse of such a text threw a SyntaxError it caught");
    const failures = lines.filter((l) => l.startsWith('{"failure"')).map((l) => JSON.parse(l).failure as string);
    assert.deepEqual(failures.slice(0, 3), [
      `message on channel "cmd" dropped: property name "3" (at ["3"]) ${fix}`,
      `message on channel "cmd" dropped: property name "07" (at .a["07"]) ${fix}`,
      `message on channel "cmd" dropped: property name "12" (at .zones[1]["my key"]["12"]) ${fix}`,
    ]);
    assert.equal(failures[3], `message on channel "cmd" dropped: property name "__proto__" (at .p.__proto__) would set the object's prototype in the engine that runs feature code, which stops the app; send another name`);
    // the second text listener, which doesn't catch: its failure names it and says the same
    assert.equal(failures.length, 6, failures.join("\n"));
    assert.equal(failures[4], `listener #1 for channel "text" failed: JSON.parse: property name "03" (at ["03"]) ${fix}`);
  });

  it("envelope seqs: 0 and beyond 2^53 - 1 are malformed on both channel kinds, with the same words; 2^53 - 1 is taken", async () => {
    const build = await compileApp("seqs", [
      '  const ordered = api.newCommsChannel<number>("ordered", { direction: "server-to-device", qos: 1 });',
      '  const loose = api.newCommsChannel<number>("loose", { direction: "server-to-device" });',
      '  const seen = api.newCommsChannel<string>("seen", { direction: "device-to-server" });',
      '  ordered.addEventListener("messageFromServer", (n) => seen.pushMessageToServer("ordered " + n));',
      '  loose.addEventListener("messageFromServer", (n) => seen.pushMessageToServer("loose " + n));',
    ]);
    const steps = [
      { deliver: "ordered", value: 1, id: "srv:0" },
      { deliver: "loose", value: 2, id: "srv:0" },
      { deliver: "ordered", value: 3, id: "srv:0", p: 0 },
      { deliver: "loose", value: 4, id: "big:99999999999999999999" },
      { deliver: "ordered", value: 5, id: "big:9007199254740992" },
      { deliver: "loose", value: 6, id: "max:9007199254740991" },
      { deliver: "ordered", value: 7, id: "max:9007199254740991" },
      { deliver: "ordered", value: 8, id: "srv:1", p: 0 },
      { deliver: "loose", value: 9, id: "srv:1" },
    ];
    const lines = await assertSameOutput(build, `${steps.map((s) => JSON.stringify(s)).join("\n")}\n`, []);
    const delivered = lines.filter((l) => l.includes("/seen/up")).map((l) => JSON.parse(l).payload.v as string);
    assert.deepEqual(delivered, ["loose 6", "ordered 7", "ordered 8", "loose 9"]);
    assert.equal(lines.filter((l) => l.includes("dropped a malformed message")).length, 5 * 2, "each refused one is said on the log topic and echoed");
  });

  it("api.server.notify in device code: the wrong-target error, in the same words, and the device goes on", async () => {
    const build = await compileApp("notify", [
      '  const out = api.newCommsChannel<number>("out");',
      '  api.mcu.setTimeout(() => api.server.notify("from the device"), 5);',
      "  api.mcu.setTimeout(() => out.pushMessageToServer(1), 10);",
    ]);
    const lines = await assertSameOutput(build, '{"advance": 20}\n', []);
    const failures = lines.filter((l) => l.startsWith('{"failure"'));
    assert.equal(failures.length, 1);
    assert.match(failures[0], /api\.server\.notify/);
    assert.ok(lines.some((l) => l.includes("/out/up")), "the next timer still runs");
  });

  it("callback names in errors: a run-time timer named by the build-time callback it descends from, however long the chain; slots past the 32 named by number", async () => {
    // The native device keeps a few bytes per timer slot and renders the text only when an error
    // needs it (firmware/native/core/callbackNames.c); the texts are core/runtime/callbackNames.ts's.
    const build = await compileApp("callbackNames", [
      '  const cmd = api.newCommsChannel<string>("cmd");',
      "  let ticks = 0;",
      "  api.mcu.setInterval(() => {",
      "    ticks++;",
      '    if (ticks === 1) api.mcu.setTimeout(() => { throw new Error("from a boot timer\'s timer"); }, 1);',
      '    if (ticks === 2) throw new Error("the boot timer itself");',
      "  }, 10);",
      "  api.mcu.onStart(() => {});",
      "  api.mcu.onStart(() => {",
      "    // a chain: onStart -> timer -> timer -> timer; the last is still named by the onStart",
      '    api.mcu.setTimeout(() => api.mcu.setTimeout(() => api.mcu.setInterval(() => { throw new Error("deep in the chain"); }, 7), 3), 3);',
      "  });",
      "  cmd.addEventListener(\"messageFromServer\", () => {});",
      "  cmd.addEventListener(\"messageFromServer\", (v) => {",
      '    if (v === "many") {',
      "      // more timers than the 32 named slots: the later ones are named by number",
      '      for (let i = 0; i < 40; i++) api.mcu.setTimeout(() => { if (i >= 38) api.mcu.setTimeout(() => { throw new Error("set by timer " + i); }, 1); throw new Error("timer " + i); }, 50 + i);',
      "    } else {",
      '      api.mcu.setTimeout(() => { throw new Error("from a listener\'s timer"); }, 2);',
      "    }",
      "  });",
    ]);
    const script = ['{"advance": 25}', '{"deliver": "cmd", "value": "x"}', '{"advance": 10}'].join("\n") + "\n";
    const failuresOf = (lines: string[]) => lines.filter((l) => l.startsWith('{"failure"')).map((l) => (JSON.parse(l) as { failure: string }).failure.replace(/ failed: .*/, ""));
    const failures = failuresOf(await assertSameOutput(build, script, []));
    // The names, as the TypeScript device says them (the same lines on both, checked above).
    for (const name of [
      "timer (setTimeout, added by setInterval timer #0)",
      "timer #0 (setInterval)",
      "timer (setInterval, added by onStart callback #1)",
      'timer (setTimeout, added by listener #1 for channel "cmd")',
    ]) assert.ok(failures.includes(name), `a failure named ${name}:\n${failures.join("\n")}`);
    // Past the 32 named slots the device names a timer by number (the TypeScript device, without
    // that bound, still names them by origin: not compared), and by it the timers it sets.
    const many = failuresOf(await deviceHost(buildDir(build), script + '{"deliver": "cmd", "value": "many"}\n{"advance": 200}\n', []));
    assert.ok(many.some((f) => /^timer #(3[2-9]|[4-9]\d)$/.test(f)), `a timer past the named slots, by number:\n${many.join("\n")}`);
    assert.ok(many.some((f) => /^timer \(setTimeout, added by timer #(3[2-9]|[4-9]\d)\)$/.test(f)), `a timer set by one past the named slots:\n${many.join("\n")}`);
    assert.ok(many.includes('timer (setTimeout, added by listener #1 for channel "cmd")'), "the timers in named slots keep their origin");
  });

  it("settings in device code: set() applies (value, change listeners), refuses a bad value in the same words and reports to the settings shadow the same way", async () => {
    const build = await compileApp("settings", [
      '  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });',
      '  const mode = api.defineSetting("mode", { default: "auto" });',
      '  const heating = api.defineSetting("heating", { default: false });',
      '  const out = api.newCommsChannel<string>("out");',
      '  setpoint.addEventListener("change", (v) => api.log("setpoint is now " + v));',
      "  // A refused set() throws out of the callback (the host's error): one callback per attempt.",
      "  const attempts: [string, () => void][] = [",
      '    ["22.5", () => setpoint.set(22.5)],',
      '    ["22.5 again", () => setpoint.set(22.5)],',
      '    ["99", () => setpoint.set(99)],',
      '    ["a string", () => setpoint.set("hot" as unknown as number)],',
      '    ["NaN", () => setpoint.set(NaN)],',
      '    ["mode", () => mode.set("eco")],',
      '    ["a long mode", () => mode.set("x".repeat(300))],',
      '    ["heating", () => heating.set(true)],',
      '    ["heating 1", () => heating.set(1 as unknown as boolean)],',
      "  ];",
      "  attempts.forEach((a, i) => api.mcu.setTimeout(() => { a[1](); api.log(a[0] + \": ok\"); }, 5 + i));",
      '  api.mcu.setTimeout(() => out.pushMessageToServer([setpoint.value, mode.value, heating.value].join(",")), 30);',
    ]);
    const dir = buildDir(build);
    const script = '{"advance": 40}\n';
    const shadow = (line: string) => line.includes("$aws/things/");
    const [typescript, native] = [await typescriptHost(build, script, []), await deviceHost(dir, script, [])];
    // The settings shadow: a get at start, a report (clearing desired) after every accepted set.
    assert.deepEqual(native, typescript);
    assert.equal(native.filter((l) => l.includes("/shadow/name/settings-settings/get")).length, 1);
    assert.equal(native.filter((l) => l.includes("/shadow/name/settings-settings/update")).length, 4, "refused values are not reported");
    const logged = native.join("\n");
    assert.match(logged, /22\.5: ok/);
    assert.match(logged, /setpoint is now 22\.5/);
    assert.equal(native.filter((l) => l.startsWith('{"echo":"[app] setpoint is now')).length, 1, "the same value again runs no listener");
    const failures = native.filter((l) => l.startsWith('{"failure"'));
    assert.equal(failures.length, 5, failures.join("\n"));
    assert.match(failures[0], /set\(99\) refused: 99 is above the maximum 35/);
    assert.match(logged, /mode: ok/);
    assert.match(logged, /heating: ok/);
    assert.ok(native.some((l) => l.includes('\\"22.5,eco,true\\"') || l.includes('"22.5,eco,true"')), "the refused values left the applied ones as they were");
  });

  it("settings shadow answers (get, delta, rejections, stale versions, retries): the same values applied, refusals and reports", async () => {
    const build = await compileApp("shadowAnswers", [
      '  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });',
      '  const mode = api.defineSetting("mode", { default: "auto" });',
      '  const heating = api.defineSetting("heating", { default: false });',
      '  const out = api.newCommsChannel<string>("out");',
      '  setpoint.addEventListener("change", (v) => { api.log("setpoint is now " + v); if (v === 10.5) throw new Error("valve stuck"); });',
      '  mode.addEventListener("change", (v) => { api.log("mode is now " + v); if (v === "boost") setpoint.set(35); });',
      '  heating.addEventListener("change", (v) => { if (v === true) throw new Error("relay stuck"); });',
      '  api.mcu.onStart(() => api.log("starting at " + setpoint.value + " " + mode.value + " " + heating.value));',
      "  api.mcu.setTimeout(() => heating.set(true), 20);",
      '  api.mcu.setInterval(() => out.pushMessageToServer([setpoint.value, mode.value, heating.value].join(",")), 1000);',
    ]);
    const answer = (shadow: string, payload: unknown) => JSON.stringify({ shadow, payload: typeof payload === "string" ? payload : JSON.stringify(payload) });
    const script = [
      answer("get/accepted", { state: { desired: { setpoint: 25, mode: 7, ghost: 1, setpoint2: null }, reported: { setpoint: 21, old: 3 } }, version: 3 }),
      answer("update/delta", { state: { setpoint: 99 }, version: 4 }),
      answer("update/delta", { state: { setpoint: 30 }, version: 2 }),
      '{"advance": 25}',
      answer("update/delta", { state: { heating: true, setpoint: 10.5, mode: "x".repeat(300) }, version: 5 }),
      answer("update/delta", { state: { mode: "boost", setpoint: 12 }, version: 6 }),
      answer("get/rejected", { code: 404, message: "No shadow exists with name: 'x'" }),
      answer("get/rejected", { code: 500, message: "Internal service failure" }),
      answer("get/rejected", { message: "no code" }),
      answer("update/rejected", { code: 400, message: "Payload contains invalid json" }),
      answer("get/accepted", "not json {"),
      answer("update/delta", "[1,2]"),
      '{"link": "down"}',
      '{"advance": 100}',
      '{"link": "up"}',
      '{"advance": 3500}',
      answer("get/accepted", { state: { desired: { mode: "eco" }, reported: { setpoint: 35, mode: "boost", heating: true } }, version: 9 }),
      '{"advance": 40000}',
      "",
    ].join("\n");
    const dir = buildDir(build);
    const [typescript, native] = [await typescriptHost(build, script, []), await deviceHost(dir, script, [])];
    assert.deepEqual(native, typescript);
    const logged = native.join("\n");
    assert.match(logged, /setpoint is now 25/);
    assert.match(logged, /refused the desired value of setting \\"mode\\": 7 is not a string/);
    assert.match(logged, /refused the desired value of unknown setting \\"ghost\\"/);
    assert.match(logged, /99 is above the maximum 35 of setting \\"setpoint\\" \(accepted: 5 to 35\); keeping 25/);
    assert.doesNotMatch(logged, /setpoint is now 30/, "a delta older than the document is stale");
    assert.match(logged, /settings shadow: get refused: 500 Internal service failure/);
    assert.match(logged, /settings shadow refused the device's report: 400 Payload contains invalid json/);
    assert.match(logged, /a get\/accepted message is not JSON; ignored/);
    assert.match(logged, /\\"change\\" listener of setting \\"setpoint\\" failed: .*valve stuck/, "a failing listener of a value the shadow brought is named");
    assert.match(logged, /setpoint is now 12/, "each listener hears the value the shadow brought");
    // After the reconnect nothing answers until 3.5 s later: the get is asked again at 1 s and 3 s.
    const gets = native.filter((l) => /shadow\/name\/[^/"]+\/get"/.test(l));
    assert.ok(gets.length >= 4, gets.join("\n"));
  });

  describe("every program of the semantics corpus, run at start on the device", () => {
    const files = fs.readdirSync(CORPUS).filter((f) => /\.(js|ts)$/.test(f)).sort();
    it("has programs", () => assert.ok(files.length >= 20, `only ${files.length} corpus programs`));
    for (const file of files) {
      it(file, async () => {
        const source = fs.readFileSync(path.join(CORPUS, file), "utf8");
        const settled = /export (async )?function settled/.test(source);
        const build = await compileApp(
          "corpus",
          [
            '  const result = api.newCommsChannel("result");',
            "  api.mcu.onStart(() => result.pushMessageToServer((program as any).run()));",
            settled ? "  api.mcu.setTimeout(() => result.pushMessageToServer((program as any).settled()), 10);" : "",
          ],
          [`import * as program from ${JSON.stringify(path.join(CORPUS, file).replace(/\.ts$/, ""))};`],
        );
        const lines = await assertSameOutput(build, '{"advance": 100}\n', []);
        assert.ok(lines.some((l) => l.includes("/result/up")), "the program's result was sent");
        assert.deepEqual(lines.filter((l) => l.startsWith('{"failure"')), [], "the program ran without errors");
      });
    }
  });
});

/** A per-app image (`snapfleet firmware build --app DIR`, as the Cortex-M0+ is sized): it serves
 * only the host functions the app's device snapshot imports, and must run that app exactly as
 * the image for any app does; another app's snapshot, importing a function it left out, is
 * refused at restore with words that say which and what to do. */
for (const runtime of RUNTIMES) describe(`${runtime.name}, built for the grow-station alone (--app): the same output, another app refused`, function () {
  this.timeout(600_000);
  let deviceHost: DeviceHost;
  let program: string;
  let growStation: CompileResult;

  before(async function () {
    skipIfUnavailable(this, runtime.unavailable());
    growStation = await compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets: JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) });
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-per-app-image-"));
    buildDirs.push(outDir);
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    const built = await buildFirmware({ target: runtime.target, outDir, appDir: buildDir(growStation), log: () => {} });
    program = built.program;
    deviceHost = runtime.host(built);
    engine = await loadWasmEngine();
  });

  it("the grow-station script: the same lines as the TypeScript device", async () => {
    const script = fs.readFileSync(path.join(FIXTURES, "grow-station.jsonl"), "utf8");
    const expected = await typescriptHost(growStation, script, PINS);
    const actual = await deviceHost(buildDir(growStation), script, PINS);
    assert.deepEqual(actual, expected);
    assert.ok(expected.includes('{"pin":"D5","value":true,"t":1700000005000}'), "grow light on");
  });

  /** An app the grow-station image can't run: refused before it runs, with the words. */
  async function refused(app: string, body: string[]): Promise<string> {
    const build = await compileApp(app, body);
    const output = await deviceHost(buildDir(build), '{"advance": 100}\n', []).then((lines) => lines.join("\n"), (error: Error) => error.message);
    assert.doesNotMatch(output, /\/up"/, `nothing of the other app ran: no channel message sent\n${output}`);
    return output;
  }

  it("an app that calls a function the grow-station doesn't (toUpperCase): refused at restore, naming the host function and the fix", async () => {
    const output = await refused("upper", [
      '  const shout = api.newCommsChannel<string>("shout");',
      '  api.mcu.onStart(() => shout.pushMessageToServer("quiet".toUpperCase()));',
    ]);
    assert.match(output, /the snapshot could not be restored: .*\(host function 109, which this image leaves out: it was built for the host functions the app \\?"grow-station\\?" imported; build the firmware again with snapfleet firmware build --app for the new version\)/);
  });

  it("an app that uses ** (the grow-station doesn't: the image has no pow): the callback fails saying so, no wrong number sent", async () => {
    const build = await compileApp("power", [
      '  const power = api.newCommsChannel<number>("power");',
      "  let n = 3;",
      '  api.mcu.onStart(() => { api.log("before"); power.pushMessageToServer(2 ** n); });',
    ]);
    const output = (await deviceHost(buildDir(build), '{"advance": 100}\n', [])).join("\n");
    assert.match(output, /\{"echo":"\[app\] before"\}/, `the app ran up to the operator\n${output}`);
    assert.doesNotMatch(output, /\/power\/up"/, `no number sent on the channel\n${output}`);
    assert.match(output, /\{"failure":"onStart callback #0 failed: MVM_E_OPERATION_REQUIRES_FLOAT_SUPPORT .*\(the \*\* operator, which this image leaves out: it was built for the app \\"grow-station\\", whose code has none; build the firmware again with snapfleet firmware build --app for the new version\)","fatal":false/);
  });

  it("an app with more channels than the grow-station's 4: its manifest is refused, saying the limit", async () => {
    const channels = Array.from({ length: 5 }, (_, i) => `  const c${i} = api.newCommsChannel<number>("c${i}");`);
    const output = await refused("five-channels", [...channels, `  api.mcu.onStart(() => { ${channels.map((_, i) => `c${i}.pushMessageToServer(${i});`).join(" ")} });`]);
    assert.match(output, /manifest: more channels than this device supports \(4\)/);
  });
});
