import assert from "node:assert/strict";
import { Microvium } from "microvium";
import { inlineNumericConstants, runtimeSourceFor } from "./runtimeSource";

describe("runtime source preparation", () => {
  it("replaces upper-case integer constants by their value and drops the declarations", () => {
    const out = inlineNumericConstants("const E_ONE = 1;\nconst BELOW = -2; // why\nconst Name = 3;\nconst TEXT = \"t\";\nf(E_ONE, BELOW, Name, TEXT, E_ONE_MORE);\n");
    assert.equal(out, "const Name = 3;\nconst TEXT = \"t\";\nf(1, (-2), Name, TEXT, E_ONE_MORE);\n");
  });

  it("refuses a constant declared twice", () => {
    assert.throws(() => inlineNumericConstants("const A = 1;\nconst A = 2;\n"), /A is declared twice/);
  });

  it("leaves a source without such constants unchanged", () => {
    const source = "const x = 1;\n  const INDENTED = 2;\nf(x, INDENTED);\n";
    assert.equal(inlineNumericConstants(source), source);
  });

  it("prepares the real runtime per target: TARGET first, no error-code names left, and it evaluates", () => {
    for (const target of ["device", "web", "server"] as const) {
      const source = runtimeSourceFor(target);
      assert.ok(source.startsWith(`const TARGET = "${target}";\n`));
      assert.doesNotMatch(source, /\bE_[A-Z_]+\b/);
      const vm = Microvium.create(() => () => undefined);
      vm.globalThis.vmImport = vm.vmImport;
      vm.globalThis.vmExport = vm.vmExport;
      const runtime = vm.evaluateModule({ sourceText: source });
      assert.equal(typeof runtime.runApp, "function");
    }
  });

  it("makes the snapshot smaller than evaluating the constants as globals", () => {
    const source = "const E_A = 1;\nconst E_B = 2;\nvmExport(1, function (x) { return x === E_A ? E_B : E_A; });\n";
    const sizeOf = (text: string) => {
      const vm = Microvium.create();
      vm.globalThis.vmExport = vm.vmExport;
      vm.evaluateModule({ sourceText: text });
      return vm.createSnapshot().data.length;
    };
    assert.ok(sizeOf(inlineNumericConstants(source)) < sizeOf(source));
  });
});
