/** The emulated fleet (`snapfleet dev --device-runtime qemu`) for tests: why it can't run here,
 * the Cortex-M33 image built once per process, and the end-to-end scenario the quick test runs
 * with one board and the slow test with three. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DevSession } from "../../cli/devSession";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { encodeDevicePackage } from "../../core/contracts/devicePackage";
import { otaJobDocument, otaJobId } from "../../core/contracts/jobDocument";
import { localArtifactUrl } from "../../local/jobs/artifactUrls";
import { qemuUnavailable } from "../../firmware/native/ports/mps2-an505/qemuBoard";
import { writeFeatures } from "./tempFeatures";

const ROOT = path.resolve(__dirname, "../..");

/** Why the emulated boards can't run here (QEMU or the cross toolchain missing), or undefined. */
export function qemuFleetUnavailable(): string | undefined {
  const qemu = qemuUnavailable();
  if (qemu) return qemu;
  try {
    execFileSync("arm-none-eabi-gcc", ["--version"], { stdio: "ignore" });
    return undefined;
  } catch {
    return "arm-none-eabi-gcc is not installed: sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi";
  }
}

let built: Promise<string> | undefined;
/** build/firmware/cortex-m33/snapfleet-device.elf, built once per process. */
export function cortexM33Image(): Promise<string> {
  built ??= (async () => {
    const { buildFirmware } = (await import(path.join(ROOT, "scripts/build-firmware.mjs"))) as { buildFirmware(o: { target: string; log: () => void }): Promise<{ program: string }> };
    return (await buildFirmware({ target: "cortex-m33", log: () => {} })).program;
  })();
  return built;
}

let builtSupervisorSecure: Promise<{ image: string; nonSecureImage: string }> | undefined;
/** The supervisor-secure TrustZone build (cortex-m33-tz-supervisor) as `snapfleet dev
 * --device-target` boots it: its secure device program and its non-secure engine image, built
 * once per process. */
export function supervisorSecureImages(): Promise<{ image: string; nonSecureImage: string }> {
  builtSupervisorSecure ??= (async () => {
    const { buildFirmware } = (await import(path.join(ROOT, "scripts/build-firmware.mjs"))) as { buildFirmware(o: { target: string; log: () => void }): Promise<{ program: string; engineImage: string }> };
    const built = await buildFirmware({ target: "cortex-m33-tz-supervisor", log: () => {} });
    return { image: built.program, nonSecureImage: built.engineImage };
  })();
  return builtSupervisorSecure;
}

/** Once a second: the MCU's link holds 16 publishes awaiting the co-processor's PUBLISHED, and a
 * rebuild blocks this process (broker, co-processors) for seconds on a loaded machine; at 5/s the
 * table filled and the supervisor dropped its status publish (firmware/native/README.md, "Not
 * done yet"). */
export const levelApp = (value: number) => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  api.mcu.setInterval(() => level.pushMessageToServer(${value}), 1000);
}
`;

async function waitFor(what: string, check: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `snapfleet dev --device-runtime qemu --devices N` against the real local cloud: the boards
 * come online in the dashboard's fleet view with the first job installed over the link, an edit
 * of the feature (dev's rebuild) updates every board over the air through its co-processor
 * with the job SUCCEEDED, a package changed in the store after upload is refused by each MCU's
 * own SHA-256 check (the job FAILED with its reason, the boards keep their version), and the
 * session stops with every board offline. */
export async function qemuDevScenario(devices: number, follow?: (line: string) => void, images?: { image: string; nonSecureImage?: string }): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "sf-dev-qemu-"));
  const entry = writeFeatures({ "app.ts": levelApp(7) }, "dev-qemu");
  const logs: string[] = [];
  const explain = () => logs.slice(-40).join("\n");
  let session: DevSession | undefined;
  try {
    session = await DevSession.start({ entry, secrets: {}, devices, port: 0, stateDir, dashboardBundleDir: null, watch: false, deviceRuntime: "qemu", qemuImage: images?.image ?? (await cortexM33Image()), qemuNonSecureImage: images?.nonSecureImage, log: (l) => (logs.push(l), follow?.(l)) });
    const { cloud } = session;
    const rows = () => cloud.monitor.devices();
    await waitFor(`${devices} boards online on the first job`, () => rows().length === devices && rows().every((r) => r.online && r.ota === "SUCCEEDED" && r.lastMessage === "level = 7"), 120_000, explain);
    const first = rows()[0].version;
    // The MCU's own words (its console, UART0): it verified the package and its trial passed.
    for (let i = 1; i <= devices; i++) assert.ok(logs.includes(`[sim-${i}] [ota] installed version ${first}`), `sim-${i}'s MCU installed ${first}\n${explain()}`);

    fs.writeFileSync(entry, levelApp(8));
    const { jobId, version } = await session.rebuild();
    assert.ok(jobId, "the edit changed the device code: an OTA job");
    await waitFor("every board on the new version", () => rows().every((r) => r.online && r.version === version && r.lastMessage === "level = 8"), 120_000, explain);
    for (let i = 1; i <= devices; i++) {
      const execution = cloud.jobs.book.execution(`sim-${i}`, jobId!);
      await waitFor(`sim-${i}'s job execution to end`, () => cloud.jobs.book.execution(`sim-${i}`, jobId!).status !== "IN_PROGRESS", 30_000, explain);
      assert.equal(cloud.jobs.book.execution(`sim-${i}`, jobId!).status, "SUCCEEDED", JSON.stringify(execution));
      assert.ok(logs.some((l) => l.startsWith(`[sim-${i}] [coprocessor] job ${jobId}: package sent`)), `sim-${i}'s package crossed the link\n${explain()}`);
      assert.ok(logs.includes(`[sim-${i}] [ota] installed version ${version}`), `sim-${i}'s MCU installed ${version}\n${explain()}`);
    }

    // Bytes changed in the store after upload: the co-processor streams what it downloaded, and
    // the MCU's own SHA-256 check refuses it; the job ends FAILED with the MCU's reason.
    const v9 = await compileFeatures({ entry: writeFeatures({ "app.ts": levelApp(9) }, "dev-qemu") });
    const pkg = encodeDevicePackage(v9.manifest, v9.snapshots.device);
    const stored = cloud.artifacts.put(pkg.bytes);
    const bytes = Buffer.from(pkg.bytes);
    bytes[bytes.length - 5] ^= 0xff;
    fs.writeFileSync(path.join(stateDir, "artifacts", stored), bytes);
    const badJob = `${otaJobId(cloud.app, v9.manifest.version).slice(0, 40)}-bad`;
    cloud.jobs.createJob({ jobId: badJob, document: { ...otaJobDocument(v9.manifest, pkg, localArtifactUrl(stored)) }, thingGroup: cloud.thingGroup, targetSelection: "CONTINUOUS", maximumPerMinute: 1000, abort: { thresholdPercentage: 100, minNumberOfExecutedThings: 100 }, inProgressTimeoutInMinutes: 10 });
    for (let i = 1; i <= devices; i++) {
      const failed = () => {
        try {
          return cloud.jobs.book.execution(`sim-${i}`, badJob).status === "FAILED";
        } catch {
          return false; // no execution for this board yet
        }
      };
      await waitFor(`sim-${i}'s corrupt package FAILED`, failed, 60_000, explain);
      assert.match(cloud.jobs.book.execution(`sim-${i}`, badJob).statusDetails.reason, /integrity check failed: got \d+ bytes with sha256 [0-9a-f]{12}, the job document says \d+ bytes with sha256 [0-9a-f]{12}; the running app is unchanged/);
    }
    const heard = rows().map((r) => r.lastMessage);
    assert.ok(rows().every((r) => r.online && r.version === version), `the boards kept the version they ran: ${JSON.stringify(rows().map((r) => ({ online: r.online, version: r.version })))}\n${explain()}`);
    assert.deepEqual(heard, heard.map(() => "level = 8"));

    await session.stop();
    session = undefined;
    assert.ok(rows().every((r) => !r.online), "each board said offline before the broker stopped");
  } finally {
    await session?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
