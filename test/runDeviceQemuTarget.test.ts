/** `snapfleet run-device --runtime qemu --target cortex-m33-tz|cortex-m33-tz-supervisor`: each
 * TrustZone build (both its images on one emulated board: the first one's secure image starting
 * the plain device program non-secure, or the supervisor secure and the engine non-secure)
 * prints the plain image's lines for the grow-station's scripted session, byte for byte, and a
 * plain run prints its readings as JSON lines; a build for another board runs on every
 * target (the local modes simulate the build's board); a target it doesn't run, or --target
 * without --runtime qemu, is refused naming the allowed values before anything is built. Run
 * through the CLI, as a user would. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { m33Unavailable } from "./support/m33Images";
import { skipIfUnavailable } from "./support/skipIfUnavailable";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "bin", "snapfleet.js");
const SCRIPT = path.join(ROOT, "test/fixtures/native-equivalence/grow-station.jsonl");
const TRUSTZONE_TARGETS = ["cortex-m33-tz", "cortex-m33-tz-supervisor"];
/** An app for the ESP32-DevKitC's GPIO labels, which the simulated board lacks. */
const ESP32_APP = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  const sensor = api.mcu.getAnalogPin("GPIO34");
  const led = api.mcu.getDigitalPin("GPIO2");
  api.mcu.setInterval(() => { level.pushMessageToServer(sensor.read()); led.write(true); }, 1000);
}
`;

async function snapfleet(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("run-device --runtime qemu --target: the TrustZone builds", function () {
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
      [["--runtime", "qemu", "--target", "cortex-m0plus"], /^snapfleet run-device: --target must be cortex-m33 \(the default\), cortex-m33-tz or cortex-m33-tz-supervisor, got cortex-m0plus$/m],
      [["--runtime", "native", "--target", "cortex-m33-tz-supervisor"], /^snapfleet run-device: --target needs --runtime qemu \(it chooses the emulated board's build: cortex-m33 \(the default\), cortex-m33-tz or cortex-m33-tz-supervisor\), got --runtime native$/m],
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
      skipIfUnavailable(this, m33Unavailable());
    });

    it("the grow-station's scripted session: the plain image's lines on each TrustZone build, both images booted", async () => {
      const session = (target?: string) => snapfleet(["run-device", build, "--runtime", "qemu", ...(target ? ["--target", target] : []), "--script", SCRIPT, "--pin", "A2=const:22.04"]);
      const plain = await session();
      assert.equal(plain.code, 0, plain.stderr);
      assert.ok(plain.stdout.includes('{"pin":"D5","value":true,"t":1700000005000}'), `grow light on: ${plain.stdout}`);
      for (const target of TRUSTZONE_TARGETS) {
        const split = await session(target);
        assert.equal(split.code, 0, `${target}: ${split.stderr}`);
        assert.equal(split.stdout, plain.stdout, target);
      }
    });

    // Only the link device (`connect`, dev's boards) is one board and refuses a package of
    // another; run-device loads a build folder and simulates the board it names, as the posix
    // device does (firmware/native/README.md, "Which board a device is"): nothing to refuse.
    it("a build for another board (esp32-devkitc) runs on every target, its own pins simulated", async () => {
      const espBuild = path.join(out, "esp32");
      const entry = path.join(out, "esp-app", "features", "app.ts");
      fs.mkdirSync(path.dirname(entry), { recursive: true });
      fs.writeFileSync(entry, ESP32_APP);
      const built = await snapfleet(["build", entry, "--board", "esp32-devkitc", "--out", espBuild]);
      assert.equal(built.code, 0, built.stderr);
      for (const target of ["cortex-m33", ...TRUSTZONE_TARGETS]) {
        const r = await snapfleet(["run-device", espBuild, "--runtime", "qemu", "--target", target, "--seconds", "2", "--pin", "GPIO34=const:1.5"]);
        assert.equal(r.code, 0, `${target}: ${r.stderr}`);
        const first = JSON.parse(r.stdout.split("\n")[0]) as { channel: string; value: unknown };
        assert.deepEqual([first.channel, first.value], ["level", 1.5], `${target}: ${r.stdout}`);
        assert.match(r.stderr, /^\[board\] GPIO2 <- HIGH$/m, target);
      }
    });

    for (const target of TRUSTZONE_TARGETS) {
      it(`a plain run on ${target} prints the readings as JSON lines, as the plain image's run does`, async () => {
        const r = await snapfleet(["run-device", build, "--runtime", "qemu", "--target", target, "--seconds", "3", "--pin", "A2=const:22.04"]);
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { channel: string; value: unknown });
        assert.deepEqual(lines[0], { ...lines[0], channel: "event-log", value: 0 });
        assert.ok(lines.some((l) => l.channel === "temperature" && l.value === 22), r.stdout);
        assert.match(r.stderr, /\[app\] wifi: credentials provisioned/);
        assert.match(r.stderr, /^stopped; VM heap \d+ B \(peak \d+ B\), 0 app errors$/m);
      });
    }
  });
});
