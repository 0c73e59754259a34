import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Microvium } from "microvium";
import { installLibrary, libraryHost, runInMicrovium, runInNode } from "../../compiler/lower/testHarness";
import { installStdlib, resolveStdlibPieces, stdlibCatalog, stdlibHostFunctions, StdlibHostId, PRIMITIVE_METHODS, primitiveMethodHelper } from "./index";
import { parsePieceFile } from "./catalog";
import { HostId } from "../hostIds";
import { TokenReader } from "../valueTokens";

describe("in-VM standard library", function () {
  this.timeout(60_000);

  describe("catalog", () => {
    it("has every helper the lowering emits", () => {
      const lowerDir = path.join(__dirname, "../../compiler/lower");
      const sources = [...fs.readdirSync(lowerDir), ...fs.readdirSync(path.join(lowerDir, "passes")).map((f) => `passes/${f}`)]
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
        .map((f) => fs.readFileSync(path.join(lowerDir, f), "utf8"));
      const emitted = new Set(sources.flatMap((s) => [...s.matchAll(/"(__sf_\w+)"/g)].map((m) => m[1])));
      emitted.delete("__sf_readValue"); // defined by the feature runtime, not the library
      emitted.delete("__sf_readTokens"); // likewise (the test harness provides it as compileTarget does)
      for (const name of PRIMITIVE_METHODS.keys()) emitted.add(primitiveMethodHelper(name));
      assert.ok(emitted.size > 20);
      const catalog = stdlibCatalog();
      for (const name of emitted) assert.ok(catalog.has(name), `no piece ${name}`);
    });

    it("rejects code outside a piece and reads needs and exports", () => {
      assert.throws(() => parsePieceFile("const x = 1;\n//# piece a\n", "bad.mvm.js"), /before the first/);
      const [piece] = parsePieceFile("//# piece Thing needs internal:AP host:StrLen\nexport function Thing() {}\n", "ok.mvm.js");
      assert.deepEqual(piece.needs, ["internal:AP", "host:StrLen"]);
      assert.deepEqual(piece.exports, ["Thing"]);
    });

    it("orders pieces after what they need and refuses unknown names", () => {
      const names = resolveStdlibPieces(["Math.round"]).map((p) => p.name);
      assert.deepEqual(names, ["Math", "host:MathRound", "Math.round"]);
      assert.throws(() => resolveStdlibPieces(["Math.nope"]), /unknown standard library piece "Math.nope"/);
    });

    it("installs each piece alone: its `needs` are complete and it snapshots", () => {
      const host = libraryHost();
      for (const name of stdlibCatalog().keys()) {
        const vm = Microvium.create(host);
        try {
          installLibrary(vm, [name]);
          vm.createSnapshot();
        } catch (e) {
          assert.fail(`piece ${name}: ${(e as Error).message.split("\n")[0]}`);
        }
      }
    });
  });

  describe("host functions", () => {
    it("use ids 100-149, each implemented once", () => {
      const ids = Object.values(StdlibHostId).filter((v): v is number => typeof v === "number");
      assert.equal(new Set(ids).size, ids.length, "duplicate id");
      for (const id of ids) assert.ok(id >= HostId.StdlibBase && id < 150, `id ${id} outside 100-149`);
      const implemented = Object.keys(stdlibHostFunctions(new TokenReader())).map(Number).sort((a, b) => a - b);
      assert.deepEqual(implemented, [...ids].sort((a, b) => a - b));
    });
  });

  describe("installStdlib", () => {
    it("with nothing used, leaves the VM and its snapshot untouched", () => {
      const sizeOf = (install: boolean) => {
        const vm = Microvium.create(libraryHost());
        vm.globalThis.vmExport = vm.vmExport;
        if (install) installStdlib(vm, []);
        vm.evaluateModule({ sourceText: "vmExport(1, function () { return [1, 2].length; });" });
        return vm.createSnapshot().data.length;
      };
      assert.equal(sizeOf(true), sizeOf(false));
    });

    it("a piece that calls another (Math.round uses Math.floor) keeps no other installed piece in the snapshot", () => {
      const sizeOf = (used: string[]) => {
        const vm = Microvium.create(libraryHost());
        vm.globalThis.vmExport = vm.vmExport;
        installStdlib(vm, used);
        vm.evaluateModule({ sourceText: "vmExport(1, function (x) { return Math.round(x); });" });
        return vm.createSnapshot().data.length;
      };
      assert.equal(sizeOf(["Math.round", "__sf_at", "Array.prototype.map"]), sizeOf(["Math.round"]));
    });

    it("installs only the named members and array methods", () => {
      const vm = Microvium.create(libraryHost());
      installStdlib(vm, ["Math.floor", "Array.prototype.map"]);
      const ns = vm.evaluateModule({
        sourceText: "export const probe = [typeof Math.floor, typeof Math.round, typeof [].map, typeof [].filter, Math.floor(-2.5), [1, 2].map(function (x) { return x * 3; })[1]];",
      });
      const probe = ns.probe;
      assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => probe[i]), ["function", "undefined", "function", "undefined", -3, 6]);
    });
  });

  describe("behaves like JavaScript (Node vs compile-time VM vs native engine)", () => {
    const cases: Record<string, string> = {
      "array edge cases": `
        const xs = [1, 2, 3, 4, 5];
        return JSON.stringify([
          xs.slice(-2), xs.slice(1, -1), xs.slice(10), xs.slice(-10, 2), xs.slice(2, 1),
          xs.indexOf(4, -2), xs.indexOf(1, 1), xs.lastIndexOf(5, -2), xs.lastIndexOf(1, 0), xs.includes(1, 1),
          [3, 1, undefined, 20, 100].sort(), [5, 1, 10].sort(), [{ k: 1, i: 0 }, { k: 0, i: 1 }, { k: 1, i: 2 }, { k: 0, i: 3 }].sort((a, b) => a.k - b.k).map((o) => o.i),
          [1, 2, 3, 4].splice(-2), [1, 2, 3].splice(1, 0), [1, 2, 3].splice(1, 10), [1, 2, 3].fill(0, -1), [1, 2, 3].fill(9, 1, 2),
          [1, 2].concat(3), [1, 2].concat([3, [4]]), [1, 2, 3].at(-4), [1, 2, 3].at(1.7), [[1, 2], [3]].join(";"), [].pop(), [].shift(),
          [1, 2, 3].findLast((x) => x > 5), [1, 2, 3].reduce((a, b) => a * b), [[1], [2]].reduce((a, b) => a.concat(b), []),
        ]);`,
      "reduce of an empty array without initial value throws": `
        try { [].reduce((a, b) => a + b); return "no error"; } catch (e) { return typeof e === "string" ? "threw" : "threw " + e.name; }`,
      "string helpers": `
        const s = "Hello, World";
        return JSON.stringify([
          s.split(", "), s.split("o"), s.split("xyz"), s.split(""), s.split("l", 2), s.split("", 0), ",a,".split(","), s.split(),
          s.indexOf("o", 5), s.lastIndexOf("o", 5), s.slice(-5, -1), s.substring(5, 2), s.charAt(100), s.charCodeAt(1), s[100],
          "x".padStart(4, "ab"), "x".padEnd(3), "a-a".replace("a", "$&$&"), "aXbX".replaceAll("X", ""), " \\t pad \\n".trim(),
          "abc".at(-1), "a".localeCompare("b"), "b".localeCompare("a"), "a".localeCompare("a"), (1.005).toFixed(2), (-1.5).toFixed(0),
          (10).toString(2), true.toString(), String(-0), String(1e21), String(0.1 + 0.2), "ab".repeat(0),
        ]);`,
      "math edge cases": `
        const xs = [-0, 0, NaN, Infinity, -Infinity, 4.5, -4.5, 2.4999, 1e300, -1e-300];
        return JSON.stringify([
          xs.map((x) => Math.floor(x)), xs.map((x) => Math.ceil(x)), xs.map((x) => Math.round(x)), xs.map((x) => Math.trunc(x)),
          xs.map((x) => Math.sign(x)), xs.map((x) => Math.abs(x)),
          Math.max(NaN, 1), Math.max(-Infinity, -1e308), Math.min(1, 2, 3, -4), Math.max(...[3, 9, 2]), Math.min(), Math.max("7", 2),
          Math.sqrt(2), Math.sqrt(-1), Math.pow(2, 0.5), Math.log(Math.E), Math.atan2(1, 1) * 4, Math.cbrt(27), Math.log2(8), Math.log10(1000),
          Math.exp(0), Math.sin(0), Math.cos(0), Math.hypot(3, 4, 12),
        ]);`,
      "JSON.stringify": `
        class P { constructor() { this.x = 1; this.skip = undefined; } }
        return JSON.stringify([JSON.stringify({ a: [1, "two", null, true, undefined, () => 1], b: { c: "q\\"uote\\\\" }, d: NaN, e: -Infinity, f: new P() }), JSON.stringify("é\\u0001"), JSON.stringify(undefined), JSON.stringify(null), JSON.stringify([])]);`,
      "numbers and conversions": `
        return JSON.stringify([
          Number.isInteger(1e21), Number.isInteger(-0), Number.isInteger(NaN), Number.isInteger("1"), Number.isFinite("1"), isFinite("1"),
          Number.isSafeInteger(2 ** 53), Number.isSafeInteger(2 ** 53 - 1), parseInt("  12.9"), parseInt("0x1f"), parseInt("z", 36), parseFloat(".5e1x"),
          isNaN(undefined), isNaN(null), String(null), String(undefined), String({}), String([1, [2, [3]], null]), Boolean(NaN), Boolean("0"),
        ]);`,
      "objects": `
        const o = { b: 1, a: 2 };
        const copy = Object.assign({}, o, { c: 3 });
        const entries = Object.entries(copy);
        return JSON.stringify([copy, entries, Object.fromEntries(entries.map(([k, v]) => [k, v * 10])), Object.values([7, 8]), Object.keys("ab" === "ab" ? {} : o), Array.from({ length: 3 }, (_, i) => i * i)]);`,
    };
    for (const [name, body] of Object.entries(cases)) {
      it(name, async () => {
        const code = `export function run() {${body}\n}`;
        const expected = await runInNode(code);
        const run = runInMicrovium(code);
        assert.equal(run.compileTimeResult, expected, "compile-time VM");
        assert.equal(run.nativeResult, expected, "native engine");
      });
    }
  });
});
