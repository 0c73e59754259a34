import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import { Microvium } from "microvium";
import { lowerForMicrovium } from "./index";
import { LoweringError } from "./errors";
import { bundleProgram, runInMicrovium, runInNode } from "./testHarness";

const CORPUS = path.join(__dirname, "corpus");

describe("lowerForMicrovium", function () {
  this.timeout(60_000);

  describe("corpus: run() gives the same result in Node, the compile-time VM and the native engine", () => {
    const files = fs.readdirSync(CORPUS).filter((f) => /\.(js|ts)$/.test(f)).sort();
    it("has programs", () => assert.ok(files.length >= 20, `only ${files.length} corpus programs`));
    for (const file of files) {
      it(file, async () => {
        const bundle = await bundleProgram(path.join(CORPUS, file));
        const expected = JSON.stringify(await runInNode(bundle.code));
        const run = runInMicrovium(bundle.code, bundle.map);
        assert.equal(JSON.stringify(run.compileTimeResult), expected, "compile-time VM");
        assert.equal(JSON.stringify(run.nativeResult), expected, "native engine after snapshot");
      });
    }
  });

  describe("export lists", () => {
    it("keeps every exported name, aliases included, with live bindings where the name is kept", async () => {
      const bundle = await bundleProgram(path.join(CORPUS, "exportLists.js"));
      assert.match(bundle.code, /export \{/, "esbuild ends the bundle with an export list");
      const run = runInMicrovium(bundle.code, bundle.map);
      assert.doesNotMatch(run.lowered.code, /export \{/);
      const ns = run.exports;
      assert.equal(ns.helper(), "helper");
      assert.equal(ns.label, "L");
      assert.equal(ns.counter, 2, "run() bumped the counter twice");
      ns.increment();
      assert.equal(ns.counter, 3, "export of a let is live");
      assert.equal(typeof ns.Shape, "function");
      assert.equal(typeof ns.bump, "function");
    });
  });

  describe("composition: an entry exports its own App next to an imported one", () => {
    it("renames what else is called App, at any depth, and exports the entry's own function", () => {
      const code = [
        "function App(api) { return helper(api) + 1; }",
        "function helper(x) { const App = x; return App; }",
        "function App2(api) { return App(api) * 10; }",
        "export { App2 as App, helper };",
      ].join("\n");
      const out = lowerForMicrovium(code, { filename: "feature.js" });
      assert.match(out.code, /export function App\(api\) \{\s*return _App\(api\) \* 10;/);
      assert.doesNotMatch(out.code, /const App\b/, "the nested App would shadow the export");
      const vm = Microvium.create();
      const ns = vm.evaluateModule({ sourceText: out.code, debugFilename: "feature.js" });
      assert.equal(ns.App(4), 50);
      assert.equal(ns.helper(3), 3);
    });
  });

  describe("errors for what can't be lowered", () => {
    // `@` marks where the error must point (it is removed before lowering).
    const cases: Array<[name: string, code: string, message: RegExp, hint: RegExp]> = [
      ["regular expression", "const r = @/ab+c/;", /regular expressions/, /string methods/],
      ["generator", "@function* gen() { yield 1; }", /generators/, /array/],
      ["async generator", "@async function* gen() {}", /async generators/, /array|callback/],
      ["eval", 'const x = @eval("1");', /"eval" is not available/, /write the code directly/],
      ["getter", "const o = { @get x() { return 1; } };", /getters/, /getX\(\)/],
      ["class setter", "class A { @set x(v) {} }", /setters/, /setX\(value\)/],
      ["labeled statement", "@outer: for (let i = 0; i < 1; i++) { break outer; }", /labeled statements/, /flag/],
      ["finally", "try { f(); } catch (e) {} finally @{ g(); }\nfunction f() {}\nfunction g() {}", /finally/, /cleanup/],
      ["class extends", "class A {}\nclass B extends @A {}", /extends/, /compose/],
      ["delete", "const o = { a: 1 };\n@delete o.a;", /delete/, /undefined/],
      ["tagged template", "const t = (s) => s;\n@t`x`;", /tagged template/, /template/],
      ["BigInt", "const n = @10n;", /BigInt/, /number/],
      ["dynamic import", 'const m = @import("./x.js");', /dynamic import/, /statically/],
      ["new.target", "function F() { return @new.target; }", /new\.target/, /constructor argument/],
      ["private field", "class A { @#x = 1; }", /private class members/, /private/],
      ["static block", "class A { @static { } }", /static initialization blocks/, /after the class/],
      ["super in an object method", "const o = { m() { return @super.m(); } };", /super/, /compose|call/],
      ["async class method", "class A { @async load() {} }", /async methods/, /field|function/],
      ["loose equality", "const a = 1, b = 2;\nconst c = @a == b;", /loose equality \(==\)/, /===/],
      ["loose inequality", "const a = 1, b = 2;\nconst c = @a != b;", /loose equality \(!=\)/, /!==/],
      ["unknown global", "@console.log(1);", /"console" is not available/, /api\.log/],
      ["arguments", "function f() { return @arguments; }", /"arguments" is not available/, /rest parameter/],
      ["rest parameter used as a value", "function f(...xs) { return xs; }\nconst g = @f;", /rest parameter.*used as a value/, /array parameter/],
      ["rest parameter on a method", "const o = { m: function (@...xs) { return xs; } };", /rest parameters are supported only/, /array parameter/],
      ["default export", "@export default 1;", /default exports/, /named export/],
      ["unknown Math member", "const x = @Math.foo(1);", /Math\.foo is not available/, /Math\.floor/],
      ["member of a library function", "const c = @String.fromCharCode(65);", /String\.fromCharCode is not available/, /can only be called/],
      ["splice inserting items", "const a = [1];\n@a.splice(0, 1, 2);", /splice with several items/, /slice and spread/],
      ["for await", "async function f(xs) { @for await (const x of xs) {} }", /for await/, /await each/],
      ["promise then", "const p = new Promise((r) => r(1));\np.@then((v) => v);", /\.then\(\.\.\.\) is not supported/, /await/],
      ["promise catch", "async function f() {}\nf().@catch(() => 0);", /\.catch\(\.\.\.\) is not supported/, /try\/catch/],
      ["promise finally", "async function f() {}\nf()?.@finally(() => 0);", /\.finally\(\.\.\.\) is not supported/, /cleanup/],
      ["Promise.resolve", "async function f() { await @Promise.resolve(); }", /Promise\.resolve is not available/, /new Promise/],
      ["Promise.all", "const all = @Promise.all([]);", /Promise\.all is not available/, /one after another/],
      ["await of a non-promise", "async function f() { return @await 5; }", /await of a value that is not a promise/, /only promises/],
      ["object setter", "const o = { @set x(v) {} };", /setters are not supported/, /setX\(value\)/],
      ["class getter", "class A { @get x() { return 1; } }", /class getters/, /getX\(\)/],
      ["computed class method", 'const k = "m";\nclass A { @[k]() {} }', /computed class member names/, /plain name/],
      ["number as a property name", "const o = { @3: 8, a: 1 };", /a number as a property name \(3\)/, /"k3"/],
      ["digits as a property name", 'const o = { @"3": 8 };', /a property name of digits \("3"\)/, /"k3"/],
      ["array in +", "let x = [1];\nx += @[2];", /an array in \+= is not supported/, /join/],
      ["computed class field", 'const k = "m";\nclass A { @[k] = 1; }', /computed class member names/, /plain name/],
      ["private method", "class A { @#m() {} }", /private class members/, /normal method/],
      ["private name read before its field", "class A {\n  has(o) { return @#x in o; }\n  #x = 1;\n}", /private class members/, /normal field/],
      ["import.meta", "const u = @import.meta.url;", /import\.meta is not supported/, /bundled into one module/],
      ["export * left in the bundle", '@export * from "./other.js";', /export \* is not supported/, /explicitly/],
      ["import left in the bundle", '@import fs from "fs";', /import of "fs" was not bundled/, /other feature files/],
      ["export as default", "const x = 1;\nexport { @x as default };", /default exports/, /named export/],
      ["export under a name that is no identifier", 'const x = 1;\nexport { @x as "a-b" };', /export name "a-b" is not an identifier/, /plain identifier/],
      ["new Date()", "const d = new @Date();", /Date can only be used through its members in feature code \(Date\.now\)/, /Date\.now\(\)/],
      ["Date passed around", "const D = @Date;", /Date can only be used through its members/, /keep times as numbers/],
      ["unknown Date member", "const t = @Date.parse(\"2020\");", /Date\.parse is not available/, /available: Date\.now$/],
      ["unknown Number member", "const x = @Number.foo(1);", /Number\.foo is not available/, /Number\.isNaN/],
      ["computed member of a library function", "const c = @String[0];", /String\[\.\.\.\] is not available/, /can only be called/],
      ["setTimeout", "@setTimeout(() => 0, 10);", /"setTimeout" is not available/, /api\.mcu\.setTimeout/],
      ["a host global", "const w = @window.innerWidth;", /"window" is not available/, /through api/],
      ["a typed array", "const b = new @Uint8Array(4);", /"Uint8Array" is not available/, /arrays and plain objects/],
      ["an undeclared name", "const y = @notDeclared + 1;", /"notDeclared" is not available/, /declare it in your code/],
      ["loose equality with a local named undefined", "function f(x, undefined) {\n  return @x == undefined;\n}", /loose equality \(==\)/, /===/],
      ["loose equality of literals of two types", 'const c = @1 == "1";', /loose equality \(==\)/, /===/],
      ["loose equality of template literals", "const c = @`a` != `a`;", /loose equality \(!=\)/, /!==/],
      ["loose equality with void of a call", "const g = () => 0;\nconst c = @g() == void g();", /loose equality \(==\)/, /===/],
      ["exported var declared twice", "var x = 1;\nexport @var x = 2;", /an exported var is declared twice/, /declare it once/],
      ["export over a global the module reads", "const x = Math.floor(1);\nexport { @x as Math };", /exports the name Math and also reads a global Math/, /another name/],
    ];
    for (const [name, marked, message, hint] of cases) {
      it(name, () => {
        const { code, line, column } = unmark(marked);
        const error = captureError(() => lowerForMicrovium(code, { filename: "feature.js" }));
        assert.ok(error instanceof LoweringError, `expected a LoweringError, got ${error}`);
        assert.match(error.message, message);
        assert.match(error.hint, hint);
        assert.deepEqual({ line: error.line, column: error.column }, { line, column }, `position of: ${error.message}`);
      });
    }

    it("reports code the parser rejects (with) at its position", () => {
      const error = captureError(() => lowerForMicrovium("const o = {};\nwith (o) {}", { filename: "feature.js" }));
      assert.ok(error instanceof LoweringError);
      assert.equal(error.line, 2);
    });
  });

  describe("semantics details", () => {
    it("typeof of a global that doesn't exist is \"undefined\", not an error", () => {
      const out = lowerForMicrovium('export const hasWindow = typeof window !== "undefined";', { filename: "feature.js" });
      assert.match(out.code, /"undefined" !== "undefined"/);
    });

    it("leaves a function's first var declaration alone when it gives every name a value, and hoists the others", () => {
      const kept = "export function f(p) {\n  var a = 1;\n  var b = p;\n  return a + b;\n}";
      assert.equal(lowerForMicrovium(kept, { filename: "feature.js" }).code, kept);
      const hoisted: Array<[string, RegExp]> = [
        ["export function f(p) {\n  var a = 1, b;\n  b = a;\n  return b;\n}", /var a, b;/],
        ["export function f(p) {\n  var p = 2;\n  return p;\n}", /^\s*p = 2;/m],
        ["export function f(p) {\n  var a = 1;\n  var a = 2, c = 3;\n  return a + c;\n}", /var c;[\s\S]*a = 2;\s*c = 3;/],
        ["export function f(p) {\n  if (p) {\n    var a = 1;\n  }\n  return a;\n}", /var a;/],
      ];
      for (const [code, expected] of hoisted) assert.match(lowerForMicrovium(code, { filename: "feature.js" }).code, expected, code);
    });

    it("leaves code Microvium already runs alone", () => {
      const code = "export function add(a, b) {\n  let s = a;\n  for (let i = 0; i < 3; i++) {\n    if (i === 1) break;\n    s = s + b;\n  }\n  while (s === 0) s = 1;\n  return s;\n}";
      const out = lowerForMicrovium(code, { filename: "feature.js" });
      assert.equal(out.code, code);
      assert.deepEqual(out.usedStdlib, []);
    });
  });

  describe("comparisons and assignment order", () => {
    it("compares through a helper only where a side may be a string", () => {
      const code = `export function f(a, b, xs) {
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] > 2 * b) n = n + 1;
  return [a < b, n >= 3, a <= -1, Math.round(a) > b, a >= b];
}`;
      const out = lowerForMicrovium(code, { filename: "feature.js" });
      assert.match(out.code, /__sf_lt\(a, b\)/);
      assert.match(out.code, /__sf_ge\(a, b\)/);
      assert.doesNotMatch(out.code, /__sf_(lt|gt|le)\((i|n|a, -1|Math)/);
      assert.match(out.code, /i < /);
      assert.deepEqual(out.usedStdlib.filter((p) => ["__sf_lt", "__sf_gt", "__sf_le", "__sf_ge"].includes(p)).sort(), ["__sf_ge", "__sf_lt"]);
    });

    // The rule (operators.ts): a side is provably a number when it is a numeric literal, arithmetic
    // other than +, unary - + ~, ++/--, x.length, a Math call, a sum of numbers, or a local only ever
    // given numbers. Anything else may be a string, and Microvium doesn't order strings.
    const locals = [
      "let i = 0, k = 0, k2 = 0, k3 = 0, g;",
      "let counter = 0;",
      "counter++;",
      "counter = counter + 1;",
      "let down = 10;",
      "down -= b;",
      "down *= 2;",
      "let later = 0;",
      "later = b;",
      "let grown = 1;",
      "grown += b;",
      "const other = b;",
    ];
    const comparison = (side: string, shadowMath = false) =>
      `export function f(a, b, xs, o, f) {\n  ${[...locals, ...(shadowMath ? ["const Math = { abs: (x) => x };"] : [])].join("\n  ")}\n  return [a < ${side}, ${side} > a];\n}`;

    it("compares directly when a side is provably a number", () => {
      for (const side of ["2 * b", "b - 1", "-b", "+b", "~b", "i++", "--i", "b.length", "Math.abs(b)", "1 + 2", "(i + 1) + 2", "counter", "down", "(k = 3)", "(k2 += 1)", "5 % b", "1 << b"]) {
        const out = lowerForMicrovium(comparison(side), { filename: "feature.js" });
        assert.doesNotMatch(out.code, /__sf_(lt|gt)/, `a < ${side}`);
      }
    });

    it("compares through the helper, with JavaScript's result for strings, when a side may be a string", async () => {
      const sides = ["b + 1", "1 + b", "later", "grown", "o.size", "xs[0]", "f()", "(g = b)", "(k3 += b)", "Math.abs(b)", "other", "typeof b"];
      for (const side of sides) {
        const code = comparison(side, side.startsWith("Math"));
        const out = lowerForMicrovium(code, { filename: "feature.js" });
        assert.match(out.code, /__sf_lt\(a, /, `a < ${side}`);
        assert.match(out.code, /__sf_gt\(/, `${side} > a`);
        const program = `${code.replace("export function f", "function f")}\nexport function run() {\n  return JSON.stringify(["a", "b1", "x", "10", "9"].map((a) => f(a, "b", ["c"], { size: "a" }, () => "ab")));\n}`;
        const expected = await runInNode(program);
        const run = runInMicrovium(program);
        assert.equal(run.compileTimeResult, expected, `a < ${side} (compile-time VM)`);
        assert.equal(run.nativeResult, expected, `a < ${side} (native engine)`);
      }
    });

    it("gives JavaScript's result for the == and != it accepts, in code that didn't come through esbuild", async () => {
      const program = [
        "export function run() {",
        "  const out = [];",
        "  let calls = 0;",
        "  const f = () => { calls++; return null; };",
        '  const values = [null, undefined, 0, "", "s", 1];',
        "  for (let i = 0; i < values.length; i++) {",
        "    const v = values[i];",
        '    out.push(typeof v == "string", "number" != typeof v, v == undefined, undefined != v, v == void 0, void 0 == v);',
        "  }",
        '  out.push(1 == 1, 1 != 2, "a" != "b", "a" == "a", true == false, f() == null, f() != undefined, calls);',
        "  return JSON.stringify(out);",
        "}",
      ].join("\n");
      const expected = await runInNode(program);
      const run = runInMicrovium(program);
      assert.equal(run.compileTimeResult, expected, "compile-time VM");
      assert.equal(run.nativeResult, expected, "native engine");
    });

    it("hoists the key of o[k] = v only when evaluating v could run first and change it", () => {
      const plain = lowerForMicrovium("export function f(o, xs, g) {\n  for (let i = 0; i < 3; i++) xs[i] = g(i);\n  o[\"k\"] = g(1);\n}", { filename: "feature.js" });
      assert.doesNotMatch(plain.code, /_k/);
      const hoisted = lowerForMicrovium("export function f(o, g) {\n  o[g(0)] = g(1);\n}", { filename: "feature.js" });
      assert.match(hoisted.code, /_k = g\(0\)/);
      assert.doesNotMatch(hoisted.code, /_o\b/, "o is a parameter nothing assigns: it stays where it is");
      const reassignedToo = lowerForMicrovium("export function f(o, g) {\n  let i = 0;\n  i = g(2);\n  const bump = () => i++;\n  o[i] = bump();\n}", { filename: "feature.js" });
      assert.match(reassignedToo.code, /_k = i/, "one of i's assignments is in a function the right side calls");
      const captured = lowerForMicrovium("export function f(o, g) {\n  let i = 0;\n  const bump = () => i++;\n  o[i] = bump();\n}", { filename: "feature.js" });
      assert.match(captured.code, /_k = i/, "i changes in another function the right side calls");
    });
  });

  describe("guardValueReads", () => {
    const program = [
      "export function run() {",
      "  const plain = { value: 1 };",
      "  const { value } = plain;",
      "  plain.value = 5;",
      "  plain.value += 2;",
      "  plain.value++;",
      "  const viaChain = plain?.value;",
      '  const viaIndex = plain["value"];',
      "  const stub = { sfSecretStub: \"wifi\" };",
      "  const errors = [];",
      "  try { const leaked = stub.value; errors.push(\"no error\"); } catch (e) { errors.push(e); }",
      "  try { const { value: leaked } = stub; errors.push(\"no error\"); } catch (e) { errors.push(e); }",
      "  return JSON.stringify([value, plain.value, viaChain, viaIndex, errors]);",
      "}",
    ].join("\n");
    const installGuard = (vm: Microvium) => {
      const guard = vm.evaluateModule({
        sourceText: 'export function readValue(o) { if (typeof o === "object" && o !== null && o.sfSecretStub !== undefined) throw "secret " + o.sfSecretStub; return o.value; }',
        debugFilename: "guard.js",
      });
      vm.globalThis.__sf_readValue = guard.readValue;
    };

    it("routes every read of .value through __sf_readValue and keeps writes", () => {
      const out = lowerForMicrovium(program, { filename: "feature.js", guardValueReads: true });
      const valueAccesses = out.code.match(/\.value\b[^\n]*/g) ?? [];
      for (const access of valueAccesses) assert.match(access, /^\.value =[^=]/, `unguarded access: ${access}`);
      assert.ok(out.code.includes("__sf_readValue("));
    });

    it("throws on a secret stub and reads ordinary values, in both engines", () => {
      const run = runInMicrovium(program, undefined, { guardValueReads: true, prepare: installGuard });
      const expected = JSON.stringify([1, 8, 8, 8, ["secret wifi", "secret wifi"]]);
      assert.equal(run.compileTimeResult, expected);
      assert.equal(run.nativeResult, expected);
    });

    it("keeps what every other kind of read and update of .value does, as Node runs the code unguarded", async () => {
      const ordinary = [
        "export function run() {",
        "  const o = { value: 10 };",
        "  const results = [o.value--, o.value, --o.value, ++o.value, o.value++, o.value];",
        '  o["value"] -= 3;',
        '  results.push(o["value"]++, o["value"], o.value ** 2);',
        "  let calls = 0;",
        "  const held = { value: 1 };",
        "  const next = () => { calls++; return held; };",
        "  next().value += 5;",
        "  results.push(next().value++, --next().value, calls, held.value);",
        "  const counter = { n: 4, value() { return this.n * 2; } };",
        '  results.push(counter.value(), counter["value"]());',
        "  class Box { constructor() { this.value = 7; } double() { return this.value * 2; } }",
        "  const other = { n: 3, value: 1 };",
        '  results.push(new Box().double(), other.n, other["n"]);',
        "  let copy;",
        "  copy = other.value;",
        "  results.push(copy);",
        "  return JSON.stringify(results);",
        "}",
      ].join("\n");
      const expected = await runInNode(ordinary);
      const run = runInMicrovium(ordinary, undefined, { guardValueReads: true, prepare: installGuard });
      assert.equal(run.compileTimeResult, expected, "compile-time VM");
      assert.equal(run.nativeResult, expected, "native engine");
    });

    it("throws on a secret stub for updates, compound assignments and quoted reads too", () => {
      const attempts = ["leaked = stub.value", "id(stub.value)", "stub.value++", "--stub.value", "stub.value += 1", 'stub["value"]', 'stub["value"] *= 2', "make().value", "make().value -= 1", "make().value--"];
      const secretReads = [
        "export function run() {",
        '  const stub = { sfSecretStub: "wifi" };',
        "  const make = () => stub;",
        "  const id = (x) => x;",
        "  let leaked;",
        "  const errors = [];",
        ...attempts.map((a) => `  try { ${a}; errors.push("no error: ${a.replace(/"/g, "'")}"); } catch (e) { errors.push(e); }`),
        "  return JSON.stringify(errors);",
        "}",
      ].join("\n");
      const run = runInMicrovium(secretReads, undefined, { guardValueReads: true, prepare: installGuard });
      const expected = JSON.stringify(attempts.map(() => "secret wifi"));
      assert.equal(run.compileTimeResult, expected);
      assert.equal(run.nativeResult, expected);
    });

    it("is off by default", () => {
      const out = lowerForMicrovium(program, { filename: "feature.js" });
      assert.ok(!out.code.includes("__sf_readValue"));
    });
  });

  describe("usedStdlib and snapshot size", () => {
    const noLibrary = "export function run() {\n  let s = 0;\n  for (let i = 0; i < 10; i++) s += i * 2;\n  return s;\n}";

    it("is empty for a program that uses no library, whose snapshot installStdlib doesn't grow", () => {
      const withLib = runInMicrovium(noLibrary);
      const withoutLib = runInMicrovium(noLibrary, undefined, { withoutStdlib: true });
      assert.deepEqual(withLib.lowered.usedStdlib, []);
      assert.equal(withLib.nativeResult, 90);
      assert.ok(withLib.snapshot.length <= withoutLib.snapshot.length, `${withLib.snapshot.length} > ${withoutLib.snapshot.length}`);
    });

    it("names only the pieces used, so the snapshot carries only those", () => {
      const floorOnly = runInMicrovium("export function run() {\n  return Math.floor(7.5);\n}");
      assert.deepEqual(floorOnly.lowered.usedStdlib, ["Math.floor"]);
      assert.equal(floorOnly.nativeResult, 7);
      const wholeMath = runInMicrovium("export function run() {\n  const M = Math;\n  return M.floor(7.5);\n}");
      assert.ok(wholeMath.lowered.usedStdlib.includes("Math.random"), "a bare Math reference needs every member");
      assert.ok(floorOnly.snapshot.length + 500 < wholeMath.snapshot.length, `${floorOnly.snapshot.length} vs ${wholeMath.snapshot.length}`);
    });

    it("collects array methods, string helpers and lowering helpers from the lowered code", () => {
      const out = lowerForMicrovium("export function run(xs, s) {\n  return [...xs].map((x) => x + s.length);\n}", { filename: "feature.js" });
      assert.deepEqual(out.usedStdlib, ["Array.prototype.map", "__sf_len", "__sf_spread"]);
    });
  });

  describe("source map", () => {
    it("maps lowered code back to the original source file", async () => {
      const file = path.join(CORPUS, "codedLogger.js");
      const bundle = await bundleProgram(file);
      const out = lowerForMicrovium(bundle.code, { filename: "feature.js", inputSourceMap: bundle.map });
      const lines = out.code.split("\n");
      const lineIndex = lines.findIndex((l) => l.includes('"Unknown message"'));
      assert.ok(lineIndex >= 0, out.code);
      const pos = originalPositionFor(new TraceMap(out.map as ConstructorParameters<typeof TraceMap>[0]), { line: lineIndex + 1, column: lines[lineIndex].indexOf("__sf_at") });
      assert.ok(pos.source?.endsWith("corpus/codedLogger.js"), `mapped to ${pos.source}`);
      const original = fs.readFileSync(file, "utf8").split("\n");
      assert.match(original[pos.line! - 1], /function decode/);
    });
  });
});

/** Removes the `@` marker and returns where it was (1-based line, 0-based column). */
function unmark(marked: string): { code: string; line: number; column: number } {
  const at = marked.indexOf("@");
  const before = marked.slice(0, at).split("\n");
  return { code: marked.slice(0, at) + marked.slice(at + 1), line: before.length, column: before[before.length - 1].length };
}

function captureError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
