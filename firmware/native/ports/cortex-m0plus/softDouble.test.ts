/** The Cortex-M0+ port's soft-double replacements (doubleSubtraction.c: a − b as a + (−b);
 * doubleComparison.c: libgcc's comparison entry points from one function of the bits;
 * integerToDouble.c: int to double through unsigned to double) on an emulated Cortex-M0 (QEMU's
 * micro:bit, ARMv6-M as the Nano's SAMD21), built with the image's compiler flags against the
 * ARMv6-M libgcc: a − b's bits and every comparison's value for edge cases (signed zeros,
 * subnormals, the extremes, infinities, NaNs, cancellation, rounding ties) and 4,000
 * pseudo-random pairs, and the conversions of int32 extremes and 1,000 pseudo-random integers,
 * compared with Node's doubles. The same program linked
 * with libgcc's own routines passes the same comparison (the harness is right), and the linker
 * map shows which libgcc members each one took. Skipped, saying why, without qemu-system-arm or
 * the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { crossToolchainUnavailable } from "../../../../test/support/crossToolchain";
import { bitsOf, fromBits, randomSource } from "../cortex-m/tests/doubleSamples";
import { QEMU, qemuUnavailable } from "../mps2-an505/qemuBoard";
import { skipIfUnavailable } from "../../../../test/support/skipIfUnavailable";

const ROOT = path.resolve(__dirname, "../../../..");
const REPLACEMENTS = ["doubleSubtraction.c", "doubleComparison.c", "integerToDouble.c"].map((file) => path.join(__dirname, file));
/** libgcc's members the replacements keep out of an image. */
const REPLACED_MEMBERS = ["subdf3.o", "eqdf2.o", "gedf2.o", "ledf2.o", "unorddf2.o", "floatsidf.o"];

const SPECIALS = [
  0, -0, 5e-324, -5e-324, fromBits(0x000fffffffffffffn), 2.2250738585072014e-308, -2.2250738585072014e-308, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity,
  1, -1, 1 + 2 ** -52, 1 - 2 ** -53, 2 ** -53, -(2 ** -53), 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 0.1, 0.3, 1.5, -3, 1e308, 1e-308,
].map(bitsOf);
const NANS = [0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff0000000000001n, 0xffffffffffffffffn];

/** Pairs of bits: every special with every special (and the NaNs with some), then pseudo-random
 * pairs from a fixed seed: any bits, near each other (cancellation), exponents close, small
 * integers and halves (exact results, equal values, ties), subnormals. */
function casePairs(randomCount: number): [bigint, bigint][] {
  const pairs: [bigint, bigint][] = [];
  for (const a of SPECIALS) for (const b of SPECIALS) pairs.push([a, b]);
  for (const n of NANS) for (const x of [...NANS, 0n, 1n << 63n, bitsOf(1), bitsOf(-Infinity)]) pairs.push([n, x], [x, n]);
  const next = randomSource(0x13198a2e03707344n);
  const nearExponent = (exponent: bigint) => (next() & 0x800fffffffffffffn) | ((exponent + (next() % 7n)) << 52n);
  const halves = () => bitsOf((Number(next() % 2001n) - 1000) / 2);
  for (let i = 0; i < randomCount; i++) {
    switch (i % 5) {
      case 0: pairs.push([next(), next()]); break;
      case 1: { const a = next(); pairs.push([a, (a ^ (next() & 0xffffn)) ^ (next() & 1n) << 63n]); break; } // cancel to few bits
      case 2: { const exponent = next() % 2040n; pairs.push([nearExponent(exponent), nearExponent(exponent)]); break; }
      case 3: pairs.push([halves(), halves()]); break;
      default: pairs.push([next() & 0x800fffffffffffffn, next() & 0x801fffffffffffffn]); break; // subnormals and the smallest normals
    }
  }
  return pairs;
}

/** int32 values to convert: zero, ±1, the extremes, where doubles of 24 bits (floats) would
 * round, powers of two, then pseudo-random ones from a fixed seed. */
function integers(randomCount: number): number[] {
  const values = [0, 1, -1, 2, -2, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) + 1, 2 ** 24 + 1, -(2 ** 24 + 1), 2 ** 30, -(2 ** 30)];
  const next = randomSource(0xa4093822299f31d0n);
  for (let i = 0; i < randomCount; i++) values.push(Number(BigInt.asIntN(32, next() >> BigInt(Number(next() % 33n)))));
  return values;
}

const isNaNBits = (bits: bigint) => (bits & 0x7fffffffffffffffn) > 0x7ff0000000000000n;
const hex = (bits: bigint) => bits.toString(16).padStart(16, "0");

/** The line softDoubleCheck.c should print for the pair, as libgcc's routines compute it: the
 * difference's bits (a NaN as "nan": its payload is not specified) and the comparison values. */
function expectedLine([aBits, bBits]: [bigint, bigint]): string {
  const a = fromBits(aBits), b = fromBits(bBits);
  const difference = a - b;
  const unordered = Number.isNaN(a) || Number.isNaN(b);
  const order = unordered ? 2 : a < b ? -1 : a === b ? 0 : 1;
  const equal = a === b ? 0 : 1;
  const values = [equal, equal, order, order, unordered ? -2 : order, unordered ? -2 : order, unordered ? 1 : 0];
  const operators = [a === b, a < b, a <= b, a > b, a >= b, a !== b].map(Number).join("");
  return `${Number.isNaN(difference) ? "nan" : hex(bitsOf(difference))} ${values.join(" ")} ${operators}`;
}

/** A line as printed, a NaN difference written "nan" as expectedLine does. */
const printedLine = (line: string) => line.replace(/^[0-9a-f]{16}/, (bits) => (isNaNBits(BigInt(`0x${bits}`)) ? "nan" : bits));

describe("the Cortex-M0+ soft double (ports/cortex-m0plus/doubleSubtraction.c, doubleComparison.c, integerToDouble.c) on QEMU's Cortex-M0", function () {
  this.timeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-softdouble-"));
  const pairs = casePairs(4000);
  const ints = integers(1000);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  before(async function () {
    skipIfUnavailable(this, crossToolchainUnavailable() ?? qemuUnavailable());
    const int32 = (n: number) => (n === -(2 ** 31) ? "(-2147483647 - 1)" : String(n)); // C has no negative literals
    fs.writeFileSync(path.join(dir, "softDoubleCases.h"), `#define SOFT_DOUBLE_CASES { ${pairs.map(([a, b]) => `{0x${hex(a)}ull, 0x${hex(b)}ull}`).join(", ")} }\n#define SOFT_DOUBLE_INTEGERS { ${ints.map(int32).join(", ")} }\n`);
  });

  /** The check program linked with `extra` sources (the replacements, or none: libgcc's alone),
   * compiled as the M0+ image is (its cpu and optimisation flags). */
  async function build(name: string, extra: string[]): Promise<{ elf: string; map: string }> {
    const { TARGET_SPECS } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    const spec = TARGET_SPECS["cortex-m0plus"];
    const elf = path.join(dir, `${name}.elf`), map = path.join(dir, `${name}.map`);
    const sources = [path.join(__dirname, "tests/softDoubleCheck.c"), path.join(__dirname, "../mps2-an505/semihosting.c"), ...extra];
    execFileSync("arm-none-eabi-gcc", [...spec.cpu, spec.optimize, "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", dir, "--specs=nano.specs", "-nostartfiles", "-T", path.join(__dirname, "tests/microbit.ld"), `-Wl,-Map=${map}`, "-o", elf, ...sources], { stdio: "pipe" });
    return { elf, map: fs.readFileSync(map, "utf8") };
  }

  const run = (elf: string) =>
    execFileSync(QEMU, ["-M", "microbit", "-nographic", "-monitor", "none", "-serial", "null", "-semihosting-config", "enable=on,target=native", "-kernel", elf], { encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });

  function assertMatchesNode(output: string) {
    const lines = output.trimEnd().split("\n");
    assert.equal(lines.length, pairs.length + ints.length, `the program printed ${lines.length} lines for ${pairs.length} pairs and ${ints.length} integers:\n${output.slice(-500)}`);
    const differ = pairs.flatMap((pair, i) => {
      const expected = expectedLine(pair), printed = printedLine(lines[i]);
      return printed === expected ? [] : [`a ${hex(pair[0])} (${fromBits(pair[0])}), b ${hex(pair[1])} (${fromBits(pair[1])}): printed "${printed}", expected "${expected}"`];
    });
    assert.deepEqual(differ.slice(0, 10), [], `${differ.length} of ${pairs.length} pairs differ from Node's doubles ("a−b eq ne le lt ge gt un", then == < <= > >= != as digits); the first ones above`);
    const converted = ints.flatMap((n, i) => {
      const expected = `${hex(bitsOf(n))} ${hex(bitsOf(n >>> 0))}`, printed = lines[pairs.length + i];
      return printed === expected ? [] : [`${n}: printed "${printed}", expected "${expected}" ((double)n, (double)(unsigned)n)`];
    });
    assert.deepEqual(converted.slice(0, 10), [], `${converted.length} of ${ints.length} integers convert unlike Node's; the first ones above`);
  }

  it("baseline: with libgcc's own routines the program prints Node's results (the harness is right)", async () => {
    const { elf, map } = await build("plain", []);
    assert.match(map, /thumb\/v6-m\/nofp\/libgcc\.a/, "the cpu flags should pick the ARMv6-M libgcc");
    for (const member of REPLACED_MEMBERS) assert.match(map, new RegExp(`libgcc\\.a\\(${member.replace(".", "\\.")}\\)`), `the baseline should take libgcc's ${member}`);
    assertMatchesNode(run(elf));
  });

  it("with the replacements: the same bits and values, and libgcc's subdf3, eqdf2, gedf2, ledf2, unorddf2 and floatsidf left out", async () => {
    const { elf, map } = await build("replaced", REPLACEMENTS);
    for (const member of REPLACED_MEMBERS) assert.doesNotMatch(map, new RegExp(`libgcc\\.a\\(${member.replace(".", "\\.")}\\)`), `libgcc's ${member} is still linked: a replacement doesn't define all of its symbols`);
    assertMatchesNode(run(elf));
  });
});
