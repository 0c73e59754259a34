import assert from "node:assert/strict";
import { Microvium } from "microvium";
import { FeatureCompileError, COMPILER_BUG_HINT } from "./errors";
import { withFeatureLocations } from "./microviumErrors";
import { SourceMapper } from "./sourceMapper";

// An identity source map of a 3-line "feature.js" onto "src/app.ts".
const mapper = new SourceMapper({ version: 3, file: "feature.js", sources: ["src/app.ts"], names: [], mappings: "AAAA;AACA;AACA" }, "/project");

function errorFrom(phase: "module" | "app", sourceText: string): FeatureCompileError {
  const vm = Microvium.create();
  try {
    withFeatureLocations(mapper, "feature.js", phase, () => vm.evaluateModule({ sourceText, debugFilename: "feature.js" }));
  } catch (e) {
    assert.ok(e instanceof FeatureCompileError, `expected a FeatureCompileError, got ${e}`);
    return e;
  }
  assert.fail("expected an error");
}

describe("withFeatureLocations: Microvium's errors at the author's line, with the right hint", () => {
  it("code Microvium's parser rejects is an internal compiler error with a pointer to report it, never 'while App ran'", () => {
    // What the composition bug produced: two top-level functions with one name.
    const err = errorFrom("app", "function App() {}\nfunction App() {}\n");
    assert.match(err.message, /^src\/app\.ts:2:\d+: internal compiler error: Microvium could not parse the compiled feature: Identifier 'App' has already been declared/);
    assert.equal(err.hint, COMPILER_BUG_HINT);
    assert.doesNotMatch(err.message, /while App\(api\) ran/);
  });

  it("a construct Microvium doesn't compile points at the README's list", () => {
    const err = errorFrom("module", "let a = 1;\nlet b = a == 1;\n");
    assert.equal(err.location?.line, 2);
    assert.match(err.message, /hint: Microvium runs a subset of JavaScript/);
  });

  it("a run-time error names the phase it happened in", () => {
    const err = errorFrom("module", "let a;\nlet b = a.x;\n");
    assert.equal(err.location?.line, 2);
    assert.match(err.message, /hint: this error happened while the feature's top-level module code ran at build time/);
  });

  it("Microvium's own internal errors are compiler errors too", () => {
    const err = errorFrom("module", "let a = 1;\nexport { a };\n");
    assert.match(err.message, /internal compiler error: Internal error/);
    assert.equal(err.hint, COMPILER_BUG_HINT);
  });
});
