/** `snapfleet run-device --runtime qemu --target cortex-m33-tz-supervisor`: the supervisor-secure
 * TrustZone build (both images on one emulated board) prints the plain image's lines for the
 * grow-station's scripted session, and a plain run prints its readings as JSON lines; a target
 * it doesn't run, or --target without --runtime qemu, is refused naming the allowed values
 * before anything is built. Run through the CLI, as a user would. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { m33Unavailable } from "./support/m33Images";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "bin", "snapfleet.js");
const SCRIPT = path.join(ROOT, "test/fixtures/native-equivalence/grow-station.jsonl");

async function snapfleet(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("run-device --runtime qemu --target: the supervisor-secure TrustZone build", function () {
  this.timeout(600_000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "sf-qemu-target-"));
  const build = path.join(out, "grow-station");
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  before(async () => {
    const built = await snapfleet(["build", "examples/grow-station/features/app.ts", "--secrets-file", "examples/grow-station/dev-secrets.json", "--out", build]);
    assert.equal(built.code, 0, built.stderr);
  });

  it("a target the board doesn't run, or --target with another runtime: refused in one line naming the allowed values", async () => {
    const cases: [string[], RegExp][] = [
      [["--runtime", "qemu", "--target", "cortex-m0plus"], /^snapfleet run-device: --target must be cortex-m33 \(the default\) or cortex-m33-tz-supervisor, got cortex-m0plus$/m],
      [["--runtime", "native", "--target", "cortex-m33-tz-supervisor"], /^snapfleet run-device: --target needs --runtime qemu \(it chooses the emulated board's build: cortex-m33 \(the default\) or cortex-m33-tz-supervisor\), got --runtime native$/m],
      [["--target", "cortex-m33"], /^snapfleet run-device: --target needs --runtime qemu \(.*\), got --runtime typescript$/m],
    ];
    for (const [flags, expected] of cases) {
      const r = await snapfleet(["run-device", build, "--seconds", "1", ...flags]);
      assert.equal(r.code, 1, flags.join(" "));
      assert.match(r.stderr, expected, flags.join(" "));
      assert.equal(r.stdout, "", `${flags.join(" ")}: nothing ran`);
      assert.doesNotMatch(r.stderr, /build-firmware|\n\s+at /, `${flags.join(" ")}: refused before any build, no stack`);
    }
  });

  describe("on QEMU", function () {
    before(function () {
      const unavailable = m33Unavailable();
      if (unavailable) {
        console.log(`      skipped: ${unavailable}`);
        this.skip();
      }
    });

    it("the grow-station's scripted session: the plain image's lines, both images booted", async () => {
      const session = (target?: string) => snapfleet(["run-device", build, "--runtime", "qemu", ...(target ? ["--target", target] : []), "--script", SCRIPT, "--pin", "A2=const:22.04"]);
      const plain = await session();
      assert.equal(plain.code, 0, plain.stderr);
      const split = await session("cortex-m33-tz-supervisor");
      assert.equal(split.code, 0, split.stderr);
      assert.ok(plain.stdout.includes('{"pin":"D5","value":true,"t":1700000005000}'), `grow light on: ${plain.stdout}`);
      assert.equal(split.stdout, plain.stdout);
    });

    it("a plain run prints the readings as JSON lines, as the plain image's run does", async () => {
      const r = await snapfleet(["run-device", build, "--runtime", "qemu", "--target", "cortex-m33-tz-supervisor", "--seconds", "3", "--pin", "A2=const:22.04"]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { channel: string; value: unknown });
      assert.deepEqual(lines[0], { ...lines[0], channel: "event-log", value: 0 });
      assert.ok(lines.some((l) => l.channel === "temperature" && l.value === 22), r.stdout);
      assert.match(r.stderr, /\[app\] wifi: credentials provisioned/);
      assert.match(r.stderr, /^stopped; VM heap \d+ B \(peak \d+ B\), 0 app errors$/m);
    });
  });
});
