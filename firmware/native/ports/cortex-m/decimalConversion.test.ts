/** The Cortex-M ports' numbers as text (decimalConversion.c, in place of newlib's printf and
 * strtod), built for this machine: against glibc's correctly rounded printf/strtod, and
 * String(x), x.toFixed(d) and parseFloat(s) of the core (numberText.c) on top of it against
 * Node's. */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { bitsOf, fromBits, randomSource } from "./tests/doubleSamples";

const native = path.join(__dirname, "../..");

/** Doubles of every kind a device meets or a test should: any bit pattern, sensor readings,
 * money, counters, tiny and huge, subnormals, neighbours of powers of ten. */
function sampleDoubles(count: number): number[] {
  const next = randomSource(0x2545f4914f6cdd1dn);
  const values = [0, -0, 1, -1, 0.1, 0.2, 0.3, 0.1 + 0.2, 1 / 3, 2 / 3, 100, 1e21, 1e-7, 123e-20, 5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e15, 1e16, 1e17, 123456789012345680000, 0.000001, 1.7976931348623157e308];
  while (values.length < count) {
    const r = next();
    switch (Number(r % 6n)) {
      case 0: values.push(fromBits(next() & ~(0x7ffn << 52n) ? next() : 0n)); break;
      case 1: values.push(Number(next() % 2000001n) / 1000 - 1000); break;
      case 2: values.push(Number(next() % 100000000n) / 10 ** Number(next() % 12n)); break;
      case 3: values.push(fromBits(next() % (1n << 52n))); break;
      case 4: values.push(10 ** Number(next() % 40n - 20n) * (1 + Number(next() % 5n) * Number.EPSILON)); break;
      default: values.push(fromBits((next() & 0x800fffffffffffffn) | (BigInt(1023 + Number(next() % 200n) - 100) << 52n))); break;
    }
  }
  return values.filter((x) => Number.isFinite(x));
}

/** Decimal texts parseFloat meets: exact, long, halfway, with exponents, junk after. */
function sampleTexts(count: number): string[] {
  const next = randomSource(0x9e3779b97f4a7c15n);
  const texts = ["0", "-0", "  12", "+.5", "5.", ".", "1e", "1e+", "1e-5x", "-", "e5", "0x10", "Infinity", "-Infinity", "1e400", "1e-400", "2.4703282292062327e-324", "2.4703282292062328e-324", "9007199254740993", "0.1e1", "00012.50abc", "1.7976931348623159e308"];
  while (texts.length < count) {
    let text = next() & 1n ? "-" : "";
    const digits = 1 + Number(next() % (next() & 1n ? 25n : 300n));
    const point = Number(next() % BigInt(digits + 3));
    for (let d = 0; d < digits; d++) text += (d === point ? "." : "") + String(next() % 10n);
    if (next() & 1n) text += `e${Number(next() % 700n) - 350}`;
    texts.push(text);
  }
  return texts;
}

describe("Cortex-M numbers as text without printf/strtod (ports/cortex-m/decimalConversion.c)", function () {
  this.timeout(120_000);
  let dir: string;
  let program: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-decimal-"));
    const checks = await import(path.join(native, "../../scripts/firmwareChecks.mjs"));
    program = await checks.compileCheck({
      main: path.join(__dirname, "tests/decimalCheck.c"),
      sources: [path.join(__dirname, "decimalConversion.c"), path.join(__dirname, "engineNumberFormat.c"), path.join(native, "core/numberText.c")],
      out: path.join(dir, "decimalCheck"),
      flags: ["-O2", "-I", path.join(native, "../../core/engine/glue")],
    });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Sends request lines to the check program; its answer lines, one per request. */
  async function ask(requests: string[]): Promise<string[]> {
    const child = spawn(program, ["lines"], { stdio: ["pipe", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stdin.end(requests.join("\n") + "\n");
    const code = await new Promise((resolve) => child.on("close", resolve));
    assert.equal(code, 0);
    const lines = output.split("\n");
    lines.pop();
    assert.equal(lines.length, requests.length);
    return lines;
  }

  function mismatches<T>(inputs: T[], ours: string[], expected: (input: T) => string, show: (input: T) => string) {
    return inputs.flatMap((input, i) => (ours[i] === expected(input) ? [] : [`${show(input)}: ours ${ours[i]}, Node ${expected(input)}`])).slice(0, 10);
  }

  it("prints %.*e, the engine's %.15g and reads decimal text as glibc does (1-20 and 200 digits, random digit strings, subnormals, halfway cases)", async () => {
    const { stdout } = await promisify(execFile)(program, ["random", "30000", "12"]);
    assert.match(stdout, /^decimal: \d+ checks match the C library$/m, stdout);
  });

  it("String(x) as Node prints it, for 20,000 doubles", async () => {
    const values = sampleDoubles(20_000);
    const ours = await ask(values.map((x) => `s ${bitsOf(x).toString(16)}`));
    assert.deepEqual(mismatches(values, ours, (x) => String(x), (x) => `0x${bitsOf(x).toString(16)}`), []);
  });

  it("x.toFixed(d) as Node prints it, for d from 0 to 20 and 100", async () => {
    const cases = sampleDoubles(3_000).flatMap((x, i) => [[x, i % 21], [x, i % 7 === 0 ? 100 : (i * 7) % 21]] as const);
    const ours = await ask(cases.map(([x, d]) => `f ${bitsOf(x).toString(16)} ${d}`));
    assert.deepEqual(mismatches(cases, ours, ([x, d]) => x.toFixed(d), ([x, d]) => `(${x}).toFixed(${d})`), []);
  });

  it("parseFloat(s) as Node reads it, for 20,000 texts", async () => {
    const texts = sampleTexts(20_000);
    const ours = await ask(texts.map((s) => `p ${s}`));
    const expectedBits = (s: string) => bitsOf(parseFloat(s)).toString(16).padStart(16, "0");
    assert.deepEqual(mismatches(texts, ours, expectedBits, (s) => JSON.stringify(s)), []);
  });
});
