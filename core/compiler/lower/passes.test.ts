import assert from "node:assert/strict";
import { lowerForMicrovium } from "./index";
import { LoweringError } from "./errors";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bundleProgram, runInMicrovium, runInNode } from "./testHarness";

// What the deciding passes promise, at the edges a mutation run showed untested (lower.test.ts
// holds the main cases): a program gives Node's result in both engines, and a construct the
// lowering refuses is reported at its position with a hint.

/** Node's result of run(), and both Microvium engines' after lowering, must be the same. */
async function assertSameAsNode(program: string, what: string): Promise<void> {
  const expected = await runInNode(program);
  const run = runInMicrovium(program);
  assert.equal(run.compileTimeResult, expected, `${what} (compile-time VM)`);
  assert.equal(run.nativeResult, expected, `${what} (native engine)`);
}

/** esbuild's bundle of the files (name → text; the entry is main.js), as the compiler bundles
 * features: Node's result of the bundle's run() and both engines' after lowering must agree. */
async function assertBundleSameAsNode(files: Record<string, string>, what: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-passes-"));
  try {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const { code } = await bundleProgram(path.join(dir, "main.js"));
    const expected = await runInNode(code);
    const run = runInMicrovium(code);
    assert.equal(run.compileTimeResult, expected, `${what} (compile-time VM)`);
    assert.equal(run.nativeResult, expected, `${what} (native engine)`);
    return code;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `@` marks where the error must point; returns the error for further checks. */
function assertRefusedAt(marked: string, message: RegExp, hint: RegExp): LoweringError {
  const at = marked.indexOf("@");
  const before = marked.slice(0, at).split("\n");
  const code = marked.slice(0, at) + marked.slice(at + 1);
  let error: unknown;
  try {
    lowerForMicrovium(code, { filename: "feature.js" });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof LoweringError, `${code}: expected a LoweringError, got ${error}`);
  assert.match(error.message, message, code);
  assert.match(error.hint, hint, code);
  assert.deepEqual({ line: error.line, column: error.column }, { line: before.length, column: before[before.length - 1].length }, `position of: ${error.message}`);
  return error;
}

describe("lowering passes at their edges", function () {
  this.timeout(60_000);

  describe("loose equality: only the forms with JavaScript's result are accepted", () => {
    const refused: string[] = [
      'const a = 1;\nconst c = @"1" == a;',
      'const a = 1;\nconst c = @a == "1";',
      "const a = 1, b = 2;\nconst c = @typeof a == b;",
      "const a = 1, b = 2;\nconst c = @b != typeof a;",
      "const a = 1;\nconst c = @typeof a == 1;",
      "const a = 1;\nconst c = @1 != typeof a;",
      'const c = @"1" == 1;',
      'const a = 1;\nconst c = @-a == "-1";',
      'const a = 1;\nconst c = @"false" != !a;',
      "const c = @0 == false;",
    ];
    for (const marked of refused) {
      it(`refuses ${marked.split("\n").pop()!.replace("@", "")}`, () => {
        assertRefusedAt(marked, /loose equality \((==|!=)\) is not supported/, /use (===|!==) \(x (==|!=) null is fine/);
      });
    }

    it("accepts == null and == undefined on either side, evaluating the other side once", async () => {
      const program = [
        "export function run() {",
        "  let calls = 0;",
        "  const values = [null, undefined, 0, \"\", false];",
        "  const next = () => values[calls++];",
        "  const out = [];",
        "  for (let i = 0; i < values.length; i++) out.push(null == next());",
        "  calls = 0;",
        "  for (let i = 0; i < values.length; i++) out.push(next() != undefined);",
        "  const o = { v: null };",
        "  out.push(o.v == null, null != o.v, calls);",
        "  return JSON.stringify(out);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "== null");
    });
  });

  describe("comparisons: the helper is skipped only for a side that is provably a number", () => {
    const locals = [
      "let shifted = 8;",
      "shifted >>= 1;",
      "shifted <<= 2;",
      "shifted >>>= 1;",
      "shifted **= 1;",
      "let mixed = 0;",
      "mixed = 1;",
      "mixed = b;",
      "let grows = 0;",
      "grows += 1;",
      "let later = 0;",
      "later = b;",
      'const length = "x";',
      "const box = { n: 0 };",
      "let unset;",
      "unset = 1;",
    ];
    const comparison = (side: string) => `export function f(a, b) {\n  ${locals.join("\n  ")}\n  return [a < ${side}, ${side} >= a];\n}`;

    it("compares directly with a local changed only by arithmetic assignments", () => {
      for (const side of ["shifted", "grows", "(grows -= 1)", "(shifted |= 1)", "(box.n = 3)", "(box.n -= 1)"]) {
        const out = lowerForMicrovium(comparison(side), { filename: "feature.js" });
        assert.doesNotMatch(out.code, /__sf_(lt|ge)/, `a < ${side}`);
      }
    });

    it("keeps the helper, with JavaScript's result, for every side that may be a string", async () => {
      const sides = ["mixed", "(later += 1)", "b", "Infinity", "(a < b)", "!b", "unset", "(mixed = 1, b)", "b[length]", "b.trim()", "b.slice(1)"];
      for (const side of sides) {
        const code = comparison(side);
        const out = lowerForMicrovium(code, { filename: "feature.js" });
        assert.match(out.code, /__sf_lt\(a, /, `a < ${side}`);
        assert.match(out.code, /__sf_ge\(/, `${side} >= a`);
        const program = `${code.replace("export function f", "function f")}\nexport function run() {\n  return JSON.stringify(["a", "b1", "x", "10", "9", "c"].map((a) => f(a, "b")));\n}`;
        await assertSameAsNode(program, `a < ${side}`);
      }
    });
  });

  describe("globals: namespaces and the members the VM provides", () => {
    it("refuses Date read through a computed member, like any other use of Date as a value", () => {
      assertRefusedAt('const t = @Date["now"]();', /Date can only be used through its members in feature code \(Date\.now\)/, /keep times as numbers/);
    });

    it("refuses a global the VM lacks under any unary operator but typeof", () => {
      assertRefusedAt("const w = !@window;", /"window" is not available in feature code/, /through api/);
      assertRefusedAt("const n = -@notDeclared;", /"notDeclared" is not available in feature code/, /declare it in your code/);
    });

    it("offers, for a member a namespace lacks, only members that exist, in alphabetical order", () => {
      for (const [namespace, real] of [["Math", Math], ["Number", Number], ["JSON", JSON]] as const) {
        const error = assertRefusedAt(`const x = @${namespace}.nothing(1);`, new RegExp(`${namespace}\\.nothing is not available`), /^available: /);
        const offered = error.hint.replace(/^available: /, "").split(", ");
        assert.ok(offered.length > 0, error.hint);
        assert.deepEqual([...offered].sort(), offered, `sorted: ${error.hint}`);
        for (const name of offered) {
          assert.ok(name.startsWith(`${namespace}.`), `${name} in ${error.hint}`);
          assert.notEqual((real as unknown as Record<string, unknown>)[name.slice(namespace.length + 1)], undefined, `${name} offered but JavaScript has no such member`);
        }
      }
    });

    it("refuses a member Reflect doesn't have, naming the one it has", () => {
      const error = assertRefusedAt("const k = @Reflect.keys({});", /Reflect\.keys is not available in feature code/, /^available: Reflect\.ownKeys$/);
      assert.equal(error.hint, "available: Reflect.ownKeys");
    });

    it("runs the builtin members (Number.isNaN, Reflect.ownKeys) and computed namespace members as Node does", async () => {
      const program = [
        "export function run() {",
        '  const name = "max";',
        '  const constant = "PI";',
        "  return JSON.stringify([Number.isNaN(0 / 0), Number.isNaN(1), Reflect.ownKeys({ a: 1, b: 2 }), Math[name](1, 2), Math[constant] > 3]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "namespace members");
    });
  });

  describe("var: one variable per function, whatever shape its declarations have", () => {
    it("keeps JavaScript's values for var in for heads with no, one and several values", async () => {
      const program = [
        "export function run() {",
        "  const out = [];",
        "  for (var none; out.length < 2; ) out.push(none);",
        "  for (var one = 0; one < 2; one++) out.push(one);",
        "  for (var i = 0, j = 3; i < j; i++, j--) out.push(i * 10 + j);",
        "  for (var k, m = 1; m < 3; m++) { k = (k || 0) + m; }",
        "  return JSON.stringify([out, none, one, i, j, k, m]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "var in for heads");
    });

    it("keeps JavaScript's values for var as the single statement of an if, else or loop body", async () => {
      const program = [
        "function pick(p) {",
        "  if (p) var a = 1, b = 2;",
        "  else var c = 3;",
        "  if (!p) var d;",
        "  let n = 0;",
        "  while (n < 2) var e = n++;",
        "  for (let i = 0; i < 2; i++) var g = i * 2;",
        "  return [a, b, c, d, e, n, g];",
        "}",
        "function redeclared(p) {",
        "  var kept = 5;",
        "  if (p) var kept;",
        "  else var kept;",
        "  return kept;",
        "}",
        "export function run() {",
        "  return JSON.stringify([pick(true), pick(false), redeclared(true), redeclared(false)]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "var as a single statement");
    });

    it("declares at the start of the function only a var first declared in a nested block; a first statement-level declaration with values stays", async () => {
      const program = [
        "function f(p) {",
        "  const seen = [typeof early];",
        "  var early = 1, late = early + 1;",
        "  { var inner = late * 2; }",
        "  return seen.concat([early, late, inner]);",
        "}",
        "export function run() {",
        "  return JSON.stringify(f(0));",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "nested var");
      const out = lowerForMicrovium(program, { filename: "feature.js" });
      assert.match(out.code, /function f\(p\) \{\s*var inner;\s*const seen/);
      assert.match(out.code, /var early = 1,\s*late = early \+ 1;/);
    });
  });

  describe("property names that are numbers or digits: refused where written, other names kept", () => {
    // The device engine keeps a number as a number (Object.keys gives 3, JSON.stringify {3:8}) or
    // fails (1.5, -1, 8192); a string of digits always fails (error 12). The compile-time VM gives
    // JavaScript's results, so without the refusal only the device would go wrong.
    const numbers: string[] = [
      "const o = { @3: 8, a: 1 };",
      "const o = { a: 1, @0: 2 };",
      "const o = { [@3]: 8 };",
      "const o = { @1.5: 8 };",
      "const o = { [@-1]: 8 };",
      "const o = { @8192: 8 };",
      "const o = { @0x10: 8 };",
      "const o = { @3() { return 1; } };",
      "class A { @3 = 1; }",
      "class A { static @4() {} }",
    ];
    for (const marked of numbers) {
      it(`refuses ${marked.replace("@", "")}`, () => {
        assertRefusedAt(marked, /^a number as a property name \(-?[0-9.x]+\) is not supported in feature code: on the device, Object\.keys and JSON\.stringify see a number/, /^use a name that isn't a number, e\.g\. "k-?[0-9.]+", or an array, or a Map$/);
      });
    }
    const digits: string[] = [
      'const o = { @"3": 8 };',
      'const o = { @"03": 8 };',
      'const o = { [@"3"]: 8 };',
      "const o = { [@`7`]: 8 };",
      'class A { @"4"() {} }',
      'const o = { a: 1 };\nconst { @"3": v } = o;',
    ];
    for (const marked of digits) {
      it(`refuses ${marked.split("\n").pop()!.replace("@", "")}`, () => {
        assertRefusedAt(marked, /^a property name of digits \(("|`)[0-9]+("|`)\) is not supported in feature code: the device engine fails on it \(Microvium error 12\)$/, /^use a name that isn't a number, e\.g\. "k[0-9]+", or an array, or a Map$/);
      });
    }
    const members: string[] = ['const o = { a: 1 };\nconst v = o[@"3"];', 'const xs = [1];\nconst v = xs?.[@"0"];', 'const o = {};\no[@"12"] = 1;', "const xs = [1];\nconst v = xs[@`0`];"];
    for (const marked of members) {
      it(`refuses ${marked.split("\n").pop()!.replace("@", "")}`, () => {
        assertRefusedAt(marked, /^a member name of digits \(("|`)[0-9]+("|`)\) is not supported/, /^index an array with a number \(xs\[[0-9]+\]\); give an object's members names that aren't numbers, e\.g\. "k[0-9]+"$/);
      });
    }

    it("says which name and suggests one", () => {
      const error = assertRefusedAt("const o = { @0x10: 8 };", /\(0x10\).*\{16:\.\.\.\}/, /"k16"/);
      assert.equal(error.hint, 'use a name that isn\'t a number, e.g. "k16", or an array, or a Map');
      assertRefusedAt('const o = { @"007": 8 };', /\("007"\)/, /"k007"/);
    });

    it("keeps names that only look like numbers, array indexes and number keys in patterns, as Node gives them", async () => {
      const program = [
        "export function run() {",
        '  const o = { "-1": 1, "1.5": 2, "1e3": 3, " 3": 4, "": 5, "٣": 6, "3a": 7, a: 8 };',
        "  const xs = [10, 20, 30, 40];",
        "  const { 0: first, 3: last } = xs;",
        "  let i = 2;",
        '  return JSON.stringify([JSON.stringify(o), Object.keys(o), o["-1"], o["1.5"], o["1e3"], o[" 3"], o[""], o["3a"], xs[3], xs[i], first, last, 3 in o, "3" in o]);',
        "}",
      ].join("\n");
      await assertSameAsNode(program, "names that look like numbers");
    });
  });

  describe("arrays turned into strings: refused where written", () => {
    // Microvium doesn't convert an array to a string: [1] + [2] gives NaN in both engines, "a" + [2]
    // gives "a[Object]" on the device ("a[Array]" in the compile-time VM), where Node gives "12" and "a2".
    const refused: string[] = [
      "let x = [1];\nx += @[2];",
      'const s = "a" + @[2];',
      "const s = @[1] + [2];",
      "const xs = [1, 2];\nconst s = @xs + \"\";",
      "const xs = [1, 2];\nlet s = \"a\";\ns += @xs;",
      "const s = `${@[1, 2]}`;",
      "const xs = [1, 2];\nconst s = `a${@xs}b`;",
    ];
    for (const marked of refused) {
      it(`refuses ${marked.split("\n").pop()!.replace("@", "")}`, () => {
        assertRefusedAt(marked, /^an array in (\+|\+=|a template literal) is not supported in feature code: Microvium doesn't turn an array into a string \(\[1\] \+ \[2\] gives NaN, "a" \+ \[2\] gives "a\[Object\]" on the device\)$/, /^convert it first: xs\.join\(","\) or String\(xs\)$/);
      });
    }

    it("accepts what works: converted arrays, numbers and strings, a name that held an array and was reassigned", async () => {
      const program = [
        "export function run() {",
        "  const xs = [1, 2];",
        "  let v = [3];",
        "  v = 4;",
        "  let s = \"a\";",
        "  s += xs.join(\"-\");",
        "  return JSON.stringify([String(xs) + \"|\" + xs.join(\",\"), `${xs.length}:${xs[0]}`, v + 1, s, 1 + 2, \"x\" + \"y\"]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "converted arrays");
    });
  });

  describe("promises: what Microvium's Promise lacks is refused where it is written", () => {
    const refused: Array<[string, RegExp, RegExp]> = [
      ['const p = new Promise((r) => r(1));\np[@"then"]((v) => v);', /\.then\(\.\.\.\) is not supported/, /await/],
      ['async function f() {}\nf()?.[@"catch"](() => 0);', /\.catch\(\.\.\.\) is not supported/, /try\/catch/],
      ["const p = new Promise((r) => r(1));\np.@finally(() => 0);", /\.finally\(\.\.\.\) is not supported/, /cleanup after the `await`/],
      ["const p = @Promise.reject(1);", /Promise\.reject is not available/, /throw inside an async function/],
      ['const p = @Promise["resolve"](1);', /Promise\.resolve is not available/, /use the value itself/],
      ["const k = \"race\";\nconst p = @Promise[k]([]);", /Promise\.\[\.\.\.\] is not available/, /one after another/],
      ["async function f() { return @await [1]; }", /await of a value that is not a promise/, /use the value directly/],
      ["async function f() { return @await { a: 1 }; }", /await of a value that is not a promise/, /use the value directly/],
      ["async function f() { return @await undefined; }", /await of a value that is not a promise/, /use the value directly/],
      ['async function f() { return @await "s"; }', /await of a value that is not a promise/, /use the value directly/],
    ];
    for (const [marked, message, hint] of refused) {
      it(`refuses ${marked.split("\n").pop()!.replace("@", "")}`, () => {
        assertRefusedAt(marked, message, hint);
      });
    }

    it("accepts await of a name or a call, whose value may be a promise", () => {
      const out = lowerForMicrovium("export async function f(p, g) {\n  const a = await p;\n  return a + (await g());\n}", { filename: "feature.js" });
      assert.match(out.code, /await p;/);
      assert.match(out.code, /await g\(\)/);
    });

    it("accepts Promise.prototype, a local named Promise and methods reached by a computed key, and runs them as Node does", async () => {
      const program = [
        "const proto = Promise.prototype;",
        "function shadowed(Promise) {",
        "  return Promise.all([1, 2]);",
        "}",
        "export function run() {",
        '  const key = "then";',
        "  const thenable = { then(f) { return f(2); } };",
        "  async function later() { return 3; }",
        "  const p = later();",
        "  return JSON.stringify([typeof proto, shadowed({ all: (xs) => xs.length }), thenable[key]((x) => x * 5), p instanceof Promise]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "Promise uses that are fine");
    });
  });

  describe("sequences: each item evaluated once, in order, the last one the value", () => {
    it("gives Node's result for sequences as statements, in returns and inside expressions", async () => {
      const program = [
        "export function run() {",
        "  const log = [];",
        "  const note = (x) => { log.push(x); return x; };",
        "  function early() {",
        '    return note("a"), note("b"), note("c");',
        "  }",
        "  function namesToo(n) {",
        "    return n, note(n), n + 1;",
        "  }",
        '  note("s1"), note("s2");',
        '  const inside = (note("e1"), note("e2"), note("e3"));',
        '  const single = [(note("f1"), 0), (log.length, note("f2"))];',
        "  let i = 0, j = 10;",
        "  for (; i < j; i++, j--) note(i + j);",
        "  return JSON.stringify([early(), namesToo(5), inside, single, log]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "sequences");
    });
  });

  describe("object literals: keys Microvium can't compile are assigned, values once and in source order", () => {
    it("gives Node's result for computed and quoted keys, first or after plain ones", async () => {
      const program = [
        "export function run() {",
        "  const log = [];",
        "  const note = (x) => { log.push(x); return x; };",
        '  const k = "dyn";',
        "  const computedFirst = { [k]: note(1), after: note(2) };",
        '  const quotedFirst = { "x-y": note(3), plain: note(4) };',
        '  const mixed = { plain: note(5), [k + "2"]: note(6), "a b": note(7), last: note(8) };',
        "  return JSON.stringify([computedFirst, quotedFirst, mixed, log]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "object keys");
    });

    it("keeps a literal whose keys are identifiers, quoted or reserved words too, as a literal (no temporary)", async () => {
      const program = 'export function run() { const o = { "quoted": 1, "class": 2, plain: 3 }; return JSON.stringify(o); }';
      await assertSameAsNode(program, "identifier keys");
      const { code } = lowerForMicrovium(program, { filename: "feature.js" });
      assert.match(code, /\{\s*quoted: 1,\s*class: 2,\s*plain: 3\s*\}/, code);
    });

    it("spreads with one __sf_assign per spread and per run of members after one, with Node's result", async () => {
      const program = [
        "export function run() {",
        "  const a = { x: 1, y: 2 }, b = { y: 3, z: 4 };",
        "  const one = { ...a };",
        '  const all = { w: 0, ...a, ...b, z: 5, "q-r": 6 };',
        "  return JSON.stringify([one, all, a, b]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "object spread");
      const { code } = lowerForMicrovium(program, { filename: "feature.js" });
      // { ...a }: 1; { w, ...a, ...b, z, "q-r" }: the first run is the start object, then a, b, and the last run.
      assert.equal(code.match(/__sf_assign\(/g)?.length, 1 + 3, code);
    });
  });

  describe("namespace imports: esbuild's getters become assignments once the module has run", () => {
    const units = 'export const metre = 1;\nexport function km(n) { return n * 1000; }\n';

    it("gives Node's result for a namespace used as a value", async () => {
      const code = await assertBundleSameAsNode(
        {
          "units.js": units,
          "main.js": 'import * as units from "./units.js";\nconst table = [units];\nexport function run() { return JSON.stringify([Object.keys(table[0]).sort(), table[0].metre, table[0].km(2)]); }\n',
        },
        "namespace import",
      );
      assert.match(code, /__export\(units_exports/, "the bundle must hold esbuild's namespace helper for this test to mean anything");
    });

    it("leaves a program's own top-level call with an object of arrows alone", async () => {
      await assertBundleSameAsNode(
        {
          "units.js": units,
          "main.js": [
            'import * as units from "./units.js";',
            "const registry = { calls: 0 };",
            "function register(target, all) { target.calls++; target.twice = all.twice; }",
            "register(registry, { twice: () => 2 * units.metre });",
            "export function run() { return JSON.stringify([registry.calls, registry.twice(), [units][0].km(3)]); }",
          ].join("\n"),
        },
        "own call beside a namespace",
      );
    });

    it("keeps a program's own variable called __defProp when there is no namespace", async () => {
      await assertSameAsNode("var __defProp = 40;\nexport function run() { return __defProp + 2; }", "own __defProp");
    });

    it("finds the helpers declared in one var statement at the start of the module", async () => {
      const program = [
        "var __defProp = Object.defineProperty, __export = (target, all) => {",
        "  for (var name in all) __defProp(target, name, { get: all[name], enumerable: true });",
        "};",
        "var units_exports = {};",
        "__export(units_exports, { metre: () => metre, km: () => km });",
        "var metre = 1;",
        "function km(n) { return n * 1000; }",
        "export function run() { return JSON.stringify([units_exports.metre, units_exports.km(2)]); }",
      ].join("\n");
      await assertSameAsNode(program, "helpers in one declaration");
    });
  });

  describe("destructuring: one assignment per name, the source read once", () => {
    it("gives Node's result for declarations mixing plain names (with and without a value) and patterns", async () => {
      const program = [
        "export function run() {",
        "  const o = { a: 1, b: [2, 3] };",
        "  let before, { a, b: [c, d = 9] } = o, after = a + c;",
        "  const first = 0, [x, y] = [4, 5];",
        "  before = first;",
        "  return JSON.stringify([before, a, c, d, after, x, y]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "mixed declarations");
    });

    it("reads the source once when an assigned name is the source itself (walking a list)", async () => {
      const program = [
        "export function run() {",
        "  let node = { value: 1, next: { value: 2, next: { value: 3, next: null } } };",
        "  let value, seen = [], copy;",
        "  while (node) {",
        "    ({ next: node, value } = node);",
        "    seen.push(value);",
        "  }",
        "  let list = { head: 7, rest: { head: 8 } };",
        "  const back = ({ rest: list, head: value } = list);",
        "  return JSON.stringify([seen, value, list, back.head]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "source among the targets");
    });

    it("gives Node's result for a destructuring assignment as the only statement of an if, else or loop", async () => {
      const program = [
        "export function run() {",
        "  let a = 1, b = 2, n = 0;",
        "  if (a < b) [a, b] = [b, a];",
        "  else [a] = [0];",
        "  for (let i = 0; i < 3; i++) [n] = [n + i];",
        "  return JSON.stringify([a, b, n]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "single-statement bodies");
    });
  });

  describe("classes and function expressions: what Microvium compiles, no more code than needed", () => {
    it("gives Node's result for a class in a declaration beside other names and in a for head", async () => {
      const program = [
        "export function run() {",
        "  let Point = class { constructor(x) { this.x = x; } twice() { return 2 * this.x; } }, origin = 5;",
        "  const out = [new Point(origin).twice()];",
        "  for (let K = class { static one() { return 1; } }, i = 0; i < 2; i++) out.push(K.one() + i);",
        "  for (const Z = class { static two() { return 2; } }; out.length < 4;) out.push(Z.two());",
        "  return JSON.stringify(out);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "classes beside other declarators");
    });

    it("makes a class bound once by var a class declaration and drops an unused function expression name (no wrapping arrow)", async () => {
      const program = [
        "var Counter = class Inner { constructor() { this.n = 1; } };",
        "const add = function named(a, b) { return a + b; };",
        "export function run() { return add(new Counter().n, 2); }",
      ].join("\n");
      await assertSameAsNode(program, "class and function expression");
      const { code } = lowerForMicrovium(program, { filename: "feature.js" });
      assert.match(code, /^class Counter \{/m, code);
      assert.doesNotMatch(code, /=>|named|Inner/, code);
    });
  });

  describe("Map and Set: iterated through __sf_iter wherever the program iterates, and only then", () => {
    it("gives Node's result for array destructuring assignments, a Set assigned whole and calls taking a Map, a Set or a string", async () => {
      const program = [
        "export function run() {",
        "  const s = new Set([3, 4]);",
        "  const m = new Map([[\"k\", 1]]);",
        "  let a, b, entry;",
        "  [a, b] = s;",
        "  [entry] = m;",
        "  let held;",
        "  held = s;",
        "  const makeMap = () => new Map([[\"x\", 2]]);",
        "  const pairs = [];",
        "  for (const [k, v] of makeMap()) pairs.push(k + v);",
        "  return JSON.stringify([a, b, entry, pairs, Array.isArray(m), Array.isArray(s), Array.isArray(\"ab\"), Array.from(s), held.size, held.has(3)]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "Map and Set iterated");
    });

    it("leaves a program without Map or Set as it is: no __sf_iter in its code or its library", () => {
      const program = 'export function run() { const out = []; for (const c of "ab") out.push(c); return JSON.stringify([...out, ...[1, 2], Math.max(...[3, 4]), Array.from([5])]); }';
      const lowered = lowerForMicrovium(program, { filename: "feature.js" });
      assert.doesNotMatch(lowered.code, /__sf_iter/, lowered.code);
      assert.ok(!lowered.usedStdlib.includes("__sf_iter"), lowered.usedStdlib.join(", "));
    });
  });

  describe("spread in arrays and calls: one helper call per spread and per run of items after one", () => {
    it("gives Node's result for arrays and new with spread after other arguments, with no more __sf_spread calls than needed", async () => {
      const program = [
        "class Point { constructor(x, y, z) { this.sum = x + y + (z || 0); } }",
        "export function run() {",
        "  const a = [1, 2], b = [3];",
        "  const one = [...a];",
        "  const all = [0, ...a, ...b, 4, 5];",
        "  const rest = [2, 3];",
        "  return JSON.stringify([one, all, new Point(1, ...rest).sum, new Point(...rest).sum, new Point(4, 5).sum]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "array and new spread");
      const { code } = lowerForMicrovium(program, { filename: "feature.js" });
      // [...a]: 1; [0, ...a, ...b, 4, 5]: a, b and the last run (the first run is the start array);
      // each new's argument list: 1.
      assert.equal(code.match(/__sf_spread\(/g)?.length, 1 + 3 + 2, code);
      // Only the two news with a spread need the helper.
      assert.equal(code.match(/__sf_new\(/g)?.length, 2, code);
    });
  });

  describe("for...of and for...in: index loops whose body may shadow the loop variable", () => {
    it("gives Node's result when the body declares the loop's own names again", async () => {
      const program = [
        "export function run() {",
        "  const out = [];",
        "  for (const x of [1, 2]) { const x = 10; out.push(x); }",
        "  for (const [k, v] of [[\"a\", 1], [\"b\", 2]]) { const k = \"z\"; out.push(k + v); }",
        "  for (const key in { p: 1, q: 2 }) { let key = \"k\"; out.push(key); }",
        "  let y;",
        "  for (y of [3, 4]) { const y = 5; out.push(y); }",
        "  return JSON.stringify([out, y]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "shadowed loop variables");
    });
  });

  describe("parameters: defaults and copies only where Microvium needs them", () => {
    it("gives Node's result for a constructor reassigning a plain parameter", async () => {
      const program = [
        "class Scaled { constructor(x, factor) { x = x * factor; this.x = x; } }",
        "export function run() { return new Scaled(3, 2).x; }",
      ].join("\n");
      await assertSameAsNode(program, "constructor reassigning a parameter");
    });

    it("copies into a let only a constructor's reassigned or defaulted parameters; methods and functions keep theirs", async () => {
      const program = [
        "class A {",
        "  constructor(a, b, c = 1) { b = b + 1; this.s = a + b + c; }",
        "  m(d, e = 2) { d = d + e; return d; }",
        "}",
        "function f(g = 1) { return g; }",
        "export function run() { return JSON.stringify([new A(1, 2).s, new A(1, 2).m(1), f()]); }",
      ].join("\n");
      await assertSameAsNode(program, "parameter copies");
      const { code } = lowerForMicrovium(program, { filename: "feature.js" });
      assert.match(code, /constructor\(a, _b, _c\)/, code);
      assert.match(code, /m\(d, e\) \{/, code);
      assert.match(code, /function f\(g\) \{/, code);
      assert.equal(code.match(/\blet\b/g)?.length, 2, code);
    });
  });

  describe("rest parameters: packed at each direct call", () => {
    it("refuses a function with a rest parameter passed as an argument, where it is passed", () => {
      assertRefusedAt("function sum(...xs) { return xs.length; }\nfunction apply(g) { return g(1); }\nconst n = apply(@sum);", /sum has a rest parameter, so it can only be called directly/, /array parameter/);
    });

    it("gives Node's result for calls with a spread before, in and after the fixed parameters, and packs plain calls at build time", async () => {
      const program = [
        "function pair(a, ...rest) { return JSON.stringify([a, rest]); }",
        "export function run() {",
        "  const none = [], one = [1], two = [2, 3];",
        "  return JSON.stringify([pair(...none, 2, 3), pair(...one, 2, 3), pair(0, ...two), pair(...two), pair(1, 2, 3), pair(), pair?.(4, 5)]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "rest parameter calls");
      const { code } = lowerForMicrovium(program, { filename: "feature.js" });
      assert.match(code, /pair\(1, \[2, 3\]\)/, code);
      assert.equal(code.match(/__sf_callRest\(/g)?.length, 4, code);
    });
  });

  describe("variadic calls: each call site adapted to the library's fixed arities", () => {
    it("gives Node's result for Math, Object.assign, push (its count too), concat, reduce and Number with every argument count", async () => {
      const program = [
        "export function run() {",
        "  const xs = [4, 9, 1];",
        "  const maths = [Math.max(), Math.min(), Math.hypot(), Math.max(3), Math.min(3), Math.hypot(3), Math.max(1, 2), Math.min(5, 2, 8, 1), Math.hypot(3, 4, 12), Math.max(...xs), Math.min(...xs), Math.hypot(...[3, 4])];",
        "  const assigned = [Object.assign({ a: 1 }, { b: 2 }, { c: 3 }, { a: 4 }), Object.assign({ z: 0 }, { y: 1 })];",
        "  const pushed = [0];",
        "  const n1 = pushed.push(1, 2);",
        "  const n2 = pushed.push(...xs);",
        "  const n3 = pushed.push(7);",
        "  pushed.push(8);",
        "  const joined = [1].concat([2], [3, 4], 5);",
        "  const sums = [xs.reduce((a, b) => a + b), xs.reduce((a, b) => a + b, 100), [].reduce((a, b) => a + b, 5)];",
        '  const numbers = [Number("12"), Number(), Number(true), ["1", "2"].map(Number), typeof Number];',
        "  return JSON.stringify([maths, assigned, pushed, n1, n2, n3, joined, sums, numbers]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "variadic calls");
    });

    it("leaves a program's own Math, Object and Number alone", async () => {
      const program = [
        "export function run() {",
        "  const Math = { max: (a, b, c) => [a, b, c] };",
        "  const Object = { assign: (a, b, c) => [a, b, c] };",
        "  const Number = (a, b) => [a, b];",
        "  return JSON.stringify([Math.max(1, 2, 3), Math.max(1), Object.assign(1, 2, 3), Number(4, 5), Number(6)]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "own Math, Object and Number");
    });

    it("ignores extra arguments and converts a lone one to a number, as JavaScript does", async () => {
      const program = [
        "export function run() {",
        "  const xs = [4, 9, 1];",
        '  const maths = [Math.pow(2, 3, 4), Math.max("7"), typeof Math.max("7"), Math.min("3"), Math.hypot(-3)];',
        "  let calls = 0;",
        "  const start = () => {",
        "    calls++;",
        "    return 100;",
        "  };",
        "  const others = [xs.reduce((a, b) => a + b, start(), 0), calls, Object.keys({ a: 1 }, 2, 3), Object.assign({ a: 1 })];",
        "  return JSON.stringify([maths, others]);",
        "}",
      ].join("\n");
      await assertSameAsNode(program, "extra and lone arguments");
    });

    it("refuses Number, concat and unshift with a spread or several items where they are written, saying what to write", () => {
      assertRefusedAt("const xs = [1];\nconst n = @Number(...xs);", /Number\(\.\.\.args\) is not supported/, /call Number\(x\) with one argument/);
      assertRefusedAt("const a = [1], b = [2];\nconst c = @a.concat(...b, 3);", /concat\(\.\.\.items\) is not supported/, /call concat once per array/);
      assertRefusedAt("const a = [1];\n@a.unshift(1, 2);", /unshift with several items is not supported/, /call unshift once per item, last item first/);
    });

    it("leaves the calls the library takes as written alone: no fold without a spread, no helper for a one-item push statement", () => {
      const lowered = lowerForMicrovium("export function run(xs, v) {\n  xs.push(v);\n  return Math.max(1, 2, v);\n}", { filename: "feature.js" });
      assert.match(lowered.code, /xs\.push\(v\);/, lowered.code);
      assert.match(lowered.code, /Math\.max\(Math\.max\(1, 2\), v\)/, lowered.code);
      for (const helper of ["__sf_push", "__sf_fold"]) assert.ok(!lowered.usedStdlib.includes(helper), `${helper} in ${lowered.usedStdlib.join(", ")}`);
    });
  });

  describe("string members: every read that may meet a string, or a negative or fractional index, goes through a helper", () => {
    it("gives JavaScript's result where the object may be a string or the index may not be an array index", async () => {
      const program = [
        "function check(k, s) {",
        "  const arr = [10, 20, 30];",
        "  const out = [arr[-1], arr[k + 1], arr[k % 2]];",
        "  for (let i = 0; i < 3; i++) out.push(arr[i - 1], arr[i % 1.5], arr[i % 0]);",
        "  for (let i = -1; i < 1; i++) out.push(arr[i]);",
        "  for (let i = 1; i > -2; i--) out.push(arr[i]);",
        "  for (let i = 1; i > -2; i -= 1) out.push(arr[i]);",
        "  let jumps = 0;",
        "  for (let i = 0; i < 2; i++) {",
        "    out.push(arr[i]);",
        "    if (jumps === 0 && i === 1) {",
        "      jumps = 1;",
        "      i = -2;",
        "    }",
        "  }",
        "  let j = 0;",
        "  j = -1;",
        "  out.push(arr[j]);",
        "  let mixed = [];",
        "  mixed = [1];",
        "  mixed = s;",
        "  out.push(mixed.length, mixed[1]);",
        "  let calls = 0;",
        "  const next = () => {",
        "    calls++;",
        "    return s;",
        "  };",
        "  out.push(next().length, next()[1], calls);",
        "  const o = { n: 5, get() { return this.n; } };",
        '  const key = "get";',
        "  out.push(o[key]());",
        "  return JSON.stringify(out);",
        "}",
        'export function run() { return check(-3, "xyz"); }',
      ].join("\n");
      await assertSameAsNode(program, "string members and indices");
    });

    it("reads members of values that are provably not strings directly, and a plain name's through typeof: only strings pay for a call", () => {
      const program = [
        "function f(a) { return a; }",
        "class K { size() { return this.length; } }",
        "export function run(xs, s) {",
        "  const arr = [1, 2, 3];",
        "  let grown = [];",
        "  grown = [4, 5];",
        "  const made = new K();",
        "  const arrow = (x) => x;",
        "  const g = function () { return 1; };",
        "  const [, ...{ length }] = xs;",
        "  const r = [arr.length, arr[0], arr[2], grown.length, grown[1], made.length, f.length, K.length, arrow.length, g.length, length];",
        "  r.push([1, 2].length, { length: 2 }.length, new K().length, arr.slice(1), arr.indexOf(2), [3, 4].includes(3));",
        "  for (let i = 0; i < arr.length; i++) r.push(arr[i], arr[i % 2], arr[i + 1], arr[1 + i]);",
        "  for (let i = 0; i < 4; i += 2) r.push(arr[i]);",
        "  return [r, s.length];",
        "}",
      ].join("\n");
      const lowered = lowerForMicrovium(program, { filename: "feature.js" });
      assert.match(lowered.code, /typeof s === "string" \? __sf_len\(s\) : s\.length/, lowered.code);
      assert.equal(lowered.code.match(/__sf_(len|at|str_)/g)?.length, 1, `one helper call, for s.length:\n${lowered.code}`);
    });
  });

  describe("export lists: every exported name reads the value Node's module gives it", () => {
    it("exports a local under its own name, under two other names, and from declarations of several names", async () => {
      const program = [
        "const a = 1, b = 2, c = 3;",
        "let d = 4, e = 5, f = 6;",
        "function run() { return JSON.stringify([a, b, c, d, e, f]); }",
        "export { a as x, a as y, b, e, f as g, run };",
      ].join("\n");
      const names = ["x", "y", "b", "e", "g"];
      const node = await import(`data:text/javascript;base64,${Buffer.from(program).toString("base64")}`);
      const vm = runInMicrovium(program);
      assert.deepEqual(names.map((n) => vm.exports[n]), names.map((n) => node[n]), vm.lowered.code);
      assert.equal(vm.nativeResult, node.run(), vm.lowered.code);
    });

    it("keeps a local exported under its own name live when an alias of it comes first, in the same list or another one", async () => {
      const head = "let a = 0;\nfunction bump() { a++; }\nfunction run() { return a; }\n";
      for (const lists of ["export { a as x, a, bump, run };", "export { a as x };\nexport { a, bump, run };"]) {
        const program = head + lists;
        const node = await import(`data:text/javascript;base64,${Buffer.from(program).toString("base64")}`);
        const vm = runInMicrovium(program);
        node.bump();
        vm.exports.bump();
        assert.equal(vm.exports.a, node.a, `${lists}\n${vm.lowered.code}`);
        assert.equal(vm.exports.a, 1, lists);
      }
    });

    it("exports only the listed names of a declaration of several", async () => {
      const program = "const a = 1, b = 2, c = 3;\nfunction run() { return a + b + c; }\nexport { b, run };";
      const names = ["a", "b", "c", "run"];
      const node = await import(`data:text/javascript;base64,${Buffer.from(program).toString("base64")}`);
      const vm = runInMicrovium(program);
      assert.deepEqual(names.map((n) => typeof vm.exports[n]), names.map((n) => typeof node[n]), vm.lowered.code);
      assert.equal(vm.nativeResult, node.run());
    });
  });
});
