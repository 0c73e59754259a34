import assert from "node:assert/strict";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { FeatureCompileError } from "../core/compiler/errors";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { lowerForMicrovium } from "../core/compiler/lower";
import { FeatureVm } from "../core/runtime/featureVm";
import { stdlibHostFunctions } from "../core/runtime/stdlib";
import { TokenReader } from "../core/runtime/valueTokens";
import { Token } from "../core/runtime/hostIds";
import { StdlibHostId } from "../core/runtime/stdlib/hostIds";
import { writeApp } from "./support/tempFeatures";
import { bootApp } from "./support/testDevice";
import { WebTestHost } from "./support/webTestHost";

/** Map, Set, JSON.parse and Date.now as feature code uses them, run on the device (our
 * WebAssembly engine behind the supervisor) and in Node from the same source: the results must
 * be identical. The handler's Map and Set are made while App runs, so they travel in the
 * snapshot and keep their contents from one message to the next. */
const HANDLER = `
function makeHandler() {
  const totals = new Map();
  const tags = new Set();
  const log = [];
  return function handle(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      log.push("bad");
      return { error: e.name, isError: e instanceof Error, message: typeof e.message, log: log.length };
    }
    if (msg === null || typeof msg !== "object" || Array.isArray(msg)) return { scalar: msg };
    let sum = 0;
    for (const v of msg.values ?? []) sum += v;
    totals.set(msg.sensor, (totals.get(msg.sensor) ?? 0) + sum);
    for (const t of msg.tags ?? []) tags.add(t);
    if (msg.forget) {
      totals.delete(msg.forget);
      tags.forEach((t) => {
        if (t.startsWith(msg.forget)) tags.delete(t);
      });
    }
    const perSensor = [];
    totals.forEach((total, sensor) => perSensor.push(sensor + ":" + total));
    const byTotal = [...totals].sort((a, b) => b[1] - a[1]).map(([sensor]) => sensor);
    return {
      perSensor,
      byTotal,
      tags: Array.from(tags),
      sizes: [totals.size, tags.size],
      has: [totals.has(msg.sensor), tags.has("hot"), totals.has(NaN)],
      unit: msg.meta?.unit ?? null,
      note: msg.meta?.note ?? null,
      kinds: Object.keys(msg).map((k) => k + ":" + (msg[k] === null ? "null" : Array.isArray(msg[k]) ? "array" : typeof msg[k])),
      snapshotOf: Object.fromEntries(new Map([["first", [...tags][0] ?? null]])),
    };
  };
}
`;

const MESSAGES = [
  '{"sensor":"t1","values":[1.5,2,3.25],"tags":["hot","t1-raw"],"meta":{"unit":"\\u00b0C","note":"line\\nbreak \\"quoted\\" \\\\ /"}}',
  ' { "sensor" : "t2" , "values" : [ -4e1 , 0.5 ] , "tags" : [ "cold" , "hot" ] , "meta" : { "unit" : null } } ',
  '{"sensor":"t1","values":[10],"tags":["t1-x"],"forget":"t2"}',
  '{"sensor":"t1","values":[1],"forget":"t1","meta":{"note":"\\ud83c\\udf31 sprout"}}',
  '{"sensor":"t3","values":[],"tags":[],"nested":{"a":[{"b":[true,false,null]}]},"n":1e21,"big":-123456789.125}',
  '{"sensor":"t1","values":[1,}',
  "[1, 2, 3]",
  '"just a string"',
  "42",
  "not json",
  '{"unterminated": "abc',
];

describe("standard library on the device and the dashboard: Map, Set, JSON.parse, Date.now", function () {
  this.timeout(60_000);
  let engine: MicroviumEngine;
  before(async () => {
    engine = await loadWasmEngine();
  });

  function inNode(): unknown[] {
    const makeHandler = new Function(`${HANDLER}\nreturn makeHandler;`)() as () => (text: string) => unknown;
    const handle = makeHandler();
    return MESSAGES.map((text) => handle(text));
  }

  const boot = (body: string, preamble = "") => bootApp(engine, body, preamble);

  it("Map, Set and JSON.parse give on the device exactly what Node gives, message after message", async () => {
    const { device, sent, fromServer: send } = await boot(
      `  const cmd = api.newCommsChannel<string>("cmd");
  const out = api.newCommsChannel<any>("out");
  const handle = makeHandler();
  cmd.addEventListener("messageFromServer", (text) => out.pushMessageToServer(handle(text)));`,
      HANDLER,
    );
    MESSAGES.forEach((text, i) => send("cmd", text, i + 1));
    device.stop();
    assert.deepEqual(device.supervisor.appErrors, []);
    const expected = inNode();
    assert.equal(expected.length, MESSAGES.length);
    assert.deepEqual(sent("out"), JSON.parse(JSON.stringify(expected)));
  });

  it("a JSON.parse error the feature doesn't catch says where and what was expected, and the app goes on", async () => {
    const { device, sent, fromServer: send } = await boot(
      `  const cmd = api.newCommsChannel<string>("cmd");
  const out = api.newCommsChannel<any>("out");
  cmd.addEventListener("messageFromServer", (text) => out.pushMessageToServer(JSON.parse(text)));
  const nested = api.newCommsChannel<string>("nested");
  nested.addEventListener("messageFromServer", (text) => {
    let v = JSON.parse(text);
    let depth = 0;
    while (Array.isArray(v)) { v = v[0]; depth++; }
    out.pushMessageToServer(depth);
  });`,
    );
    const bad: Array<[string, RegExp]> = [
      ['{"a":1,}', /expected a property name in double quotes at line 1 column 8 \(position 7\), found "}"/],
      ['{"a" 1}', /expected ':' after the property name at line 1 column 6 \(position 5\), found "1"/],
      ["[1, 2", /expected ',' or '\]' after an array item at line 1 column 6 \(position 5\), found the end of the text/],
      ['{\n  "a": tru\n}', /expected 'true' at line 2 column 11 \(position 12\), found "\\n"/],
      ['"tab\there"', /expected '"' to close the string \(control characters .* must be escaped.*\) at line 1 column 5/],
      ['"\\x"', /expected an escape: .* at line 1 column 3/],
      ['"\\u12G4"', /expected 4 hex digits after \\u at line 1 column 6/],
      ["01", /expected the end of the text at line 1 column 2 \(position 1\), found "1"/],
      ["-", /expected a digit at line 1 column 2/],
      ["", /expected a value \(object, array, string, number, true, false or null\) at line 1 column 1 \(position 0\), found the end of the text/],
      [" " + "[".repeat(65) + "]".repeat(65), /expected at most 64 levels of nested arrays and objects .* at line 1 column 66 \(position 65\), found "\["/],
    ];
    bad.forEach(([text], i) => send("cmd", text, i + 1));
    send("cmd", '{"ok":[true]}', 100);
    send("nested", "[".repeat(64) + "]".repeat(64), 101);
    device.stop();
    assert.equal(device.supervisor.appErrors.length, bad.length);
    bad.forEach(([text, message], i) => assert.match(device.supervisor.appErrors[i], message, `error for ${JSON.stringify(text)}: ${device.supervisor.appErrors[i]}`));
    assert.deepEqual(sent("out"), [{ ok: [true] }, 64], "the good messages after the bad ones still arrive; 64 levels parse");
  });

  it("Date.now() reads the supervisor's clock on the device, the host's clock on the dashboard and at build time; the dashboard has JSON.parse, Map and Set too", async () => {
    const before = Date.now();
    const { build, device, clock, sent } = await boot(
      `  const out = api.newCommsChannel<number[]>("out");
  const builtAt = Date.now();
  api.mcu.setInterval(() => out.pushMessageToServer([Date.now(), builtAt]), 250);
  api.registerUiControl((el) => el.setText(Date.now() + "|" + JSON.parse('{"a":[1,2]}').a[1] + "|" + new Map([["k", 7]]).get("k") + "|" + new Set([1, 1, 2]).size), { title: "clock" });`,
    );
    const bootTime = clock.now();
    clock.advance(1000);
    device.stop();
    const after = Date.now();
    const ticks = sent("out") as number[][];
    assert.deepEqual(
      ticks.map(([now]) => now - bootTime),
      [250, 500, 750, 1000],
    );
    const builtAt = ticks[0][1];
    assert.ok(builtAt >= before && builtAt <= after, `build-time Date.now() ${builtAt} is the build machine's clock`);
    assert.notEqual(bootTime, before, "the manual clock is not the real one, so the device really read the supervisor");

    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    const webBefore = Date.now();
    web.render(0);
    const [shown, ...rest] = String(host.texts.get(0)).split("|");
    assert.ok(Number(shown) >= webBefore && Number(shown) <= Date.now(), `dashboard Date.now() ${shown}`);
    assert.deepEqual(rest, ["2", "7", "2"], "JSON.parse, Map and Set on the dashboard");
    web.dispose();
  });

  it("JSON.parse, Map and Set work while App runs at build time too", async () => {
    const { device, clock, sent } = await boot(
      `  const out = api.newCommsChannel<any>("out");
  const config = JSON.parse('{"every": 300, "names": ["a", "b", "a"]}');
  const names = new Set<string>(config.names);
  const index = new Map<string, number>([...names].map((n, i) => [n, i]));
  api.mcu.setTimeout(() => out.pushMessageToServer({ every: config.every, names: [...names], b: index.get("b") }), config.every);`,
    );
    clock.advance(300);
    device.stop();
    assert.deepEqual(device.supervisor.appErrors, []);
    assert.deepEqual(sent("out"), [{ every: 300, names: ["a", "b"], b: 1 }]);
  });

  it("refuses other uses of Date at the author's line, with a hint", async () => {
    for (const [code, message] of [
      ["const d = new Date();", /Date can only be used through its members in feature code \(Date\.now\)/],
      ["const s = Date.parse('2020');", /Date\.parse is not available in feature code/],
      ["const D = Date;", /Date can only be used through its members/],
    ] as const) {
      await assert.rejects(
        compileFeatures({ entry: writeApp(`  api.mcu.onStart(() => {\n    ${code}\n  });`) }),
        (e: unknown) => {
          assert.ok(e instanceof FeatureCompileError, String(e));
          assert.match(e.message, message);
          assert.match(e.message, /app\.ts:5:/);
          return true;
        },
      );
    }
  });

  it("a feature without Map or Set iterates as before: no __sf_iter, and the library pieces only where used", () => {
    const used = (code: string) => lowerForMicrovium(code, { filename: "f.js" }).usedStdlib;
    const loops = "export function run(xs) { const out = []; for (const x of xs) out.push(x); const [a] = xs; return [...out, a, Array.from(xs)]; }";
    assert.deepEqual(used(loops).filter((p) => /Map|Set|__sf_iter|JSON\.parse|Date/.test(p)), []);
    assert.ok(used(`const s = new Set();\n${loops}`).includes("__sf_iter"), "with a Set about, every for-of, spread, Array.from and destructuring goes through __sf_iter");
    const lowered = lowerForMicrovium(`const s = new Set();\n${loops}`, { filename: "f.js" }).code;
    assert.equal(lowered.match(/__sf_iter\(/g)?.length, 4, lowered);
    assert.deepEqual(used("class Map { get() { return 1; } }\nexport function run() { for (const x of [1]) {} return new Map().get(); }").filter((p) => /Map|__sf_iter/.test(p)), [], "the feature's own Map class is not the library's");
    assert.deepEqual(used("export function run() { return Date.now(); }"), ["Date.now"]);
  });

  it("the JSON.parse host function queues the value on the token stream, or returns the problem and queues nothing", () => {
    const reader = new TokenReader();
    const parse = stdlibHostFunctions(reader)[StdlibHostId.JsonParse];
    assert.equal(parse('{"a":[1,"x",null]}'), undefined);
    const tokens: unknown[] = [];
    for (let kind = reader.nextKind(); ; kind = reader.nextKind()) {
      tokens.push(kind === Token.Primitive || kind === Token.Key ? reader.payload() : Token[kind]);
      if (tokens.length === 8) break;
    }
    assert.deepEqual(tokens, ["BeginObject", "a", "BeginArray", 1, "x", null, "End", "End"]);
    assert.throws(() => reader.nextKind(), /read past the end/);
    assert.match(parse("[1, 2,]"), /^JSON\.parse: expected a value \(object, array, string, number, true, false or null\) at line 1 column 7 \(position 6\), found "\]"$/);
    assert.throws(() => reader.nextKind(), /read past the end/, "a failed parse queued nothing");
    assert.equal(parse(42), undefined, "non-strings are parsed as their String(), as JSON.parse does");
    assert.equal(reader.nextKind(), Token.Primitive);
    assert.equal(reader.payload(), 42);
  });
});
