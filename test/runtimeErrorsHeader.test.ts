/** scripts/runtimeErrorsHeader.mjs: the native device's runtime error texts come from
 * core/runtime/runtimeErrors.ts, not a hand-made copy. The header is generated from the module the
 * device host formats with; a text changed there changes the header (and so the C build, whose
 * inputs hash includes it); a text the C tables can't express fails the generation, naming the
 * call and the file. test/nativeEquivalence.test.ts compares the words the native device prints. */
import assert from "node:assert/strict";
import path from "node:path";
import * as runtimeErrors from "../core/runtime/runtimeErrors";
import { RuntimeError, type RuntimeErrorParts } from "../core/runtime/runtimeErrors";

const ROOT = path.resolve(__dirname, "..");
type Module = typeof runtimeErrors;
let header: (errors: Module) => string;

/** runtimeErrors.ts with one code's text replaced by `text(parts, api, name)`. */
function withText(code: RuntimeError, text: (parts: RuntimeErrorParts, api: unknown, name: unknown) => string): Module {
  const formatRuntimeErrorWith: Module["formatRuntimeErrorWith"] = (parts, c, api, name, target) =>
    c === code ? text(parts, api, name) : runtimeErrors.formatRuntimeErrorWith(parts, c, api, name, target);
  return { ...runtimeErrors, formatRuntimeErrorWith, formatRuntimeError: (c, api, name, target) => formatRuntimeErrorWith(runtimeErrors.RUNTIME_ERROR_PARTS, c, api, name, target) };
}

/** The C string literals of the header, joined back into their texts. */
function cStrings(text: string): string[] {
  return [...text.matchAll(/^ {2}("(?:[^"\\]|\\.)*"(?:"(?:[^"\\]|\\.)*")*),$/gm)].map((m) =>
    m[1].replace(/\\x([0-9a-f]{2})""/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))).replace(/^"|"$/g, ""),
  );
}

describe("runtime error texts for the native device (scripts/runtimeErrorsHeader.mjs)", () => {
  before(async () => {
    ({ runtimeErrorsHeader: header } = await import(path.join(ROOT, "scripts/runtimeErrorsHeader.mjs") as string));
  });

  it("carries each code's text from runtimeErrors.ts, the API names and the serving targets", () => {
    const strings = cStrings(header(runtimeErrors));
    // The texts without an API or name part appear whole.
    for (const code of [RuntimeError.UnsendableFunction, RuntimeError.UnsendableCycle, RuntimeError.MissingTitle]) {
      assert.ok(strings.includes(runtimeErrors.formatRuntimeError(code, undefined, undefined, "device")), `code ${code}'s text is in the header`);
    }
    for (const name of Object.values(runtimeErrors.API_NAMES)) assert.ok(strings.includes(name), `API name ${name}`);
    for (const target of Object.values(runtimeErrors.SERVED_BY)) assert.ok(strings.includes(target), `served by ${target}`);
  });

  it("changes when a text changes in runtimeErrors.ts", () => {
    const changed = header(withText(RuntimeError.NoSuchPin, (_parts, api) => `no pin called "${api}" on this board`));
    assert.notEqual(changed, header(runtimeErrors));
    assert.ok(cStrings(changed).includes('no pin called "\x01" on this board'), "the new words, with the API's place marked");
    assert.ok(!changed.includes("check the pin label against the board"), "the old words are gone");
  });

  it("refuses a text the C tables can't express, naming the call and the file", () => {
    const shouting = withText(RuntimeError.BadDelay, (_parts, api) => `delay for ${String(api).toUpperCase()} must be >= 0`);
    assert.throws(() => header(shouting), /core\/runtime\/runtimeErrors\.ts: formatRuntimeError\(10, "x", .*\) is "delay for X must be >= 0", but the C tables would word it "delay for x must be >= 0"/);
  });

  it("refuses codes with a gap", () => {
    const gap = { ...runtimeErrors, RuntimeError: { ...runtimeErrors.RuntimeError, Later: 40, 40: "Later" } } as unknown as Module;
    assert.throws(() => header(gap), /RuntimeError codes must run 0, 1, 2, … without gaps.*16 is missing/);
  });
});
