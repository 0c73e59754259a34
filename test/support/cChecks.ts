/** The C check programs beside the native code (firmware/native/.../tests/*Check.c): each prints
 * "ok: ..." or "FAIL: ..." per check and exits non-zero on a failure. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Builds a check program from its sources with the machine's compiler ($CC), under ASan and
 * UBSan, warnings as errors, plus `flags` (a board's -D limits) and `libs` (after the sources, as
 * the linker needs them: -lm); returns its path (in a new temporary folder). */
export function buildCheckProgram(name: string, sources: string[], flags: string[] = [], libs: string[] = []): string {
  const program = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `sf-${name}-`)), name);
  execFileSync(process.env.CC || "cc", ["-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", ...flags, "-o", program, ...sources, ...libs], { stdio: "pipe" });
  return program;
}

/** All `expected` checks ran and passed (the output is the message otherwise). */
export function assertChecksPassed(output: string, expected: number): void {
  const checks = output.split("\n").filter((l) => /^(ok|FAIL):/.test(l));
  assert.equal(checks.length, expected, output);
  assert.ok(checks.every((l) => l.startsWith("ok:")), output);
}

/** Runs a check program built by buildCheckProgram and asserts its checks. */
export function runCheckProgram(program: string, expected: number): void {
  let output: string;
  try {
    output = execFileSync(program, { encoding: "utf8" });
  } catch (e) {
    assert.fail(`${path.basename(program)} failed:\n${(e as { stdout?: string }).stdout ?? e}`);
  }
  assertChecksPassed(output, expected);
}

/** The -D flags scripts/build-firmware.mjs compiles every device source of a Cortex-M `target`
 * with (firmware/native/sizeBudget.json's limits), for the image for any app or for `app`'s own. */
export async function targetLimitDefines(target: string, app?: string): Promise<string[]> {
  const root = path.join(__dirname, "../..");
  const size = await import(path.join(root, "scripts/firmwareSize.mjs"));
  return size.limitDefines(size.readSizeBudget(path.join(root, "firmware/native/sizeBudget.json"), target, app));
}
