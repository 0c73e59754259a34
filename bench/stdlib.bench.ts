import path from "node:path";
import { bundleFeatures } from "../core/compiler/bundle";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { compileTarget, FEATURE_FILE } from "../core/compiler/compileTarget";
import { lowerForMicrovium } from "../core/compiler/lower";
import { deviceChannelCodec } from "../core/compiler/primitiveChannels";
import { deviceLogsObjects } from "../core/compiler/logValues";
import { SourceMapper } from "../core/compiler/sourceMapper";
import { encodeEnvelope } from "../core/contracts/envelope";
import { topics } from "../core/contracts/topics";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { ManualClock } from "../firmware/clock";
import { Device } from "../firmware/device";
import { InMemoryTransport } from "../firmware/transport";
import { writeApp } from "../test/support/tempFeatures";

/** Issue 14 figures for Map, Set, JSON.parse and Date.now:
 * (a) device snapshot bytes of one small feature written without and with each of them, all
 *     built in this run through the real compiler (pruning included): what using one costs;
 * (b) what they cost a feature that doesn't use them: nothing, since only the pieces a feature
 *     uses are installed (usedStdlib); for scale, what installing them anyway would add;
 * (c) JSON.parse speed on the device against the same listener without it, and against reading
 *     the text once character by character in the VM, the least a parser inside the VM would
 *     have to do (why the host parses: hostFunctions.ts); Map get/set against a plain object. */

const BASE = `  const cmd = api.newCommsChannel<string>("cmd");
  cmd.addEventListener("messageFromServer", (text) => {
    BODY
  });`;

const VARIANTS: Record<string, { body: string; preamble?: string }> = {
  "without (baseline)": { body: `api.log("got " + text);` },
  "JSON.parse": { body: `const o = JSON.parse(text);\n    api.log("got " + o.n);` },
  "JSON.parse, caught": { body: `try {\n      api.log("got " + JSON.parse(text).n);\n    } catch (e) {\n      api.log("bad: " + e.message);\n    }` },
  "Map get/set": { preamble: `const seen = new Map<string, number>();`, body: `seen.set(text, (seen.get(text) ?? 0) + 1);\n    api.log("got " + seen.get(text));` },
  "Map, every method": {
    preamble: `const seen = new Map<string, number>();`,
    body: `seen.set(text, (seen.get(text) ?? 0) + 1);\n    if (seen.has("reset")) seen.clear();\n    seen.delete("x");\n    let n = 0;\n    seen.forEach((v) => (n += v));\n    for (const [k, v] of seen) n += v;\n    api.log("got " + n + seen.size + [...seen.keys()].length + seen.values().length + seen.entries().length);`,
  },
  "Set add/has": { preamble: `const seen = new Set<string>();`, body: `const fresh = !seen.has(text);\n    seen.add(text);\n    api.log("got " + fresh);` },
  "Date.now": { body: `api.log("got " + text + (Date.now() - 1700000000000));` },
  "all four": {
    preamble: `const seen = new Map<string, number>();\nconst tags = new Set<string>();`,
    body: `const o = JSON.parse(text);\n    seen.set(o.s, Date.now());\n    tags.add(o.s);\n    api.log("got " + seen.get(o.s) + tags.has("x"));`,
  },
};

async function deviceBuild(body: string, preamble = "") {
  const build = await compileFeatures({ entry: writeApp(BASE.replace("BODY", body), preamble) });
  return { bytes: build.manifest.snapshots.device.size, build };
}

/** The device snapshot of a feature built as compileFeatures builds it, with `extra` pieces
 * installed beyond the ones it uses; and the pieces it uses. */
async function deviceBytesWithPieces(entry: string, extra: string[]): Promise<{ bytes: number; used: string[] }> {
  const cwd = path.dirname(entry);
  const bundle = await bundleFeatures(entry, cwd);
  const lowered = lowerForMicrovium(bundle.code, { filename: FEATURE_FILE, inputSourceMap: bundle.map });
  const build = compileTarget({
    target: "device",
    code: lowered.code,
    exports: bundle.exports,
    mapper: new SourceMapper(lowered.map, cwd),
    secrets: {},
    stdlib: [...lowered.usedStdlib, ...extra],
    channelCodec: deviceChannelCodec(bundle.inputs),
    logObjects: deviceLogsObjects(bundle.inputs),
  });
  return { bytes: build.snapshot.length, used: lowered.usedStdlib };
}

const MESSAGE = JSON.stringify({ s: "greenhouse-1", n: 42, t: 21.75, h: [0.41, 0.43, 0.47], on: true, tags: ["soil", "air"], meta: { fw: "1.4.2", slot: "b" } });

/** Messages per second through one listener (envelope, supervisor, VM), best of 3. */
async function messagesPerSecond(engine: MicroviumEngine, body: string, count: number): Promise<number> {
  const build = await compileFeatures({ entry: writeApp(BASE.replace("BODY", body)) });
  const transport = new InMemoryTransport();
  const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "bench", clock: new ManualClock(), transport, engine });
  const topic = topics.down("test-app", "bench", "cmd");
  let seq = 0;
  const payloads = Array.from({ length: count * 4 }, () => encodeEnvelope("srv", ++seq, MESSAGE, 0));
  let best = Infinity;
  for (let run = 0; run < 4; run++) {
    const t = performance.now();
    for (let i = 0; i < count; i++) transport.inject(topic, payloads[run * count + i]);
    if (run > 0) best = Math.min(best, performance.now() - t); // run 0 warms up
  }
  if (device.supervisor.appErrors.length) throw new Error(`bench feature failed: ${device.supervisor.appErrors[0]}`);
  device.stop();
  return Math.round(count / (best / 1000));
}

/** Map get+set pairs per second on 16 keys in one timer callback, against a plain object. */
async function lookupsPerSecond(engine: MicroviumEngine, useMap: boolean): Promise<number> {
  const N = 2000;
  const store = useMap ? `const m = new Map<string, number>();` : `const m: Record<string, number> = {};`;
  const op = useMap ? `m.set(k, (m.get(k) ?? 0) + i);` : `m[k] = (m[k] ?? 0) + i;`;
  const build = await compileFeatures({
    entry: writeApp(
      `  const keys: string[] = [];\n  for (let i = 0; i < 16; i++) keys.push("sensor-" + i);\n  api.mcu.setInterval(() => {\n    for (let i = 0; i < ${N}; i++) {\n      const k = keys[i % 16];\n      ${op}\n    }\n  }, 10);`,
      store,
    ),
  });
  const clock = new ManualClock();
  // One tick does 2,000 map operations: more than the default instruction budget allows a callback.
  const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "bench", clock, engine, instructionBudget: 0 });
  clock.advance(10); // warm-up tick
  const ticks = 10;
  const t = performance.now();
  clock.advance(ticks * 10);
  const ms = performance.now() - t;
  if (device.supervisor.appErrors.length) throw new Error(`bench feature failed: ${device.supervisor.appErrors[0]}`);
  device.stop();
  return Math.round((ticks * N) / (ms / 1000));
}

export async function runStdlibBench() {
  const sizes: Record<string, { bytes: number; usedStdlib?: string[] }> = {};
  for (const [name, v] of Object.entries(VARIANTS)) sizes[name] = { bytes: (await deviceBuild(v.body, v.preamble)).bytes };

  // A feature that loops over arrays and sends JSON text, but uses none of the four.
  const plain = writeApp(
    `  const out = api.newCommsChannel<string>("out");\n  const readings = [3, 1, 2];\n  api.mcu.setInterval(() => {\n    let s = 0;\n    for (const r of readings) s += r;\n    out.pushMessageToServer(JSON.stringify({ s, n: readings.length }));\n  }, 1000);`,
  );
  const plainAlone = await deviceBytesWithPieces(plain, []);
  const plainWithUnused = await deviceBytesWithPieces(plain, ["Map", "Set", "JSON.parse", "Date.now", "__sf_iter"]);
  const unusedInstalled = plainWithUnused.bytes - plainAlone.bytes;

  const engine = await loadWasmEngine();
  const parse = {
    baseline: await messagesPerSecond(engine, `api.log("got " + text.length);`, 3000),
    jsonParse: await messagesPerSecond(engine, `api.log("got " + JSON.parse(text).n);`, 3000),
    charScan: await messagesPerSecond(engine, `let sum = 0;\n    for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);\n    api.log("got " + sum);`, 1000),
  };
  const lookups = { map: await lookupsPerSecond(engine, true), object: await lookupsPerSecond(engine, false) };
  return { sizes, plainUsedStdlib: plainAlone.used, unusedInstalled, parse, lookups, messageBytes: MESSAGE.length };
}

if (require.main === module) {
  runStdlibBench().then((r) => {
    const base = r.sizes["without (baseline)"].bytes;
    console.log(`device snapshot of one listener, bytes (same run; cost against the baseline):`);
    for (const [name, s] of Object.entries(r.sizes)) console.log(`  ${name}: ${s.bytes}${s.bytes === base ? "" : ` (+${s.bytes - base})`}`);
    console.log(`not used: a feature with for-of and JSON.stringify installs only [${r.plainUsedStdlib.join(", ")}], so they cost it 0 B; installed anyway (no per-piece selection) they would add ${r.unusedInstalled} B`);
    console.log(
      `JSON.parse of a ${r.messageBytes}-byte message on the device: ${r.parse.jsonParse} msg/s; same listener without it ${r.parse.baseline} msg/s (x${(r.parse.jsonParse / r.parse.baseline).toFixed(2)}); ` +
        `only reading the text char by char in the VM (the least an in-VM parser does) ${r.parse.charScan} msg/s (host parse x${(r.parse.jsonParse / r.parse.charScan).toFixed(1)} faster)`,
    );
    console.log(`Map get+set on 16 keys: ${r.lookups.map}/s; plain object same loop ${r.lookups.object}/s (Map x${(r.lookups.map / r.lookups.object).toFixed(2)})`);
  });
}
