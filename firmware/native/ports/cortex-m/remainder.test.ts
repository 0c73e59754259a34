/** The Cortex-M ports' fmod (remainder.c, in place of libm's: the engine's % on doubles and the
 * core's ToInt32), built for this machine and compared bit for bit with glibc's fmod on pairs of
 * every kind: any bit pattern, subnormals, exponents far apart, readings, signed zeros,
 * infinities and NaN. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { bitsOf, randomSource } from "./tests/doubleSamples";

const port = __dirname;

function samplePairs(count: number): [bigint, bigint][] {
  const next = randomSource(0x243f6a8885a308d3n);
  const specials = [0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, Infinity, -Infinity, NaN, 1, -1, 3, 0.1, 2 ** 32, -(2 ** 32), 1e308, 1e-308, 4.5, -7.25].map(bitsOf);
  const pairs: [bigint, bigint][] = [];
  for (const x of specials) for (const y of specials) pairs.push([x, y]);
  const anyExponent = () => (next() & 0x800fffffffffffffn) | ((next() % 2047n) << 52n);
  while (pairs.length < count) {
    switch (pairs.length % 4) {
      case 0: pairs.push([next(), next()]); break;
      case 1: pairs.push([bitsOf(Number(next() % 2000001n) / 1000 - 1000), bitsOf(Number(next() % 20001n) / 100 - 100)]); break;
      case 2: pairs.push([anyExponent(), anyExponent()]); break;
      default: pairs.push([next() % (1n << 53n), next() % (1n << 50n)]); break; // subnormals
    }
  }
  return pairs;
}

describe("Cortex-M fmod (ports/cortex-m/remainder.c) against glibc", function () {
  this.timeout(120_000);

  it("the same bits as glibc's fmod for 200,000 pairs (NaN as NaN)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-remainder-"));
    try {
      const cc = process.env.CC || "cc";
      // renamed, so glibc's fmod stays what the check compares with
      execFileSync(cc, ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-Dfmod=sf_fmodUnderTest", "-c", path.join(port, "remainder.c"), "-o", path.join(dir, "remainder.o")]);
      execFileSync(cc, ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", path.join(port, "tests/remainderCheck.c"), path.join(dir, "remainder.o"), "-lm", "-o", path.join(dir, "check")]);
      const pairs = samplePairs(200_000);
      let output: string;
      try {
        output = execFileSync(path.join(dir, "check"), { input: pairs.map(([x, y]) => `${x.toString(16)} ${y.toString(16)}`).join("\n"), encoding: "utf8" });
      } catch (error) {
        assert.fail(`fmod differs from glibc's:\n${(error as { stdout?: string }).stdout}`);
      }
      assert.match(output, new RegExp(`^checked ${pairs.length}, 0 differ$`, "m"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
