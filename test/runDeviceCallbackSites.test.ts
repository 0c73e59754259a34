/** `snapfleet run-device` names a failed callback by file:line on every runtime: the C devices
 * (native, QEMU) say it by kind and number, and run-device, which knows the build they run, gives
 * the build's sites (core/runtime/callbackSiteNames.ts). The expectation is the TypeScript
 * runtime's own output for the same build, run the same way. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { qemuUnavailable } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { crossToolchainUnavailable } from "./support/crossToolchain";
import { skipIfUnavailable } from "./support/skipIfUnavailable";
import { writeFeatures } from "./support/tempFeatures";

const run = promisify(execFile);
const CLI = path.join(__dirname, "..", "bin", "snapfleet.js");

const SENSOR = `import type { FeatureApi, CommsChannel } from "snapfleet";
export function sensor(api: FeatureApi, out: CommsChannel<number>) {
  const readings: Record<string, { celsius: number }> = {};
  api.mcu.setInterval(() => out.pushMessageToServer(readings["kitchen"].celsius), 400);
}
`;
const APP = `import type { FeatureApi } from "snapfleet";
import { sensor } from "./sensor";
export function App(api: FeatureApi) {
  sensor(api, api.newCommsChannel<number>("temp", { qos: 0 }));
  api.mcu.onStart(() => api.log("first start callback"));
  api.mcu.onStart(() => {
    api.mcu.setTimeout(() => { throw new Error("calibration lost"); }, 300);
  });
  api.mcu.setTimeout(() => api.mcu.setTimeout(() => { throw new Error("no sensor on A2"); }, 100), 200);
}
`;

describe("run-device names failed callbacks by file:line on the native and QEMU runtimes too", function () {
  this.timeout(600_000);
  let project: string;
  /** The distinct error lines of a 1.5-second run (how often each comes depends on the runtime's speed). */
  const errors = async (runtime: string) => {
    const { stderr } = await run(process.execPath, [CLI, "run-device", "build/", "--runtime", runtime, "--seconds", "1.5"], { cwd: project, maxBuffer: 16 * 1024 * 1024 });
    return [...new Set(stderr.split("\n").filter((l) => l.startsWith("[app] error: ")))].sort();
  };
  let expected: string[];

  before(async () => {
    project = path.dirname(path.dirname(writeFeatures({ "app.ts": APP, "sensor.ts": SENSOR }, "sited")));
    await run(process.execPath, [CLI, "build", "features/app.ts"], { cwd: project });
    expected = await errors("typescript");
    assert.deepEqual(
      expected.map((l) => l.replace(/:\d+:\d+\)/, ":L)")),
      [
        "[app] error: timer (setInterval at features/sensor.ts:L) failed: MVM_E_TYPE_ERROR: a member of undefined or null was read or written, or a value was used as the wrong type",
        "[app] error: timer (setTimeout, added by onStart callback at features/app.ts:L) failed: calibration lost",
        "[app] error: timer (setTimeout, added by setTimeout timer at features/app.ts:L) failed: no sensor on A2",
      ],
    );
  });

  it("native: the TypeScript runtime's lines", async () => {
    assert.deepEqual(await errors("native"), expected);
  });

  it("QEMU (Cortex-M33): the TypeScript runtime's lines", async function () {
    skipIfUnavailable(this, qemuUnavailable() ?? (process.getuid?.() === 0 ? undefined : crossToolchainUnavailable()));
    assert.deepEqual(await errors("qemu"), expected);
  });
});
