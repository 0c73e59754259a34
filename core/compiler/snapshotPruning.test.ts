import assert from "node:assert/strict";
import { Microvium } from "microvium";
import { loadWasmEngine } from "../engine";
import type { MicroviumEngine } from "../engine/types";
import { pruneSnapshot, type PruningReport } from "./snapshotPruning";

/** Evaluates plain Microvium JS (export 1 is the entry) and snapshots it through the pruning
 * pass; `api` names the module-level objects to treat as API objects (via export 2). */
function pruned(sourceText: string, trustedFiles: string[] = [], keepAllMembers = false): { snapshot: Uint8Array; report: PruningReport } {
  const vm = Microvium.create({});
  const globals = vm.globalThis as Record<string, unknown>;
  globals.vmExport = vm.vmExport;
  globals.vmImport = vm.vmImport;
  vm.evaluateModule({ sourceText, debugFilename: "feature.js" });
  let report: PruningReport | undefined;
  const data = vm.createSnapshot({
    optimizationHook: (il) => {
      const registry = il.exports.get(2);
      const items = registry?.type === "ReferenceValue" ? il.allocations.get(registry.value) : undefined;
      const apiObjects = new Set(items?.type === "ArrayAllocation" ? items.items.flatMap((v) => (v?.type === "ReferenceValue" ? [v.value] : [])) : []);
      const result = pruneSnapshot({ ...il, exports: new Map([...il.exports].filter(([id]) => id !== 2)) }, { apiObjects, trustedFiles: new Set(trustedFiles), keepAllMembers });
      report = result.report;
      return result.il;
    },
  }).data;
  return { snapshot: new Uint8Array(data), report: report! };
}

const names = (report: PruningReport) => report.removedMembers.map((m) => m.replace(/^\d+\./, "")).sort();

describe("snapshot pruning (core/compiler/snapshotPruning.ts)", () => {
  let engine: MicroviumEngine;
  before(async () => {
    engine = await loadWasmEngine();
  });

  const run = (snapshot: Uint8Array, ...args: number[]) => engine.restore(snapshot, () => undefined).resolveExport(1)(...args);

  it("drops function members no reachable code names, follows what it keeps, and the result runs", () => {
    const { snapshot, report } = pruned(`
      const helper = { twice: function (x) { return x * 2; }, unused: function () { return "never"; } };
      const tool = { apply: function (x) { return helper.twice(x) + 1; }, spare: function () { return helper; } };
      vmExport(1, function (x) { return tool.apply(x); });`);
    assert.deepEqual(names(report), ["spare", "unused"]);
    assert.equal(report.prunedUserObjects, true);
    assert.equal(run(snapshot, 20), 41);
    assert.ok(!Buffer.from(snapshot).includes(Buffer.from("never")));
  });

  it("a member read with a number literal key is kept", () => {
    // Only the report: Microvium's native engine can't look up a number key on a plain object
    // that the compile-time VM stored (it fails the same without this pass).
    const { report } = pruned(`
      const table = {};
      table[3] = function () { return 33; };
      table[4] = function () { return 44; };
      vmExport(1, function () { return table[3](); });`);
    assert.deepEqual(names(report), ["4"]);
  });

  it("a computed read in untrusted code keeps every member of the app's own objects", () => {
    const { snapshot, report } = pruned(`
      const handlers = { on: function () { return 1; }, off: function () { return 0; } };
      const keys = ["off", "on"];
      vmExport(1, function (i) { return handlers[keys[i]](); });`);
    assert.deepEqual(report.removedMembers, []);
    assert.equal(report.prunedUserObjects, false);
    assert.equal(run(snapshot, 1), 1);
  });

  it("the same computed read in a trusted file doesn't stop pruning", () => {
    const { report } = pruned(
      `
      const list = [function () { return 5; }];
      const other = { used: function () { return list[0](); }, unused: function () { return 0; } };
      vmExport(1, function () { return other.used(); });`,
      ["feature.js"],
    );
    assert.deepEqual(names(report), ["push", "unused"]); // the array prototype's push: nothing names it
  });

  it("API objects lose unnamed members of every kind, even with computed reads about; held strings count as names then", () => {
    const { snapshot, report } = pruned(`
      const api = { log: function (x) { return x; }, declare: function () { return 0; }, target: "device", mcu: { a: 1 } };
      const registry = [api];
      vmExport(2, registry);
      const member = "log";
      vmExport(1, function (x) { return api[member](x); });`);
    assert.deepEqual(names(report), ["declare", "mcu", "target"]);
    assert.equal(run(snapshot, 7), 7);
  });

  it("data members of the app's own objects always stay", () => {
    const { report } = pruned(`
      const reading = { kind: "soil", value: 0, describe: function () { return "x"; } };
      vmExport(1, function (v) { reading.value = v; return reading; });`);
    assert.deepEqual(names(report), ["describe"]);
  });

  it("leaves an allocation the snapshot can't hold to Microvium's own error", () => {
    // Microvium 8's own collection drops a class instance's prototype; compileTarget hands the
    // pass the VM's uncollected tables instead (test/snapshotPruning.test.ts runs a class).
    assert.throws(() =>
      pruned(`
      class Counter { constructor(n) { this.n = n; } next() { return this.n; } }
      const c = new Counter(1);
      vmExport(1, function () { return c.next(); });`),
    /Internal error/);
  });

  // Issue 17: what pruning must keep for the program to run as written.
  it("keepAllMembers (the bench's baseline) drops no member, only what nothing reaches", () => {
    const source = `
      const helper = { used: function () { return 1; }, unused: function () { return "baseline keeps me"; } };
      const unreachable = { x: function () { return "nothing reaches me"; } };
      vmExport(1, function () { return helper.used(); });`;
    const { snapshot, report } = pruned(source, [], true);
    assert.deepEqual(report.removedMembers, []);
    assert.ok(Buffer.from(snapshot).includes(Buffer.from("baseline keeps me")));
    assert.ok(!Buffer.from(snapshot).includes(Buffer.from("nothing reaches me")));
    assert.ok(Buffer.from(pruned(source).snapshot).length < Buffer.from(snapshot).length, "pruning makes it smaller than the baseline");
  });

  it("a closure member no code names is left out like a plain function; data members of every kind stay", () => {
    const { snapshot, report } = pruned(`
      let count = 0;
      const box = { bump: () => { count++; return "closure never called"; }, list: [1, 2], nested: { deep: { n: 3 } }, flag: false, nothing: null, name: "box" };
      vmExport(1, function () { return box; });`);
    assert.deepEqual(names(report), ["bump", "push"]); // and the array prototype's push: nothing names it
    assert.ok(!Buffer.from(snapshot).includes(Buffer.from("closure never called")));
    for (const kept of ["list", "nested", "deep", "flag", "nothing", "name"]) assert.ok(Buffer.from(snapshot).includes(Buffer.from(kept)), kept);
  });

  it("arrays made at run time keep the array prototype, async functions their promise machinery, globals their values", () => {
    const { snapshot, report } = pruned(`
      let total = 0;
      function add(x) { total = total + x; return total; }
      async function later(x) { return x + 1; }
      const unusedGlobal = { dead: function () { return "no code loads this global"; } };
      vmExport(1, function (x) {
        const items = [];
        items.push(x);
        items.push(add(x));
        later(x);
        return items.length + items[1];
      });`);
    assert.equal(report.prunedUserObjects, true);
    assert.equal(run(snapshot, 5), 7);
    assert.equal(run(snapshot, 2), 4, "a fresh restore: the global starts at 0 again");
    assert.ok(!Buffer.from(snapshot).includes(Buffer.from("no code loads this global")));
  });

  it("the array prototype's own methods count as trusted: using arrays doesn't stop pruning", () => {
    const { snapshot, report } = pruned(`
      const tools = { sum: function (list) { let s = 0; for (let i = 0; i < list.length; i++) s += list[i]; return s; }, spare: function () { return 0; } };
      vmExport(1, function (n) { const a = []; a.push(n); a.push(n); return tools.sum(a); });`);
    // tools.sum's list[i] is a computed read in untrusted code: user objects are then kept whole.
    assert.equal(report.prunedUserObjects, false);
    assert.equal(run(snapshot, 4), 8);
    const trustedRead = pruned(`
      const other = { used: function (n) { const a = []; a.push(n); return a.length; }, spare: function () { return 0; } };
      vmExport(1, function (n) { return other.used(n); });`);
    assert.equal(trustedRead.report.prunedUserObjects, true, "push reads this[i] inside the prototype, which is trusted");
    assert.ok(names(trustedRead.report).includes("spare"));
    assert.equal(run(trustedRead.snapshot, 9), 1);
  });

  it("a host function member (vmImport) no code names is left out like any function; its data neighbour stays", () => {
    const { report } = pruned(`
      const device = { write: vmImport(7), pin: 3 };
      vmExport(1, function () { return device.pin; });`);
    assert.deepEqual(names(report), ["write"]);
  });
});
