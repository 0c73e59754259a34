/** The per-app image's inputs (scripts/snapshotImports.mjs, scripts/hostIdsHeader.mjs): the host
 * functions a built app's device snapshot imports, read from the snapshot's import table, and the
 * header that keeps only those in the C switches. Bad input says what and where. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { writeBuild } from "../core/contracts/buildOutput";
import { HostId } from "../core/runtime/hostIds";
import { StdlibHostId } from "../core/runtime/stdlib/hostIds";
import { appSource, writeFeatures } from "./support/tempFeatures";

const ROOT = path.resolve(__dirname, "..");
// the scripts are plain ES modules, without types
type Imports = any;
type Header = any;
type Size = any;

describe("per-app firmware image: the app's imports and the header built from them", function () {
  this.timeout(120_000);
  let imports: Imports, header: Header, size: Size, dir: string;

  before(async () => {
    imports = await import(path.join(ROOT, "scripts/snapshotImports.mjs") as string);
    header = await import(path.join(ROOT, "scripts/hostIdsHeader.mjs") as string);
    size = await import(path.join(ROOT, "scripts/firmwareSize.mjs") as string);
    const entry = writeFeatures({
      "app.ts": appSource([
        '  const out = api.newCommsChannel<string>("out");',
        '  api.mcu.setInterval(() => out.pushMessageToServer("x".toUpperCase() + Math.sqrt(4)), 1000);',
      ]),
    }, "imports");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-app-imports-"));
    writeBuild(dir, await compileFeatures({ entry }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads the app's name, channel and pin counts and the host functions its snapshot calls, and only those", () => {
    const app = imports.appImports(dir);
    assert.equal(app.channels, 1);
    assert.equal(app.pins, 0);
    assert.ok(app.imports.includes(StdlibHostId.StrToUpperCase), "toUpperCase");
    assert.ok(app.imports.includes(StdlibHostId.MathSqrt), "Math.sqrt");
    assert.ok(app.imports.includes(HostId.TimerStart), "setInterval");
    assert.ok(!app.imports.includes(StdlibHostId.MathSin), "not Math.sin");
    assert.ok(!app.imports.includes(StdlibHostId.JsonParse), "not JSON.parse");
    assert.deepEqual(app.imports, [...app.imports].sort((a: number, b: number) => a - b));
  });

  it("the header keeps the imported ids' case labels and leaves the others out; every id served without an app", () => {
    const app = imports.appImports(dir);
    const text = header.hostIdsHeader(ROOT, app);
    assert.match(text, /#define SF_PER_APP_IMAGE 1/);
    assert.match(text, new RegExp(`#define SF_APP_NAME "${app.name}"`));
    assert.match(text, /#define SF_IMPORTED_SF_STDLIB_STR_TO_UPPER_CASE\(label\) label\n/);
    assert.match(text, /#define SF_IMPORTED_SF_STDLIB_MATH_SIN\(label\)\n/);
    assert.match(text, /#define SF_CASES_LEFT_OUT default: break;/);
    const generic = header.hostIdsHeader(ROOT);
    assert.match(generic, /#define SF_PER_APP_IMAGE 0/);
    assert.match(generic, /#define SF_IMPORTED_CASE\(id\) case id:/);
    assert.doesNotMatch(generic, /SF_IMPORTED_SF_/);
    // SF_IMPORTS(id), a constant for code outside the switches (standardLibrary.c keeps a string
    // buffer only when a function using it is served): compiled and run, 1 for an imported id.
    const probe = fs.mkdtempSync(path.join(os.tmpdir(), "sf-imports-macro-"));
    try {
      const served = (headerText: string) => {
        fs.writeFileSync(path.join(probe, "sf_hostIds.h"), headerText);
        fs.writeFileSync(path.join(probe, "probe.c"), '#include <stdio.h>\n#include "sf_hostIds.h"\nint main(void) { printf("%d %d", SF_IMPORTS(SF_STDLIB_STR_TO_UPPER_CASE), SF_IMPORTS(SF_STDLIB_MATH_SIN)); return 0; }\n');
        execFileSync("cc", ["-Wall", "-Werror", "-o", path.join(probe, "probe"), path.join(probe, "probe.c")]);
        return execFileSync(path.join(probe, "probe"), { encoding: "utf8" });
      };
      assert.equal(served(text), "1 0", "the app imports toUpperCase, not Math.sin");
      assert.equal(served(generic), "1 1", "the image for any app serves both");
    } finally {
      fs.rmSync(probe, { recursive: true, force: true });
    }
  });

  it("whether the app's code uses ** (scripts/snapshotOperators.mjs): read from the bytecode; **= in a nested function counts, so does Math.pow (the VM's x ** y), other arithmetic doesn't", async () => {
    const built = async (body: string, name: string) => {
      const entry = writeFeatures({ "app.ts": appSource(['  const out = api.newCommsChannel<number>("out");', body]) }, name);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), "sf-app-operators-"));
      try {
        writeBuild(out, await compileFeatures({ entry }));
        return imports.appImports(out);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    };
    assert.equal(imports.appImports(dir).power, false, "toUpperCase and Math.sqrt only");
    const nested = await built("  let n = 2;\n  const grow = () => { n **= 3; return n; };\n  api.mcu.setInterval(() => out.pushMessageToServer(grow()), 1000);", "power-nested");
    assert.equal(nested.power, true, "**= in a nested function");
    const mathPow = await built("  let n = 2;\n  api.mcu.setInterval(() => out.pushMessageToServer(Math.pow(n, 3)), 1000);", "math-pow");
    assert.equal(mathPow.power, true, "Math.pow is the in-VM standard library's x ** y (core/runtime/stdlib/pieces/math.mvm.js)");
    const arithmetic = await built("  let n = 2;\n  api.mcu.setInterval(() => out.pushMessageToServer((n * 3) / 2 % 5 - n + Math.floor(n)), 1000);", "arithmetic");
    assert.equal(arithmetic.power, false, "* / % - + and Math.floor");
    const operators = await import(path.join(ROOT, "scripts/snapshotOperators.mjs") as string);
    const garbage = Buffer.from(fs.readFileSync(path.join(dir, "device.snap")));
    garbage.fill(0xff, 40); // the sections' content destroyed, the header kept
    assert.throws(() => operators.usesPowerOperator(garbage, "x.snap"), /x\.snap: Microvium's decoder can't read its bytecode \(.*\); build the app again with snapfleet build/);
  });

  it("an id the host-id tables don't know (a snapshot of another version) fails the header, naming it", () => {
    assert.throws(() => header.hostIdsHeader(ROOT, { name: "old", imports: [2, 99] }), /the app "old" imports host function 99, which core\/runtime\/hostIds\.ts and core\/runtime\/stdlib\/hostIds\.ts don't define/);
  });

  it("bad snapshots and build folders are refused with what is wrong and what to pass", () => {
    const snapshot = fs.readFileSync(path.join(dir, "device.snap"));
    assert.throws(() => imports.snapshotImports(snapshot.subarray(0, 10), "x.snap"), /x\.snap is not a Microvium snapshot .*10 bytes, shorter than a snapshot header.*snapfleet build/);
    assert.throws(() => imports.snapshotImports(snapshot.subarray(0, snapshot.length - 1), "x.snap"), /the header says \d+ bytes, the file has \d+/);
    const corrupt = Buffer.from(snapshot);
    corrupt.writeUInt16LE(0xfff0, 14); // the import table's end past the snapshot
    assert.throws(() => imports.snapshotImports(corrupt, "x.snap"), /import table at \d+-65520/);
    assert.throws(() => imports.appImports(path.join(dir, "missing")), /manifest\.json can't be read \(ENOENT\); --app takes the folder snapfleet build wrote/);
  });

  it("the app's budget in sizeBudget.json applies to its image; other apps get the target's", () => {
    const file = path.join(ROOT, "firmware/native/sizeBudget.json");
    const budgets = JSON.parse(fs.readFileSync(file, "utf8"))["cortex-m0plus"];
    const app = size.readSizeBudget(file, "cortex-m0plus", "grow-station");
    const own = budgets.apps["grow-station"];
    // Each figure the app gives is the app's; the others (goals, the stack margin) are the target's.
    for (const key of Object.keys(budgets).filter((k) => k !== "apps" && k !== "limits")) {
      assert.equal(app[key], key in own ? own[key] : budgets[key], key);
    }
    const other = size.readSizeBudget(file, "cortex-m0plus", "another-app");
    for (const key of ["flashBytes", "ramBytes", "heapBytes", "stackBytes"]) assert.equal(other[key], budgets[key], key);
  });
});
