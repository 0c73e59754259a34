/** The Cortex-M ports' replacements of libm functions (remainder.c's fmod: the engine's % on
 * doubles and the core's ToInt32; rounding.c's floor and ceil: Math.floor/round/ceil, the number
 * text, timers), built for this machine and compared bit for bit with glibc's on doubles of every
 * kind: any bit pattern, subnormals, exponents far apart, halves, readings, signed zeros,
 * infinities and NaN. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bitsOf, randomSource } from "./tests/doubleSamples";

const port = __dirname;
const SPECIALS = [0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, Infinity, -Infinity, NaN, 1, -1, 3, 0.1, 0.5, -0.5, 1.5, -1.5, 2 ** 32, -(2 ** 32), 2 ** 52 - 0.5, 2 ** 52 + 1, -(2 ** 53), 1e308, 1e-308, 4.5, -7.25, 0.9999999999999999, -0.9999999999999999].map(bitsOf);

/** Check lines for tests/libmCheck.c: "m X Y" (fmod), "f X" (floor), "c X" (ceil). */
function sampleCases(count: number): string[] {
  const next = randomSource(0x243f6a8885a308d3n);
  const hex = (bits: bigint) => bits.toString(16);
  const cases: string[] = [];
  for (const x of SPECIALS) {
    cases.push(`f ${hex(x)}`, `c ${hex(x)}`);
    for (const y of SPECIALS) cases.push(`m ${hex(x)} ${hex(y)}`);
  }
  const anyExponent = () => (next() & 0x800fffffffffffffn) | ((next() % 2047n) << 52n);
  const nearOne = () => (next() & 0x800fffffffffffffn) | ((1023n + (next() % 60n) - 5n) << 52n); // |x| from 1/32 to 2^55: every rounding position
  while (cases.length < count) {
    switch (cases.length % 6) {
      case 0: cases.push(`m ${hex(next())} ${hex(next())}`); break;
      case 1: cases.push(`m ${hex(bitsOf(Number(next() % 2000001n) / 1000 - 1000))} ${hex(bitsOf(Number(next() % 20001n) / 100 - 100))}`); break;
      case 2: cases.push(`m ${hex(anyExponent())} ${hex(anyExponent())}`); break;
      case 3: cases.push(`m ${hex(next() % (1n << 53n))} ${hex(next() % (1n << 50n))}`); break; // subnormals
      case 4: { const x = hex(next() & 1n ? nearOne() : next()); cases.push(`f ${x}`, `c ${x}`); break; }
      default: { const x = hex(bitsOf((Number(next() % 4000001n) - 2000000) / 2 ** Number(next() % 4n))); cases.push(`f ${x}`, `c ${x}`); break; } // halves and quarters
    }
  }
  return cases;
}

describe("Cortex-M libm replacements (ports/cortex-m/remainder.c, rounding.c) against glibc", function () {
  this.timeout(120_000);

  it("fmod, floor and ceil give the same bits as glibc's for 300,000 cases (NaN as NaN)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-libm-"));
    try {
      const cc = process.env.CC || "cc";
      const flags = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"];
      // renamed, so glibc's functions stay what the check compares with
      const renamed = ["fmod", "floor", "ceil"].map((name) => `-D${name}=sf_underTest_${name}`);
      for (const file of ["remainder.c", "rounding.c"]) execFileSync(cc, [...flags, ...renamed, "-c", path.join(port, file), "-o", path.join(dir, file.replace(/\.c$/, ".o"))]);
      execFileSync(cc, [...flags, path.join(port, "tests/libmCheck.c"), path.join(dir, "remainder.o"), path.join(dir, "rounding.o"), "-lm", "-o", path.join(dir, "check")]);
      const cases = sampleCases(300_000);
      let output: string;
      try {
        output = execFileSync(path.join(dir, "check"), { input: cases.join("\n"), encoding: "utf8" });
      } catch (error) {
        assert.fail(`a replacement differs from glibc's:\n${(error as { stdout?: string }).stdout}`);
      }
      assert.match(output, new RegExp(`^checked ${cases.length}, 0 differ$`, "m"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
