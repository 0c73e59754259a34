/** OTA end to end on the local cloud: the real broker with mutual TLS, the Jobs MQTT API spoken
 * by aws-iot-device-sdk-v2's own iotjobs client, the HTTPS artifact store, A/B slots. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { encodeDevicePackage } from "../core/contracts/devicePackage";
import { decodeDeviceStatus, encodeDeviceStatus, LAST_WILL_BOOT_ID, type DeviceStatus } from "../core/contracts/deviceStatus";
import { topics } from "../core/contracts/topics";
import { otaJobDocument, type OtaJobDocument } from "../core/contracts/jobDocument";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import type { CrashLoopOptions, OtaEvent } from "../firmware/ota";
import { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud } from "../local/cloud";
import { localArtifactUrl } from "../local/jobs/artifactUrls";
import { startCloudDevice } from "./support/cloudDevice";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

const app = (body: string) => `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n  const beat = api.newCommsChannel<number>("beat", { direction: "device-to-server" });\n${body}\n}\n`;

async function compile(body: string): Promise<CompileResult> {
  return compileFeatures({ entry: writeFeatures({ "app.ts": app(body) }, "ota-app") });
}


describe("OTA on the local cloud (real broker, TLS, device SDK jobs client)", function () {
  this.timeout(60_000);
  let engine: MicroviumEngine;
  let stateDir: string;
  let cloud: LocalCloud;
  let v1: CompileResult, v2: CompileResult, v3: CompileResult, crashing: CompileResult, throwsEveryTick: CompileResult, failsLater: CompileResult, flaky: CompileResult, failsOnceInGrace: CompileResult;
  const devices: SimulatedDevice[] = [];

  before(async () => {
    engine = await loadWasmEngine();
    v1 = await compile(`  api.mcu.setInterval(() => beat.pushMessageToServer(1), 100);`);
    v2 = await compile(`  api.mcu.setInterval(() => beat.pushMessageToServer(2), 100);`);
    v3 = await compile(`  api.mcu.setInterval(() => beat.pushMessageToServer(3), 100);`);
    failsOnceInGrace = await compile(`  api.mcu.setInterval(() => beat.pushMessageToServer(5), 100);\n  api.mcu.setTimeout(() => { throw new Error("late calibration failed"); }, 1000);`);
    // Two lines: AWS refuses a statusDetails value with a newline, so the agent must flatten it.
    crashing = await compile(`  api.mcu.onStart(() => { throw new Error("sensor not found\\nbus 2 silent"); });`);
    throwsEveryTick = await compile(`  const probe: { read?: () => number } = {};\n  api.mcu.setInterval(() => beat.pushMessageToServer(probe.read!()), 100);`);
    failsLater = await compile(`  let n = 0;\n  api.mcu.setInterval(() => { n = n + 1; if (n > 10) throw new Error("sensor drift " + n); beat.pushMessageToServer(3); }, 100);`);
    flaky = await compile(`  let n = 0;\n  api.mcu.setInterval(() => { n = n + 1; if (n % 8 === 0) throw new Error("glitch " + n); beat.pushMessageToServer(4); }, 100);`);
  });

  beforeEach(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-ota-"));
    cloud = await LocalCloud.start({ stateDir, build: v1, port: 0, dashboardBundleDir: null });
  });

  afterEach(async () => {
    for (const d of devices.splice(0)) await d.stop().catch(() => {});
    await cloud.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  async function startDevice(thing: string, events: OtaEvent[] = [], crashLoop?: CrashLoopOptions, gracePeriodMs = 300): Promise<SimulatedDevice> {
    const device = await startCloudDevice(cloud, thing, stateDir, { engine, gracePeriodMs, crashLoop, onOtaEvent: (e) => events.push(e) });
    devices.push(device);
    return device;
  }

  const execution = (thing: string, jobId: string) => cloud.jobs.book.job(jobId)?.executions.get(thing);

  /** A job made the way the cloud makes one (package stored, document announcing it), then
   * `change`d: what a wrong, stale or hostile job would tell the device. */
  function jobFor(build: CompileResult, jobId: string, change: (document: OtaJobDocument) => Record<string, unknown> = (d) => ({ ...d })): string {
    const pkg = encodeDevicePackage(build.manifest, build.snapshots.device);
    const sha256 = cloud.artifacts.put(pkg.bytes);
    cloud.jobs.createJob({ jobId, document: change(otaJobDocument(build.manifest, pkg, localArtifactUrl(sha256))), thingGroup: cloud.thingGroup });
    return jobId;
  }

  it("a running device answers a late last will on its status (as AWS may publish one after a reconnect) with online again", async () => {
    const first = await cloud.deploy(v1);
    await startDevice("gh-1");
    await waitFor("v1 SUCCEEDED and online", () => execution("gh-1", first.jobId!)?.status === "SUCCEEDED" && cloud.broker.fleetStatus.get("gh-1")?.online === true);
    const { bootId } = cloud.broker.fleetStatus.get("gh-1")!;
    const heard: DeviceStatus[] = [];
    cloud.broker.aedes.subscribe(topics.status(cloud.app, "gh-1"), (packet, done) => (heard.push(decodeDeviceStatus(packet.payload as Buffer)), done()), () => {});
    const will = encodeDeviceStatus({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 1 });
    cloud.broker.aedes.publish({ cmd: "publish", topic: topics.status(cloud.app, "gh-1"), payload: Buffer.from(will), qos: 1, retain: true, dup: false }, () => {});
    await waitFor("the will, then online again", () => {
      const at = heard.findIndex((s) => s.bootId === LAST_WILL_BOOT_ID);
      return at >= 0 && heard.slice(at + 1).some((s) => s.online && s.bootId === bootId);
    });
    assert.deepEqual([cloud.broker.fleetStatus.get("gh-1")?.online, cloud.broker.fleetStatus.get("gh-1")?.version], [true, v1.manifest.version]);
  });

  it("installs a job, then a newer one; the version survives a device restart", async () => {
    const first = await cloud.deploy(v1);
    const device = await startDevice("gh-1");
    await waitFor("v1 SUCCEEDED", () => execution("gh-1", first.jobId!)?.status === "SUCCEEDED");
    assert.equal(execution("gh-1", first.jobId!)!.statusDetails.version, v1.manifest.version, "SUCCEEDED names the version now running");
    assert.equal(device.agent.installedVersion, v1.manifest.version);
    await waitFor("the app's messages", () => cloud.monitor.devices()[0]?.lastMessage === "beat = 1");
    assert.equal(cloud.monitor.devices()[0].version, v1.manifest.version);

    const second = await cloud.deploy(v2);
    assert.notEqual(second.jobId, first.jobId);
    await waitFor("v2 SUCCEEDED", () => execution("gh-1", second.jobId!)?.status === "SUCCEEDED");
    await waitFor("v2 running", () => cloud.monitor.devices()[0]?.lastMessage === "beat = 2");

    // Same code again: no new job.
    assert.equal((await cloud.deploy(v2)).jobId, undefined);

    await device.stop();
    devices.length = 0;
    const again = await startDevice("gh-1");
    assert.equal(again.agent.installedVersion, v2.manifest.version);
    assert.ok(again.device, "the installed app boots from its slot before any job");
  });

  it("going back to an earlier version (an edit undone in snapfleet dev) rolls it out again under a new job id", async () => {
    const first = await cloud.deploy(v1);
    await startDevice("gh-1");
    await waitFor("v1 SUCCEEDED", () => execution("gh-1", first.jobId!)?.status === "SUCCEEDED");
    const second = await cloud.deploy(v2);
    await waitFor("v2 SUCCEEDED", () => execution("gh-1", second.jobId!)?.status === "SUCCEEDED");
    const back = await cloud.deploy(v1);
    assert.ok(back.jobId && ![first.jobId, second.jobId].includes(back.jobId), `a fresh job id, got ${back.jobId}`);
    assert.equal(back.jobId, `${first.jobId}-2`);
    await waitFor("v1 SUCCEEDED again", () => execution("gh-1", back.jobId!)?.status === "SUCCEEDED");
    await waitFor("v1 running", () => cloud.monitor.devices()[0]?.lastMessage === "beat = 1");
  });

  it("a corrupted artifact (sha256 mismatch) fails the job and the old app keeps running", async () => {
    await cloud.deploy(v1);
    const events: OtaEvent[] = [];
    const device = await startDevice("gh-1", events);
    await waitFor("v1 installed", () => device.agent.installedVersion === v1.manifest.version);
    const second = await cloud.deploy(v2);
    // Flip a byte of the stored package, as a broken disk or a tampering server would.
    const doc = cloud.jobs.book.job(second.jobId!)!.config.document as { sha256: string };
    const file = path.join(stateDir, "artifacts", doc.sha256);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await waitFor("FAILED", () => execution("gh-1", second.jobId!)?.status === "FAILED");
    assert.match(execution("gh-1", second.jobId!)!.statusDetails.reason, /integrity check failed: .* sha256 .* the job document says/);
    assert.equal(device.agent.installedVersion, v1.manifest.version);
    const before = cloud.monitor.devices()[0].lastMessageAt;
    await waitFor("old app still sending", () => (cloud.monitor.devices()[0].lastMessageAt ?? 0) > (before ?? 0));
    assert.equal(cloud.monitor.devices()[0].lastMessage, "beat = 1");
    assert.ok(events.some((e) => e.kind === "failed"));
  });

  it("an app that crashes at start is rolled back and the job FAILED with the reason (on one line, as AWS takes it)", async () => {
    await cloud.deploy(v1);
    const device = await startDevice("gh-1");
    await waitFor("v1 installed", () => device.agent.installedVersion === v1.manifest.version);
    const bad = await cloud.deploy(crashing);
    await waitFor("FAILED", () => execution("gh-1", bad.jobId!)?.status === "FAILED");
    assert.match(execution("gh-1", bad.jobId!)!.statusDetails.reason, /the new app failed and was rolled back: start: onStart callback #0 failed: sensor not found bus 2 silent/);
    assert.equal(device.agent.installedVersion, v1.manifest.version);
    await waitFor("v1 running again", () => device.device?.supervisor !== undefined && cloud.monitor.devices()[0].lastMessage === "beat = 1");
  });

  it("an app whose timer fails on every tick is rolled back within the grace period; the job FAILED names the callback", async () => {
    await cloud.deploy(v1);
    const device = await startDevice("gh-1");
    await waitFor("v1 installed", () => device.agent.installedVersion === v1.manifest.version);
    const bad = await cloud.deploy(throwsEveryTick);
    await waitFor("FAILED", () => execution("gh-1", bad.jobId!)?.status === "FAILED");
    assert.match(
      execution("gh-1", bad.jobId!)!.statusDetails.reason,
      /^the new app failed and was rolled back: within the grace period: timer #0 \(setInterval\) failed: MVM_E_TYPE_ERROR_TARGET_IS_NOT_CALLABLE: something that is not a function was called$/,
    );
    assert.equal(device.agent.installedVersion, v1.manifest.version);
    await waitFor("v1 running again", () => device.device?.supervisor.appErrorCount === 0 && cloud.monitor.devices()[0].lastMessage === "beat = 1");
  });

  it("a version that starts crash-looping after the grace period is rolled back to the previous slot and says why", async () => {
    const first = await cloud.deploy(v1);
    const events: OtaEvent[] = [];
    const device = await startDevice("gh-1", events, { failures: 3, withinMs: 2000 });
    await waitFor("v1 installed", () => execution("gh-1", first.jobId!)?.status === "SUCCEEDED");
    const later = await cloud.deploy(failsLater);
    await waitFor("v2 SUCCEEDED", () => execution("gh-1", later.jobId!)?.status === "SUCCEEDED");
    await waitFor("rolled back", () => events.some((e) => e.kind === "rolledBack"));
    const rolledBack = events.find((e) => e.kind === "rolledBack") as Extract<OtaEvent, { kind: "rolledBack" }>;
    assert.deepEqual([rolledBack.from, rolledBack.to], [failsLater.manifest.version, v1.manifest.version]);
    assert.match(rolledBack.reason, /^crash loop \(3 failures within 2 s\), the last: timer #0 \(setInterval\) failed: sensor drift 1\d$/);
    assert.equal(device.agent.installedVersion, v1.manifest.version);
    // Reported on the device's log topic and in its status (the installed version), as the cloud sees them.
    await waitFor("report in the log", () => /^rolled back from version [0-9a-f]{12} to [0-9a-f]{12}: crash loop/.test(cloud.monitor.devices()[0].lastLog ?? ""));
    await waitFor("v1 reported and running", () => cloud.monitor.devices()[0].version === v1.manifest.version && cloud.monitor.devices()[0].lastMessage === "beat = 1");
    assert.equal(execution("gh-1", later.jobId!)?.status, "SUCCEEDED", "the job had ended; the rollback doesn't rewrite it");
    // The failed version is forgotten: a restart boots v1, and a later crash loop has nothing to swap back in.
    await device.stop();
    devices.length = 0;
    const again = await startDevice("gh-1");
    assert.equal(again.agent.installedVersion, v1.manifest.version);
  });

  it("an app that fails now and then, below the crash-loop threshold, stays installed", async () => {
    await cloud.deploy(v1);
    const events: OtaEvent[] = [];
    const device = await startDevice("gh-1", events, { failures: 3, withinMs: 1000 });
    await waitFor("v1 installed", () => device.agent.installedVersion === v1.manifest.version);
    const job = await cloud.deploy(flaky);
    await waitFor("SUCCEEDED", () => execution("gh-1", job.jobId!)?.status === "SUCCEEDED");
    await waitFor("four glitches", () => (device.device?.supervisor.appErrorCount ?? 0) >= 4);
    assert.match(device.device!.supervisor.appErrors[0], /^timer #0 \(setInterval\) failed: glitch 8$/);
    assert.equal(device.agent.installedVersion, flaky.manifest.version);
    assert.ok(!events.some((e) => e.kind === "rolledBack"), JSON.stringify(events));
    assert.equal(cloud.monitor.devices()[0].lastMessage, "beat = 4");
  });

  it("the OTA sha256 check: a valid package other than the one the job names is refused before it runs", async () => {
    await cloud.deploy(v1);
    const device = await startDevice("gh-1");
    await waitFor("v1 installed", () => device.agent.installedVersion === v1.manifest.version);
    // Where v2's package will be stored, put v3's: a well-formed package of the same size that
    // passes every check but the sha256 the job document names (a swapped or stale object).
    const v2Package = encodeDevicePackage(v2.manifest, v2.snapshots.device);
    const v3Package = encodeDevicePackage(v3.manifest, v3.snapshots.device);
    assert.equal(v3Package.size, v2Package.size, "same size, so only the sha256 tells them apart");
    fs.writeFileSync(path.join(stateDir, "artifacts", v2Package.sha256), v3Package.bytes);
    const second = await cloud.deploy(v2);
    await waitFor("FAILED", () => execution("gh-1", second.jobId!)?.status === "FAILED");
    assert.equal(device.agent.installedVersion, v1.manifest.version);
    const failedAt = Date.now();
    await waitFor("old app still sending", () => (cloud.monitor.devices()[0].lastMessageAt ?? 0) > failedAt);
    assert.equal(cloud.monitor.devices()[0].lastMessage, "beat = 1", "v3's code never ran");
  });

  it("OTA: a crash within the grace period rolls back and reports FAILED, also when it comes midway through it", async () => {
    await cloud.deploy(v1);
    const events: OtaEvent[] = [];
    // Grace period 4 s; the new app runs fine for 1 s, then a timer throws once.
    const device = await startDevice("gh-1", events, undefined, 4000);
    await waitFor("v1 installed", () => device.agent.installedVersion === v1.manifest.version);
    const bad = await cloud.deploy(failsOnceInGrace);
    await waitFor("FAILED", () => execution("gh-1", bad.jobId!)?.status === "FAILED", 20_000);
    assert.match(execution("gh-1", bad.jobId!)!.statusDetails.reason, /^the new app failed and was rolled back: within the grace period: timer #1 \(setTimeout\) failed: late calibration failed$/);
    assert.equal(device.agent.installedVersion, v1.manifest.version);
    await waitFor("v1 running again", () => cloud.monitor.devices()[0].lastMessage === "beat = 1");
    assert.ok(events.some((e) => e.kind === "failed" && e.jobId === bad.jobId));
  });

  it("a device that joins after the job was created gets it (continuous targeting)", async () => {
    const job = await cloud.deploy(v1);
    await startDevice("gh-1");
    await waitFor("first device", () => execution("gh-1", job.jobId!)?.status === "SUCCEEDED");
    const late = await startDevice("gh-2");
    await waitFor("late device", () => execution("gh-2", job.jobId!)?.status === "SUCCEEDED");
    assert.equal(late.agent.installedVersion, v1.manifest.version);
  });

  it("the Jobs API rejects what AWS rejects, in AWS's shape", async () => {
    await cloud.deploy(v1);
    const device = await startDevice("gh-1");
    await waitFor("installed", () => device.agent.installedVersion !== undefined);
    const answers: { topic: string; body: Record<string, unknown> }[] = [];
    const listen = (topic: string) =>
      device.transport.subscribe(topic, 1, (t, p) => answers.push({ topic: t, body: JSON.parse(p) }));
    listen("$aws/things/gh-1/jobs/no-such-job/update/rejected");
    listen("$aws/things/gh-1/jobs/get/accepted");
    await new Promise((r) => setTimeout(r, 200));
    await device.transport.publish("$aws/things/gh-1/jobs/no-such-job/update", JSON.stringify({ status: "SUCCEEDED", clientToken: "t1" }), 1);
    await device.transport.publish("$aws/things/gh-1/jobs/get", JSON.stringify({ clientToken: "t2" }), 1);
    await waitFor("answers", () => answers.length === 2);
    const rejected = answers.find((a) => a.topic.endsWith("/rejected"))!.body;
    assert.deepEqual([rejected.code, rejected.clientToken, typeof rejected.timestamp], ["ResourceNotFound", "t1", "number"]);
    const listed = answers.find((a) => a.topic.endsWith("/get/accepted"))!.body;
    assert.deepEqual([listed.clientToken, listed.inProgressJobs, listed.queuedJobs], ["t2", [], []]);
  });

  it("OTA verifies the size too, before the engine sees a byte: a document announcing one byte more than its package, with the package's own sha256, fails the job", async () => {
    await cloud.deploy(v1);
    const device = await startDevice("gh-1");
    await waitFor("v1 installed", () => device.agent.installedVersion === v1.manifest.version);
    const jobId = jobFor(v2, "ota-size-lie", (d) => ({ ...d, size: d.size + 1 }));
    await waitFor("FAILED", () => execution("gh-1", jobId)?.status === "FAILED");
    const reason = execution("gh-1", jobId)!.statusDetails.reason;
    const [, got, says] = /^integrity check failed: got (\d+) bytes with sha256 [0-9a-f]{12}, the job document says (\d+) bytes with sha256 [0-9a-f]{12}; the running app is unchanged$/.exec(reason) ?? [];
    assert.equal(Number(says), Number(got) + 1, reason);
    assert.equal(device.agent.installedVersion, v1.manifest.version);
    const failedAt = Date.now();
    await waitFor("old app still sending", () => (cloud.monitor.devices()[0].lastMessageAt ?? 0) > failedAt);
    assert.equal(cloud.monitor.devices()[0].lastMessage, "beat = 1", "v2's code never ran");
  });

  it("a job document for another engine, or a malformed one, is REJECTED with the reason and the running app stays", async () => {
    await cloud.deploy(v1);
    const events: OtaEvent[] = [];
    const device = await startDevice("gh-1", events);
    await waitFor("v1 installed", () => device.agent.installedVersion === v1.manifest.version);
    const otherEngine = jobFor(v2, "ota-other-engine", (d) => ({ ...d, engine: "microvium-0.0.1/bytecode-1" }));
    await waitFor("REJECTED (engine)", () => execution("gh-1", otherEngine)?.status === "REJECTED");
    assert.match(execution("gh-1", otherEngine)!.statusDetails.reason, /^the package needs engine microvium-0\.0\.1\/bytecode-1; this firmware runs microvium-/);
    const malformed = jobFor(v2, "ota-malformed", (d) => ({ ...d, sha256: "not-hex" }));
    await waitFor("REJECTED (document)", () => execution("gh-1", malformed)?.status === "REJECTED");
    assert.match(execution("gh-1", malformed)!.statusDetails.reason, /^invalid OTA job document: sha256 must be 64 lowercase hex digits$/);
    assert.deepEqual(events.filter((e) => e.kind === "failed").map((e) => e.kind === "failed" && e.jobId), [otherEngine, malformed]);
    assert.equal(device.agent.installedVersion, v1.manifest.version);
    const rejectedAt = Date.now();
    await waitFor("v1 still sending", () => (cloud.monitor.devices()[0].lastMessageAt ?? 0) > rejectedAt);
    assert.equal(cloud.monitor.devices()[0].lastMessage, "beat = 1");
  });

  it("a job for the version already installed SUCCEEDS as \"already installed\", without reinstalling it", async () => {
    const first = await cloud.deploy(v1);
    const events: OtaEvent[] = [];
    const device = await startDevice("gh-1", events);
    await waitFor("v1 SUCCEEDED", () => execution("gh-1", first.jobId!)?.status === "SUCCEEDED");
    const app = device.agent.app;
    const again = jobFor(v1, "ota-same-version");
    await waitFor("SUCCEEDED", () => execution("gh-1", again)?.status === "SUCCEEDED");
    assert.deepEqual(execution("gh-1", again)!.statusDetails, { result: "already installed" });
    assert.equal(device.agent.app, app, "the running app was not restarted");
    assert.deepEqual(events.filter((e) => e.kind !== "rolledBack" && e.jobId === again), [], "no download, no start, no install event");
  });
});
