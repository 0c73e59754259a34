/** `npm run test:slow`: the native device under valgrind memcheck for a session with the real
 * local cloud: boot, messages both ways, an OTA update, a failing update rolled back, a crash
 * loop rolled back, a clean stop; and a board onboarding by claim (refused while pending, approved,
 * online as its own thing, stopped). No memory errors, no definite leaks (Paho's and OpenSSL's
 * process-lifetime allocations are "still reachable", which is not a leak). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeEnvelope } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import { compileNativeApp, DashboardView, NATIVE_APP, NativeFleet } from "../../test/support/nativeFleet";
import { waitFor } from "../../test/support/waitFor";
import { NativeDevice } from "./nativeDevice";

const valgrind = (logFile: string) => ["valgrind", `--log-file=${logFile}`, "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite", "--track-origins=yes"];

/** valgrind's verdict on a device that was stopped: exit 0, no errors, no definite leak. */
async function assertClean(device: NativeDevice, valgrindLog: string): Promise<void> {
  await device.stop();
  const code = await device.exited;
  const memcheck = fs.readFileSync(valgrindLog, "utf8");
  assert.equal(code, 0, `valgrind's exit code (99: errors or definite leaks); its report, ${valgrindLog}:\n${memcheck.split("\n").slice(0, 120).join("\n")}`);
  assert.match(memcheck, /ERROR SUMMARY: 0 errors from 0 contexts \(suppressed: 0 from 0\)/);
  assert.doesNotMatch(memcheck, /definitely lost: [1-9]/);
  fs.rmSync(path.dirname(valgrindLog), { recursive: true, force: true });
}

const app = (value: number, extra = "") => `  const level = api.newCommsChannel<number>("level", { direction: "device-to-server", qos: 1 });
  const cmd = api.newCommsChannel<number>("cmd", { direction: "server-to-device", qos: 1 });
  cmd.addEventListener("messageFromServer", (v) => level.pushMessageToServer(v + ${value}));
  api.mcu.setInterval(() => level.pushMessageToServer(${value}), 200);
${extra}`;

describe("native device under valgrind memcheck (slow)", function () {
  this.timeout(600_000);

  it("has no memory errors and no definite leaks through OTA, rollbacks and a clean stop", async () => {
    const v1 = await compileNativeApp(app(1));
    const fleet = await NativeFleet.start(v1);
    const dashboard = await DashboardView.connect(fleet.cloud);
    try {
      const report: string[] = [];
      const valgrindLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sf-memcheck-")), "valgrind.log");
      await fleet.cloud.deploy(v1);
      const device = await fleet.startDevice("nat-mem", {
        launcher: valgrind(valgrindLog),
        gracePeriodMs: 2000,
        crashLoop: { failures: 3, withinMs: 60_000 },
        connectTimeoutMs: 120_000,
        onLog: (line) => report.push(line),
      });
      const status = () => dashboard.lastStatus("nat-mem");
      await waitFor("v1 running", () => status()?.version === v1.manifest.version && dashboard.lastValue("nat-mem", "level") === 1, 120_000);
      const send = (value: number, seq: number) =>
        fleet.cloud.broker.aedes.publish({ cmd: "publish", topic: topics.down(NATIVE_APP, "nat-mem", "cmd"), payload: Buffer.from(encodeEnvelope("srv", seq, value, Date.now())), qos: 1, retain: false, dup: false }, () => {});
      send(100, 1);
      send(100, 1); // a repeat: dropped by the device's dedup window
      await waitFor("the echo", () => dashboard.messages.some((m) => m.envelope.v === 101), 60_000);

      const v2 = await compileNativeApp(app(2));
      await fleet.cloud.deploy(v2);
      await waitFor("v2 installed", () => status()?.version === v2.manifest.version && dashboard.lastValue("nat-mem", "level") === 2, 120_000);

      const failsAtStart = await compileNativeApp(app(3, `  api.mcu.onStart(() => { throw new Error("no sensor"); });`));
      const failing = await fleet.cloud.deploy(failsAtStart);
      await waitFor("failed start rolled back", () => fleet.execution("nat-mem", failing.jobId!)?.status === "FAILED", 120_000);

      const loops = await compileNativeApp(app(4, `  let t = 0;\n  api.mcu.setInterval(() => { t = t + 1; if (t > 20) { while (true) {} } }, 200);`));
      await fleet.cloud.deploy(loops);
      await waitFor("crash loop rolled back to v2", () => report.some((l) => /rolled back from version [0-9a-f]{12} to [0-9a-f]{12}: crash loop/.test(l)) && status()?.version === v2.manifest.version, 240_000);

      await assertClean(device, valgrindLog);
    } finally {
      await dashboard.close();
      await fleet.stop();
    }
  });

  it("has no memory errors and no definite leaks onboarding by claim (pending, approved, online, stopped)", async () => {
    const v1 = await compileNativeApp(app(1));
    const fleet = await NativeFleet.start(v1);
    try {
      const { jobId } = await fleet.cloud.deploy(v1);
      const claim = await fleet.cloud.broker.pki.claimIdentity("batch-mem");
      const valgrindLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sf-memcheck-")), "valgrind.log");
      const lines: string[] = [];
      const booting = NativeDevice.start({
        binary: fleet.binary,
        app: fleet.cloud.app,
        stateDir: fleet.deviceStateDir("sn-mem"),
        endpoint: "127.0.0.1",
        port: fleet.cloud.broker.mqttsPort,
        caPath: fleet.cloud.broker.pki.caCertPath,
        claim: { serial: "sn-mem", certPath: claim.certPath, keyPath: claim.keyPath, retry: { initialMs: 500, maxMs: 1000 } },
        launcher: valgrind(valgrindLog),
        connectTimeoutMs: 240_000,
        onLog: (line) => lines.push(line),
      });
      await waitFor("a refused attempt", () => (fleet.cloud.approvals.get("sn-mem")?.attempts ?? 0) >= 2, 120_000);
      fleet.cloud.approvals.approve("sn-mem");
      const device = await booting;
      await waitFor("v1 installed over the air", () => fleet.execution("sn-mem", jobId!)?.status === "SUCCEEDED", 120_000);
      await assertClean(device, valgrindLog);
    } finally {
      await fleet.stop();
    }
  });
});
