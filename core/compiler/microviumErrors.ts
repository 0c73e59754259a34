import { CompileError, MicroviumSyntaxError, RuntimeError } from "microvium/dist/lib/utils";
import { COMPILER_BUG_HINT, FeatureCompileError, type SourceLocation } from "./errors";
import type { SourceMapper } from "./sourceMapper";

/** What the compile-time VM was doing when an error came out of it. */
export type BuildPhase = "module" | "app";

const PHASE_HINTS: Record<BuildPhase, string> = {
  module: "this error happened while the feature's top-level module code ran at build time",
  app: "this error happened while App(api) ran at build time",
};
const SUBSET_HINT = 'Microvium runs a subset of JavaScript; see README "What feature code may use"';

/** `(feature.js:line:col)` as Microvium appends it to its messages (column 0-based). */
function locationPattern(file: string): RegExp {
  return new RegExp(`\\n?\\s*at [^\\n]*\\(${file.replace(/\./g, "\\.")}:(\\d+):(\\d+)\\)`);
}

/** How Microvium 8 words its internal failures (utils, src-to-il, the VM's IL checks). */
const MICROVIUM_INTERNAL = /^(Internal error|Internal compile error|VM IL error|Unexpected state|Feature not implemented)/;

/** Runs a step of the compile-time VM and turns what Microvium throws into a
 * FeatureCompileError at the author's file:line, told apart by Microvium's error classes:
 *   a value the feature's code threw (`throw new Error(...)`, not caught)
 *   MicroviumSyntaxError  the lowered bundle doesn't parse: the lowering produced it, so a
 *                         compiler bug (the author's own syntax errors stop at esbuild)
 *   CompileError          a construct Microvium doesn't compile: the author can change it
 *   RuntimeError          the feature's code failed while it ran (module code or App)
 *   Microvium's internal errors: a compiler bug (but see isBuildTimeAsyncResume)
 * Any other error (a host function's own) is rethrown as it is. */
export function withFeatureLocations<T>(
  mapper: SourceMapper,
  file: string,
  phase: BuildPhase,
  run: () => T,
  locate?: () => SourceLocation | undefined,
  thrownAt?: () => SourceLocation | undefined,
): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof FeatureCompileError) throw e;
    if (!(e instanceof Error)) throw thrownByFeature(e, phase, thrownAt?.());
    const m = locationPattern(file).exec(e.message);
    const location = m ? mapper.toOriginal(Number(m[1]), Number(m[2])) : undefined;
    const problem = (m ? e.message.slice(0, m.index) : e.message).replace(/^VM runtime error: /, "").trim();
    if (e instanceof MicroviumSyntaxError) throw new FeatureCompileError(`internal compiler error: Microvium could not parse the compiled feature: ${problem}`, location, COMPILER_BUG_HINT);
    if (e instanceof CompileError) throw new FeatureCompileError(problem, location, SUBSET_HINT);
    if (e instanceof RuntimeError) throw new FeatureCompileError(inPlainWords(problem), location, PHASE_HINTS[phase]);
    if (isBuildTimeAsyncResume(e)) {
      throw new FeatureCompileError(
        "an async function resumed after `await` during the build, which Microvium's build-time engine can't always do",
        location ?? locate?.(),
        "start async work from a callback (api.mcu.onStart, a timer, a listener), not while App(api) or the module's top-level code runs",
      );
    }
    if (m || MICROVIUM_INTERNAL.test(e.message)) throw new FeatureCompileError(`internal compiler error: ${problem}`, location, COMPILER_BUG_HINT);
    throw e;
  }
}

/** Microvium's run-time messages that don't say what the author did. Calling what isn't a
 * function is mostly an API that doesn't exist (`api.mcu.getAnalogpin`), which esbuild lets
 * through since the build doesn't type-check. */
function inPlainWords(problem: string): string {
  const uncallable = /^Calling uncallable target \((\w+)\)$/.exec(problem);
  if (uncallable) {
    return `called something that is not a function (it is ${uncallable[1]}): a method or API that doesn't exist, misspelled? \`npx tsc -p .\` checks every call against FeatureApi`;
  }
  return problem;
}

/** Microvium 8's compile-time VM sizes an async function's stack without the slots resuming it
 * takes, so resuming a small one (`async function f() { await p; }`) fails an internal assertion
 * there. The device engine resumes it fine; only the build can't. */
function isBuildTimeAsyncResume(e: Error): boolean {
  return /\boperationAsyncResume\b/.test(e.stack ?? "");
}

/** The compile-time VM rethrows a value the feature's code threw as that value (an Error made
 * in the VM arrives as a plain object with its message); `at` is where it was thrown
 * (featureThrows.ts). */
function thrownByFeature(value: unknown, phase: BuildPhase, at: SourceLocation | undefined): FeatureCompileError {
  const message = typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string" ? (value as { message: string }).message : String(value);
  const during = phase === "app" ? "App(api)" : "the feature's top-level module code";
  return new FeatureCompileError(`${during} threw at build time: ${message}`, at, "catch the error where it is thrown, or fix what throws it");
}
