import assert from "node:assert/strict";
import crypto from "node:crypto";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { FeatureCompileError, MissingSecretsError } from "../core/compiler/errors";
import { appSource, writeApp, writeFeatures } from "./support/tempFeatures";
import { compileError as expectCompileError } from "./support/compileError";

const EXAMPLE = path.join(__dirname, "../examples/grow-station/features/app.ts");
export const EXAMPLE_SECRETS = { ssid: "GreenhouseNet-7f3a", password: "pw-Zq81-never-in-web" };

const compileError = (entry: string, secrets: Record<string, string> = {}) => expectCompileError({ entry, secrets });

/** writeApp with `export async function App`. */
const writeAsyncApp = (body: string, preamble = "") => writeFeatures({ "app.ts": `${appSource([body], [preamble]).replace("export function App", "export async function App")}\n` });

/** The error must point at the author's file, at the given line, and say `pattern`. */
function assertLocated(err: FeatureCompileError, line: number, pattern: RegExp): void {
  assert.match(err.message, pattern);
  assert.ok(err.location, `no location in: ${err.message}`);
  assert.equal(path.basename(err.location!.file), "app.ts", err.message);
  assert.equal(err.location!.line, line, err.message);
  assert.ok(err.location!.column >= 1, err.message);
  assert.match(err.message, new RegExp(`app\\.ts:${line}:\\d+: `));
}

describe("compileFeatures: the grow-station example", () => {
  let result: CompileResult;
  before(async () => {
    result = await compileFeatures({ entry: EXAMPLE, secrets: EXAMPLE_SECRETS });
  });

  it("records every declaration in the manifest", () => {
    const m = result.manifest;
    assert.equal(m.app, "grow-station");
    assert.deepEqual(
      m.channels.map((c) => [c.name, c.qos, c.direction, c.replay]),
      [
        ["event-log", 1, "device-to-server", 20],
        ["temperature", 0, "both", 0],
        ["soil-moisture", 0, "both", 10],
        ["grow-light", 1, "server-to-device", 0],
      ],
    );
    assert.deepEqual(m.secrets, [
      { name: "ssid", optional: false },
      { name: "password", optional: false },
    ]);
    assert.deepEqual(m.pins, [
      { name: "A2", kind: "analog" },
      { name: "A3", kind: "analog" },
      { name: "D5", kind: "digital" },
    ]);
    assert.deepEqual(m.controls.map((c) => c.title), ["Temperature", "Soil moisture", "Grow light", "Event log"]);
  });

  it("versions the app by the device snapshot's sha256 and records each snapshot", () => {
    const hash = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");
    assert.equal(result.manifest.version, hash(result.snapshots.device));
    for (const t of ["device", "web", "server"] as const) {
      assert.deepEqual(result.manifest.snapshots[t], { sha256: hash(result.snapshots[t]), size: result.snapshots[t].length });
    }
    assert.match(result.manifest.engine, /^microvium-8\.\d+\.\d+\/bytecode-8$/);
  });

  it("puts secret values in the device snapshot only", () => {
    const contains = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(Buffer.from(text, "utf8"));
    for (const value of Object.values(EXAMPLE_SECRETS)) {
      assert.ok(contains(result.snapshots.device, value), "the device needs its secrets");
      assert.ok(!contains(result.snapshots.web, value), `web snapshot contains ${value}`);
      assert.ok(!contains(result.snapshots.server, value), `server snapshot contains ${value}`);
      assert.ok(!JSON.stringify(result.manifest).includes(value), "manifest contains a secret value");
    }
  });

  it("keeps UI code out of the device snapshot and device code out of the web snapshot", () => {
    const contains = (bytes: Uint8Array, text: string) => Buffer.from(bytes).includes(Buffer.from(text, "utf8"));
    assert.ok(contains(result.snapshots.web, "waiting for the first reading"));
    assert.ok(!contains(result.snapshots.device, "waiting for the first reading"));
    assert.ok(!contains(result.snapshots.server, "waiting for the first reading"));
  });

  it("is reproducible: the same sources give the same snapshots", async () => {
    const again = await compileFeatures({ entry: EXAMPLE, secrets: EXAMPLE_SECRETS });
    assert.equal(again.manifest.version, result.manifest.version);
    assert.deepEqual(again.manifest, result.manifest);
  });

  it("changes the version when a secret value changes (it is part of the device image)", async () => {
    const other = await compileFeatures({ entry: EXAMPLE, secrets: { ...EXAMPLE_SECRETS, password: "rotated-password-2" } });
    assert.notEqual(other.manifest.version, result.manifest.version);
    assert.equal(other.manifest.snapshots.web.sha256, result.manifest.snapshots.web.sha256);
  });
});

describe("compileFeatures: bad input says what, where and what to do", () => {
  it("reports a syntax error at the author's line", async () => {
    const err = await compileError(writeApp(`  const x = ;`));
    assertLocated(err, 4, /Unexpected|expected/i);
  });

  it("reports a construct Microvium can't run at the author's line, with a suggestion", async () => {
    const err = await compileError(writeApp(`  const ch = api.newCommsChannel("c");\n  const valid = /^[a-z]+$/.test("abc");`));
    assertLocated(err, 5, /regular expression/i);
    assert.match(err.message, /hint: /);
  });

  it("reports a missing App export and lists what is exported", async () => {
    const err = await compileError(writeFeatures({ "app.ts": `export function Main() {}\n` }));
    assert.match(err.message, /does not export a function named App \(it exports Main\)/);
    assert.match(err.message, /hint: add `export function App/);
  });

  it("refuses a default export of App at the export, whichever way it is written", async () => {
    const fn = "function App(api: FeatureApi) {\n  api.newCommsChannel(\"a\");\n}";
    const forms: [string, number][] = [
      [`import type { FeatureApi } from "snapfleet";\n\nexport default ${fn}\n`, 3],
      [`import type { FeatureApi } from "snapfleet";\n${fn}\nexport default App;\n`, 5],
      [`import type { FeatureApi } from "snapfleet";\n${fn}\nexport { App as default };\n`, 5],
      [`import type { FeatureApi } from "snapfleet";\n\nexport default (api: FeatureApi) => {\n  api.newCommsChannel("a");\n};\n`, 3],
    ];
    for (const [source, line] of forms) {
      const err = await compileError(writeFeatures({ "app.ts": source }));
      assertLocated(err, line, /default exports are not supported in feature code/);
      assert.match(err.message, /hint: use a named export, e\.g\. `export function App\(api\)/);
    }
  });

  it("rejects an invalid channel name at the call", async () => {
    const err = await compileError(writeApp(`  const ok = api.newCommsChannel("fine");\n  api.newCommsChannel("Bad_Name");`));
    assertLocated(err, 5, /channel name "Bad_Name" is invalid: use 1-63 lowercase letters/);
  });

  it("rejects a duplicate channel at the second declaration", async () => {
    const err = await compileError(writeApp(`  api.newCommsChannel("temp");\n  api.newCommsChannel("temp");`));
    assertLocated(err, 5, /channel "temp" is declared twice/);
  });

  it("rejects invalid and duplicate secret names", async () => {
    assertLocated(await compileError(writeApp(`  api.defineSecret("Wifi Password");`)), 4, /secret name "Wifi Password" is invalid/);
    assertLocated(await compileError(writeApp(`  api.defineSecret("key");\n  api.defineSecret("key");`), { key: "k" }), 5, /secret "key" is defined twice/);
  });

  it("rejects bad channel options", async () => {
    assertLocated(await compileError(writeApp(`  api.newCommsChannel("a", { qos: 2 as any });`)), 4, /qos must be 0 or 1, got 2/);
    assertLocated(await compileError(writeApp(`  api.newCommsChannel("a", { direction: "up" as any });`)), 4, /direction must be one of/);
  });

  it("names a misspelled option of a channel, its history or a setting, with the options there are (else the default stood without a word: no range, no history)", async () => {
    assertLocated(await compileError(writeApp(`  api.newCommsChannel("a", { qso: 0 } as any);`)), 4, /api\.newCommsChannel\("a"\): unknown option "qso"; the options are qos, direction, replay and history/);
    assertLocated(await compileError(writeApp(`  api.newCommsChannel("a", { history: { day: 7 } } as any);`)), 4, /api\.newCommsChannel\("a"\): history must be \{ days: N \}/);
    assertLocated(await compileError(writeApp(`  api.defineSetting("setpoint", { default: 21, minimum: 5 } as any);`)), 4, /api\.defineSetting\("setpoint"\): unknown option "minimum"; the options are default, min and max/);
    assertLocated(await compileError(writeApp(`  api.defineSetting("setpoint", { defualt: 21 } as any);`)), 4, /api\.defineSetting\("setpoint"\): unknown option "defualt"/);
    assertLocated(await compileError(writeApp(`  api.defineSecret("wifi", { optinal: true } as any);`)), 4, /api\.defineSecret\("wifi"\): unknown option "optinal"; its only option is optional/);
    const ok = await compileFeatures({ entry: writeApp(`  api.newCommsChannel("a", { qos: 0, direction: "both", replay: 2, history: { days: 3 } });\n  api.defineSetting("s", { default: 1, min: 0, max: 2 });\n  api.newCommsChannel("b");\n  api.defineSetting("t", { default: "x" });`) });
    assert.deepEqual(ok.manifest.channels.map((c) => c.name), ["a", "b"]);
  });

  it("lists every missing required secret at once, and accepts missing optional ones", async () => {
    const entry = writeApp(`  api.defineSecret("ssid");\n  api.defineSecret("password");\n  api.defineSecret("api-key", { optional: true });`);
    const err = await compileError(entry);
    assert.ok(err instanceof MissingSecretsError);
    assert.deepEqual((err as MissingSecretsError).missing, ["ssid", "password"]);
    assert.match(err.message, /missing value for secrets "ssid", "password"/);
    const ok = await compileFeatures({ entry, secrets: { ssid: "s", password: "p" } });
    assert.deepEqual(ok.manifest.secrets.map((s) => [s.name, s.optional]), [["ssid", false], ["password", false], ["api-key", true]]);
  });

  it("fails a build whose declarations differ between targets", async () => {
    const err = await compileError(writeApp(`  if (api.target === "web") api.newCommsChannel("web-only");`));
    assert.match(err.message, /not deterministic: the device build declared channels \[\]/);
    assert.match(err.message, /web build declared channels \[web-only\]/);
  });

  it("rejects calls that only make sense at run time while App runs, at the call", async () => {
    const err = await compileError(writeApp(`  const pin = api.mcu.getAnalogPin("A2");\n  pin.read();`));
    assertLocated(err, 5, /pin "A2".read\(\) was called while App\(api\) runs at build time/);
    const push = await compileError(writeApp(`  const ch = api.newCommsChannel("c");\n  ch.pushMessageToServer(1);`));
    assertLocated(push, 5, /channel "c".pushMessageToServer was called while App\(api\) runs at build time/);
    const write = await compileError(writeApp(`  const relay = api.mcu.getDigitalPin("D5");\n  relay.write(true);`));
    assertLocated(write, 5, /pin "D5".write\(\) was called while App\(api\) runs at build time/);
  });

  it("refuses Node modules and value imports of snapfleet with the import's location", async () => {
    const err = await compileError(writeFeatures({ "app.ts": `import fs from "fs";\nexport function App() { fs; }\n` }));
    assertLocated(err, 1, /runs inside the Microvium engine/);
  });
});

describe("compileFeatures: composing apps, var, promises", () => {
  const BASE = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const ch = api.newCommsChannel("base-readings");
  api.registerUiControl((el) => el.setText("base"), { title: "Base" });
  return ch;
}
`;

  it("an entry that imports another module's App and exports its own builds both apps' declarations", async () => {
    const entry = writeFeatures({
      "base.ts": BASE,
      "app.ts": `import type { FeatureApi } from "snapfleet";
import { App as Base } from "./base";
export function App(api: FeatureApi) {
  Base(api);
  api.newCommsChannel("extra");
}
`,
    });
    const result = await compileFeatures({ entry });
    assert.deepEqual(result.manifest.channels.map((c) => c.name), ["base-readings", "extra"]);
    assert.deepEqual(result.manifest.controls.map((c) => c.title), ["Base"]);
  });

  it("three levels of App, re-exports and export aliases all build", async () => {
    const files = {
      "base.ts": BASE,
      "mid.ts": `import type { FeatureApi } from "snapfleet";\nimport { App as Base } from "./base";\nexport function App(api: FeatureApi) { Base(api); api.newCommsChannel("mid"); }\n`,
      "app.ts": `import type { FeatureApi } from "snapfleet";\nimport { App as Mid } from "./mid";\nexport { Mid };\nexport function App(api: FeatureApi) { const App = "top"; Mid(api); api.newCommsChannel(App); }\n`,
    };
    const nested = await compileFeatures({ entry: writeFeatures(files) });
    assert.deepEqual(nested.manifest.channels.map((c) => c.name), ["base-readings", "mid", "top"]);
    const reexport = await compileFeatures({ entry: writeFeatures({ "base.ts": BASE, "app.ts": `export { App } from "./base";\n` }) });
    assert.deepEqual(reexport.manifest.channels.map((c) => c.name), ["base-readings"]);
    const star = await compileFeatures({ entry: writeFeatures({ "base.ts": BASE, "app.ts": `export * from "./base";\n` }) });
    assert.deepEqual(star.manifest.channels.map((c) => c.name), ["base-readings"]);
    const aliased = await compileFeatures({
      entry: writeFeatures({ "app.ts": `import type { FeatureApi } from "snapfleet";\nfunction Main(api: FeatureApi) { api.newCommsChannel("main"); }\nconst App2 = 2;\nexport { Main as App, App2 as Two };\n` }),
    });
    assert.deepEqual(aliased.manifest.channels.map((c) => c.name), ["main"]);
  });

  it("a value assigned in a top-level block's var survives esbuild's trailing `var v;`", async () => {
    const result = await compileFeatures({
      entry: writeApp(`  api.log("v=" + v + " total=" + total());`, `{\n  var v = 4;\n}\nfunction total() {\n  for (var i = 0, sum = 0; i < 3; i++) {\n    var step;\n    step = (step || 0) + 1;\n    sum += step;\n  }\n  return sum;\n}`),
    });
    assert.deepEqual(result.buildLogs, ["v=4 total=6"]);
  });

  it("refuses .then and Promise.resolve at the author's line, with what to write instead", async () => {
    const then = await compileError(writeApp(`  const p = new Promise<number>((resolve) => resolve(1));\n  p.then((v) => api.log("" + v));`));
    assertLocated(then, 5, /\.then\(\.\.\.\) is not supported in feature code/);
    assert.match(then.message, /hint: .*use `await` inside an async function/);
    const resolve = await compileError(writeApp(`  api.mcu.onStart(async () => {\n    await Promise.resolve();\n  });`));
    assertLocated(resolve, 5, /Promise\.resolve is not available in feature code/);
  });

  it("an error in the module's top-level code is not blamed on App, and a value thrown by App is reported with its message", async () => {
    const topLevel = await compileError(writeApp(``, `const missing: any = undefined;\nconst y = missing.y;`));
    assertLocated(topLevel, 3, /Cannot access property "y"/);
    assert.match(topLevel.message, /hint: .*top-level module code/);
    assert.doesNotMatch(topLevel.message, /while App\(api\) ran/);
    const thrown = await compileError(writeApp(`  throw new Error("no sensor configured");`));
    assertLocated(thrown, 4, /App\(api\) threw at build time: no sensor configured/);
    // where it was thrown, in a helper App calls, and a standard-library call's line in feature code
    const inHelper = await compileError(writeApp(`  configure();`, `function configure() {\n  throw new Error("no sensor configured");\n}`));
    assertLocated(inHelper, 3, /App\(api\) threw at build time: no sensor configured/);
    const byStdlib = await compileError(writeApp(`  const xs: number[] = [];\n  api.log("" + xs.reduce((a, b) => a + b));`));
    assertLocated(byStdlib, 5, /App\(api\) threw at build time: .*reduce of empty array/);
    // a throw caught in feature code is not blamed for a later one
    const caught = await compileError(writeApp(`  try { throw new Error("first"); } catch (e) { api.log("ok"); }\n  throw new Error("second");`));
    assertLocated(caught, 5, /threw at build time: second/);
  });

  it("an await resumed during the build is refused at the await, not reported as an internal error", async () => {
    const err = await compileError(writeApp(`  const ready = new Promise<number>((resolve) => resolve(1));\n  async function wait() {\n    await ready;\n  }\n  wait();`));
    assertLocated(err, 6, /an async function resumed after `await` during the build/);
    assert.match(err.message, /hint: start async work from a callback/);
  });

  it("an async App still waiting at an await when the build ends fails there, since nothing after it is declared", async () => {
    const body = [
      `  api.newCommsChannel("first");`,
      `  await new Promise((resolve) => api.mcu.onStart(() => resolve(1)));`,
      `  api.newCommsChannel("lost");`,
    ].join("\n");
    const err = await compileError(writeAsyncApp(body));
    assertLocated(err, 5, /App\(api\) was still waiting at this `await` when the build ended/);
    assert.match(err.message, /hint: .*declare everything before the first `await`/);
    assert.match(err.message, /in a callback/);
  });

  it("an async App whose awaits all finish during the build declares what follows them; one that throws after an await fails the build", async () => {
    const helper = "async function loadDefaults() {\n  const defaults = { unit: \"C\" };\n  return defaults;\n}";
    const entry = writeAsyncApp(`  api.newCommsChannel("first");\n  const defaults = await loadDefaults();\n  api.newCommsChannel("after-" + defaults.unit.toLowerCase());`, helper);
    const ok = await compileFeatures({ entry });
    assert.deepEqual(ok.manifest.channels.map((c) => c.name), ["first", "after-c"]);

    const throws = writeAsyncApp(`  api.newCommsChannel("first");\n  await loadDefaults();\n  throw new Error("no sensor configured");`, helper);
    const err = await compileError(throws);
    assertLocated(err, 9, /App\(api\) threw at build time: no sensor configured/);
  });
});
