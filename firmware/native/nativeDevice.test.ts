/** The native device (firmware/native, `snapfleet-device connect`) against the real local cloud:
 * broker with IoT policies over mutual TLS, the Jobs MQTT API, the HTTPS artifact store with
 * signed URLs, certificates from the local PKI. Everything is observed from outside: what the
 * dashboard reads, job execution states, the device's log topic, its state dir after a kill. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CompileResult } from "../../core/compiler/compileFeatures";
import { DedupWindow } from "../../core/contracts/dedupWindow";
import { encodeDevicePackage } from "../../core/contracts/devicePackage";
import { encodeDeviceStatus, LAST_WILL_BOOT_ID } from "../../core/contracts/deviceStatus";
import { decodeEnvelope } from "../../core/contracts/envelope";
import { otaJobDocument, otaJobId } from "../../core/contracts/jobDocument";
import { topics } from "../../core/contracts/topics";
import { localArtifactUrl } from "../../local/jobs";
import { LocalBroker } from "../../local/broker";
import { ensureLocalPki } from "../../local/certificates";
import { NativeDevice } from "./nativeDevice";
import { DevSession } from "../../cli/devSession";
import { compileNativeApp, DashboardView, NATIVE_APP, NativeFleet, nativeDeviceBinary } from "../../test/support/nativeFleet";
import { LinkProxy } from "../../test/support/linkProxy";
import { writeFeatures } from "../../test/support/tempFeatures";
import { waitFor } from "../../test/support/waitFor";

const level = (value: number) => `  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  api.mcu.setInterval(() => level.pushMessageToServer(${value}), 100);`;

describe("native device ↔ local cloud (mutual TLS, Jobs, HTTPS artifacts)", function () {
  this.timeout(120_000);
  // Real device processes over real TLS on a shared 2-core machine: an attempt may run out of
  // time there (twice in CI, never reproduced here at load 27). A second attempt must pass in full;
  // the first one's device logs are printed (below) so a real fault still shows.
  this.retries(1);
  let v1: CompileResult;
  let fleet: NativeFleet | undefined;
  let dashboard: DashboardView | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async () => {
    v1 = await compileNativeApp(level(1));
  });

  afterEach(async function () {
    // What the devices printed and what the dashboard last heard go into the failure itself: a CI
    // log keeps only its tail, where mocha lists the failures.
    const failure = this.currentTest?.state === "failed" ? this.currentTest.err : undefined;
    // A failed attempt that mocha will retry has no state yet.
    if (this.currentTest && this.currentTest.state === undefined && fleet) {
      for (const [thing, lines] of fleet.logs) console.log(`--- attempt failed, to be retried; ${thing} printed:\n${lines.slice(-30).join("\n")}`);
    }
    if (failure && fleet) {
      const devices = [...fleet.logs].map(([thing, lines]) => `--- ${thing} printed (last 30 lines):\n${lines.slice(-30).join("\n")}`);
      const heard = dashboard ? `--- the dashboard's last statuses:\n${dashboard.statuses.slice(-6).map((s) => `${s.thing} ${JSON.stringify(s.status)}`).join("\n")}\n--- messages heard: ${dashboard.messages.length}, the last: ${JSON.stringify(dashboard.messages.at(-1) ?? null)}` : "";
      const where = failure.stack?.includes("\n    at ") ? failure.stack.slice(failure.stack.indexOf("\n    at ")) : "";
      failure.message += `\n${devices.join("\n")}\n${heard}`;
      failure.stack = `${failure.name}: ${failure.message}${where}`;
    }
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await dashboard?.close();
    dashboard = undefined;
    await fleet?.stop();
    fleet = undefined;
  });

  /** Cloud + dashboard view + one device that installed v1 over the air. */
  async function onV1(thing: string, options: Parameters<NativeFleet["startDevice"]>[1] = {}) {
    fleet = await NativeFleet.start(v1);
    dashboard = await DashboardView.connect(fleet.cloud);
    const { jobId } = await fleet.cloud.deploy(v1);
    const device = await fleet.startDevice(thing, options);
    await waitFor("v1 installed", () => fleet!.execution(thing, jobId!)?.status === "SUCCEEDED", 20_000);
    return { fleet, dashboard, device, jobId: jobId! };
  }

  /** Cloud + dashboard view + v1 deployed, and a proxy to the broker whose link a test can cut or
   * freeze (start the device with `port: proxy.port`). */
  async function v1BehindProxy() {
    fleet = await NativeFleet.start(v1);
    dashboard = await DashboardView.connect(fleet.cloud);
    const { jobId } = await fleet.cloud.deploy(v1);
    const f = fleet;
    const proxy = await LinkProxy.start(() => f.cloud.broker.mqttsPort);
    cleanups.push(() => proxy.stop());
    return { fleet, dashboard, jobId: jobId!, proxy };
  }

  /** A job for `build` whose artifact in the store was changed after upload (storage or
   * transport corruption): its bytes no longer match the job document. */
  function corruptJob(f: NativeFleet, build: CompileResult, change: (bytes: Buffer) => void, signDocumentOverCorruptBytes = false): string {
    const pkg = encodeDevicePackage(build.manifest, build.snapshots.device);
    const bytes = Buffer.from(pkg.bytes);
    change(bytes);
    const stored = signDocumentOverCorruptBytes ? f.cloud.artifacts.put(bytes) : f.cloud.artifacts.put(pkg.bytes);
    if (!signDocumentOverCorruptBytes) fs.writeFileSync(path.join(f.stateDir, "artifacts", stored), bytes);
    const info = signDocumentOverCorruptBytes ? { sha256: stored, size: bytes.length } : pkg;
    const jobId = `${otaJobId(NATIVE_APP, build.manifest.version).slice(0, 40)}-bad${signDocumentOverCorruptBytes ? "x" : "y"}`;
    f.cloud.jobs.createJob({ jobId, document: { ...otaJobDocument(build.manifest, info, localArtifactUrl(stored)) }, thingGroup: f.cloud.thingGroup, targetSelection: "CONTINUOUS", maximumPerMinute: 1000, abort: { thresholdPercentage: 100, minNumberOfExecutedThings: 100 }, inProgressTimeoutInMinutes: 10 });
    return jobId;
  }

  it("connects with its certificate, installs the job and shows in the dashboard with its version and data", async () => {
    const { fleet, dashboard } = await onV1("nat-1");
    await waitFor("status and data in the dashboard", () => dashboard.lastStatus("nat-1")?.online === true && dashboard.lastValue("nat-1", "level") === 1);
    const status = dashboard.lastStatus("nat-1")!;
    assert.equal(status.version, v1.manifest.version);
    assert.match(status.bootId, /^[0-9a-f]{8}$/);
    const row = fleet.cloud.monitor.devices().find((d) => d.thing === "nat-1")!;
    assert.equal(row.online, true);
    assert.equal(row.version, v1.manifest.version);
    // Envelope ids are <bootId>:<seq>, the boot id of the status.
    const ids = dashboard.messages.filter((m) => m.thing === "nat-1").map((m) => m.envelope.id);
    assert.ok(ids.every((id) => id.startsWith(`${status.bootId}:`)), ids.join(" "));

    // A clean stop says offline (retained), as the TypeScript device does.
    await fleet.devices.get("nat-1")!.stop();
    await waitFor("offline status", () => dashboard.lastStatus("nat-1")?.online === false);
  });

  it("installs a new version over the air; a corrupt package is FAILED and the old app keeps running", async () => {
    const { fleet, dashboard } = await onV1("nat-2");
    const v2 = await compileNativeApp(level(2));
    const { jobId } = await fleet.cloud.deploy(v2);
    await waitFor("v2 SUCCEEDED", () => fleet.execution("nat-2", jobId!)?.status === "SUCCEEDED", 20_000);
    await waitFor("v2 running", () => dashboard.lastStatus("nat-2")?.version === v2.manifest.version && dashboard.lastValue("nat-2", "level") === 2);
    // The download ran in a child process: libcurl, and GnuTLS's p11-kit it brings (which can't
    // be unloaded), never entered the device process (ports/posix/net/downloadProcess.h).
    const mapped = fs.readFileSync(`/proc/${fleet.devices.get("nat-2")!.pid}/maps`, "utf8");
    assert.doesNotMatch(mapped, /libcurl|libp11-kit|libgnutls/, "libcurl's libraries are mapped in the device process");

    // Bytes changed in the store after upload: the download doesn't match the job document.
    const v3 = await compileNativeApp(level(3));
    const flipped = corruptJob(fleet, v3, (b) => (b[b.length - 5] ^= 0xff));
    await waitFor("corrupt package FAILED", () => fleet.execution("nat-2", flipped)?.status === "FAILED", 20_000);
    assert.match(fleet.execution("nat-2", flipped)!.statusDetails.reason, /integrity check failed: got \d+ bytes with sha256 [0-9a-f]{12}, the job document says \d+ bytes with sha256 [0-9a-f]{12}; the running app is unchanged/);

    // A package that matches its (hostile) job document but whose snapshot doesn't match its
    // manifest: the package check refuses it before the engine sees a byte.
    const forged = corruptJob(fleet, v3, (b) => (b[b.length - 5] ^= 0xff), true);
    await waitFor("forged package FAILED", () => fleet.execution("nat-2", forged)?.status === "FAILED", 20_000);
    assert.match(fleet.execution("nat-2", forged)!.statusDetails.reason, /package rejected: device snapshot in the package of nat-app: \d+ bytes with sha256 [0-9a-f]{12} do not match the manifest's/);

    const before = dashboard.messages.length;
    await waitFor("v2 still sending", () => dashboard.messages.slice(before).some((m) => m.thing === "nat-2" && m.envelope.v === 2));
    assert.equal(dashboard.lastStatus("nat-2")!.version, v2.manifest.version);
    assert.ok(!dashboard.messages.some((m) => m.envelope.v === 3), "the corrupt version never ran");
  });

  it("rolls back an app that fails at start, and reports why", async () => {
    const { fleet, dashboard } = await onV1("nat-3", { gracePeriodMs: 1500 });
    const crashing = await compileNativeApp(`${level(4)}
  api.mcu.onStart(() => { throw new Error("sensor not found"); });`);
    const { jobId } = await fleet.cloud.deploy(crashing);
    await waitFor("FAILED", () => fleet.execution("nat-3", jobId!)?.status === "FAILED", 20_000);
    assert.match(fleet.execution("nat-3", jobId!)!.statusDetails.reason, /the new app failed and was rolled back: start: .*sensor not found/);
    const before = dashboard.messages.length;
    await waitFor("v1 running again", () => dashboard.lastStatus("nat-3")?.version === v1.manifest.version && dashboard.messages.slice(before).some((m) => m.envelope.v === 1), 20_000);
  });

  it("installs an update built for another board: the posix device simulates the board each app was built for, as the TypeScript simulated device does (the Cortex-M images, one board each, refuse it: ota/tests/boardCheck.c)", async () => {
    const { fleet, dashboard } = await onV1("nat-board");
    const esp32 = await compileNativeApp(level(5), "esp32-devkitc");
    assert.equal(esp32.manifest.board, "esp32-devkitc");
    const { jobId } = await fleet.cloud.deploy(esp32);
    await waitFor("the ESP32 build SUCCEEDED", () => fleet.execution("nat-board", jobId!)?.status === "SUCCEEDED", 20_000);
    await waitFor("it runs", () => dashboard.lastStatus("nat-board")?.version === esp32.manifest.version && dashboard.lastValue("nat-board", "level") === 5);
  });

  it("answers a late offline on its status topic (a last will, as AWS may publish it after a reconnect) with online again", async () => {
    const { fleet, dashboard } = await onV1("nat-8");
    await waitFor("online", () => dashboard.lastStatus("nat-8")?.online === true);
    const { bootId } = dashboard.lastStatus("nat-8")!;
    // The will of an older connection of this device, heard after its online status.
    const will = encodeDeviceStatus({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 1 });
    fleet.cloud.broker.aedes.publish({ cmd: "publish", topic: topics.status(NATIVE_APP, "nat-8"), payload: Buffer.from(will), qos: 1, retain: true, dup: false }, () => {});
    await waitFor("the will, then online again", () => {
      const heard = dashboard.statuses.filter((s) => s.thing === "nat-8").map((s) => s.status);
      const at = heard.findIndex((s) => s.bootId === LAST_WILL_BOOT_ID);
      return at >= 0 && heard.slice(at + 1).some((s) => s.online && s.bootId === bootId);
    });
    assert.equal(fleet.cloud.broker.fleetStatus.get("nat-8")?.online, true);
    assert.match(fleet.logOf("nat-8"), /the retained status says offline for another boot or link: saying online again/);
  });

  it("publishes its status twice per install, the old boot's offline and the new boot's online: that offline, heard back on the same connection, is not answered", async () => {
    // A long keepalive: an outage on a loaded machine would rightly add a will and its answer.
    const { fleet, dashboard } = await onV1("nat-9", { keepAliveSeconds: 30 });
    await waitFor("v1 online", () => dashboard.lastStatus("nat-9")?.online === true);
    const v1Boot = dashboard.lastStatus("nat-9")!.bootId;
    const v2 = await compileNativeApp(level(2));
    const second = await fleet.cloud.deploy(v2);
    await waitFor("v2 SUCCEEDED", () => fleet.execution("nat-9", second.jobId!)?.status === "SUCCEEDED", 20_000);
    // The next install is the barrier, no wait: the broker sent the v1 offline to the device's status
    // subscription before this job's notification, the device handles them in that order, so an
    // answer to it would go out before the v2 boot's offline, on the same connection.
    const v3 = await compileNativeApp(level(3));
    await fleet.cloud.deploy(v3);
    await waitFor("v3 online", () => dashboard.lastStatus("nat-9")?.version === v3.manifest.version && dashboard.lastStatus("nat-9")?.online === true, 20_000);
    const heard = dashboard.statuses.filter((s) => s.thing === "nat-9").map(({ status }) => ({ online: status.online, version: status.version, bootId: status.bootId }));
    const from = heard.findIndex((s) => !s.online && s.bootId === v1Boot);
    assert.ok(from >= 0, `the v1 boot's offline: ${JSON.stringify(heard)}`);
    const v2Boot = heard[from + 1]?.bootId;
    const v3Boot = heard.at(-1)!.bootId;
    assert.deepEqual(heard.slice(from), [
      { online: false, version: v1.manifest.version, bootId: v1Boot },
      { online: true, version: v2.manifest.version, bootId: v2Boot },
      { online: false, version: v2.manifest.version, bootId: v2Boot },
      { online: true, version: v3.manifest.version, bootId: v3Boot },
    ]);
    assert.doesNotMatch(fleet.logOf("nat-9"), /saying online again/);
  });

  it("answers per reconnect at most the will its session queued (RETAIN 0, as on AWS), never the stored will its status subscription brings again (RETAIN 1)", async () => {
    const { fleet, dashboard, jobId, proxy } = await v1BehindProxy();
    // What the device itself publishes on its status topic, as the broker receives it.
    const statusTopic = topics.status(NATIVE_APP, "nat-10");
    const sent: { online: boolean; bootId: string }[] = [];
    fleet.cloud.broker.aedes.on("publish", (packet, client) => {
      if (client?.id !== "nat-10" || packet.topic !== statusTopic || !packet.payload.length) return;
      const { online, bootId } = JSON.parse(String(packet.payload)) as { online: boolean; bootId: string };
      sent.push({ online, bootId });
    });
    // A long keepalive: only the cuts below make outages.
    await fleet.startDevice("nat-10", { port: proxy.port, keepAliveSeconds: 30 });
    await waitFor("v1 installed", () => fleet.execution("nat-10", jobId)?.status === "SUCCEEDED", 20_000);
    await waitFor("v1 online", () => dashboard.lastStatus("nat-10")?.online === true);
    const v1Boot = dashboard.lastStatus("nat-10")!.bootId;
    const connects = () => (fleet.logOf("nat-10").match(/\[mqtt nat-10\] connected/g) ?? []).length;
    const wills = () => dashboard.statuses.filter((s) => s.thing === "nat-10" && s.status.bootId === LAST_WILL_BOOT_ID).length;
    const reconnects = 2;
    for (let i = 1; i <= reconnects; i++) {
      // The socket dies: the broker stores the last will; the device reconnects and subscribes
      // again, and the broker sends it that will with RETAIN 1 before the device's online: not
      // answered. The persistent session also queued the will while the device was away; the
      // broker sends that copy right after CONNACK with RETAIN 0, as AWS IoT does ("received after
      // subscription", https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-retain;
      // local/broker/queuedRetainFlag.ts), so the device answers it when it comes after the link
      // is reported up (after the SUBACKs), and not when it comes before: which one is timing.
      proxy.cut();
      await waitFor(`will ${i} in the dashboard`, () => wills() === i, 10_000);
      await waitFor(`reconnect ${i}`, () => connects() === i + 1 && dashboard.lastStatus("nat-10")?.online === true, 20_000);
    }
    // The barrier: the broker sent the last stored will before this job's notification, on the same
    // connection; the device handles them in that order, so an answer to it would have gone out
    // before the job's updates, which SUCCEEDED waits for.
    const v2 = await compileNativeApp(level(2));
    const second = await fleet.cloud.deploy(v2);
    await waitFor("v2 SUCCEEDED", () => fleet.execution("nat-10", second.jobId!)?.status === "SUCCEEDED", 20_000);
    // Each connection answered at most one will (its session's queued copy); an answer to the
    // RETAIN 1 copy too makes two on a connection where the queued one came after the link was up.
    const answersPerConnection = fleet
      .logOf("nat-10")
      .split("[mqtt nat-10] connected")
      .slice(1)
      .map((lines) => lines.split("saying online again").length - 1);
    assert.equal(answersPerConnection.length, 1 + reconnects);
    assert.equal(answersPerConnection[0], 0, "no will before the first outage");
    assert.ok(
      answersPerConnection.every((n) => n <= 1),
      `wills answered per connection: ${JSON.stringify(answersPerConnection)}`,
    );
    // The boot's online at start and at each reconnect, and one per answer: nothing else.
    const answers = answersPerConnection.reduce((a, b) => a + b, 0);
    const v1Onlines = sent.filter((s) => s.online && s.bootId === v1Boot).length;
    assert.equal(v1Onlines, 1 + reconnects + answers, `the v1 boot's status publishes: ${JSON.stringify(sent)}`);
  });

  it("contains a runaway callback: the instruction budget stops it, the error is reported, a crash loop rolls back", async () => {
    const { fleet, dashboard } = await onV1("nat-4", { gracePeriodMs: 1000, crashLoop: { failures: 3, withinMs: 60_000 } });
    const logs: string[] = [];
    // The log topic is not the dashboard's: read it in the cloud, as an IoT rule would.
    fleet.cloud.broker.aedes.subscribe(topics.log(NATIVE_APP, "nat-4"), (packet, done) => (logs.push(String(JSON.parse(String(packet.payload)).msg)), done()), () => {});
    // Healthy through the grace period, then a loop that never ends on every tick.
    const runaway = await compileNativeApp(`${level(5)}
  let ticks = 0;
  api.mcu.setInterval(() => { ticks = ticks + 1; if (ticks > 15) { let i = 0; while (true) { i = i + 1; } } }, 100);`);
    const { jobId } = await fleet.cloud.deploy(runaway);
    await waitFor("runaway version confirmed", () => fleet.execution("nat-4", jobId!)?.status === "SUCCEEDED", 20_000);
    await waitFor("rolled back to v1", () => dashboard.lastStatus("nat-4")?.version === v1.manifest.version && logs.some((l) => /rolled back from version [0-9a-f]{12} to [0-9a-f]{12}: crash loop \(3 failures within 60 s\)/.test(l)), 20_000);
    assert.ok(logs.some((l) => /instruction|budget/i.test(l)), `the runaway callback is named on the log topic:\n${logs.join("\n")}`);
    const before = dashboard.messages.length;
    await waitFor("v1 sending again", () => dashboard.messages.slice(before).some((m) => m.thing === "nat-4" && m.envelope.v === 1));
    assert.ok(fleet.devices.get("nat-4")!.running, "the device process itself never stopped");
  });

  it("notices a half-open link by keepalive and comes back; a dropped link is told to the dashboard by the last will", async () => {
    const { fleet, dashboard, jobId, proxy } = await v1BehindProxy();
    await fleet.startDevice("nat-7", { port: proxy.port, keepAliveSeconds: 1 });
    await waitFor("installed", () => fleet!.execution("nat-7", jobId!)?.status === "SUCCEEDED", 20_000);
    const bootId = dashboard.lastStatus("nat-7")!.bootId;
    const lost = () => (fleet!.logOf("nat-7").match(/\[mqtt nat-7\] link lost/g) ?? []).length;
    const connects = () => (fleet!.logOf("nat-7").match(/\[mqtt nat-7\] connected/g) ?? []).length;

    // PINGRESPs and PUBACKs stop coming; the socket stays open: only keepalive can tell.
    proxy.freeze("toClient");
    await waitFor("the device noticed", () => lost() === 1, 10_000);
    proxy.resume();
    await waitFor("reconnected", () => connects() === 2, 20_000);

    // The socket dies: the broker publishes the last will.
    proxy.cut();
    await waitFor("the last will in the dashboard", () => dashboard!.statuses.some((s) => s.thing === "nat-7" && !s.status.online && s.status.bootId === "will"), 10_000);
    await waitFor("back online", () => connects() === 3 && dashboard!.lastStatus("nat-7")?.online === true, 20_000);
    assert.equal(dashboard.lastStatus("nat-7")!.bootId, bootId, "the app kept running through both outages");
    const before = dashboard.messages.length;
    await waitFor("data again", () => dashboard!.messages.slice(before).some((m) => m.thing === "nat-7" && m.envelope.v === 1));
  });

  it("delivers N QoS 1 messages exactly once and in order while the broker restarts twice", async () => {
    const N = 60;
    const counting = await compileNativeApp(`  const count = api.newCommsChannel<number>("count", { direction: "device-to-server", qos: 1 });
  let n = 0;
  api.mcu.setInterval(() => { if (n < ${N}) { n = n + 1; count.pushMessageToServer(n); } }, 30);`);
    fleet = await NativeFleet.start(counting);
    const { jobId } = await fleet.cloud.deploy(counting);
    await fleet.startDevice("nat-5");
    await waitFor("installed", () => fleet!.execution("nat-5", jobId!)?.status === "SUCCEEDED", 20_000);
    await fleet.devices.get("nat-5")!.stop();
    // From here a bare broker on the same port and state dir (same CA and certificates), which
    // can be restarted; the device boots its installed app from its slot.
    const port = fleet.cloud.broker.mqttsPort;
    const stateDir = fleet.stateDir;
    await fleet.stopCloud();
    let broker = await LocalBroker.start({ stateDir, app: NATIVE_APP, manifest: counting.manifest, mqttsPort: port });
    cleanups.push(() => broker.stop());
    const dedup = new DedupWindow();
    const values: number[] = [];
    const attach = (b: LocalBroker) =>
      b.aedes.subscribe(topics.up(NATIVE_APP, "nat-5", "count"), (packet, done) => {
        const envelope = decodeEnvelope(packet.payload as Buffer);
        if (dedup.accept(envelope.id)) values.push(envelope.v as number);
        done();
      }, () => {});
    attach(broker);
    await fleet.startDevice("nat-5", { port });
    for (const after of [10, 25]) {
      await waitFor(`${after} counts`, () => values.length >= after, 15_000);
      await broker.stop();
      broker = await LocalBroker.start({ stateDir, app: NATIVE_APP, manifest: counting.manifest, mqttsPort: port });
      attach(broker);
    }
    await waitFor(`all ${N} counts`, () => values.length === N, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(values, Array.from({ length: N }, (_, i) => i + 1));
    // The device's log lines come from its event loop, which may print the reconnect a moment
    // after the messages it carried were acknowledged.
    await waitFor("both reconnects in the device's log", () => /link lost[\s\S]*connected[\s\S]*link lost[\s\S]*connected/.test(fleet!.logOf("nat-5")), 10_000);
  });

  it("after a kill -9 during an install's trial, boots the previous slot and reports the job FAILED", async () => {
    const { fleet, dashboard, device } = await onV1("nat-6");
    await device.stop();
    // A long grace period keeps the next install on trial while we pull the plug.
    await fleet.startDevice("nat-6", { gracePeriodMs: 60_000 });
    const v2 = await compileNativeApp(level(2));
    const { jobId } = await fleet.cloud.deploy(v2);
    await waitFor("v2 on trial", () => dashboard.lastStatus("nat-6")?.version === v2.manifest.version && dashboard.lastValue("nat-6", "level") === 2, 40_000);
    await fleet.devices.get("nat-6")!.kill();
    const state = fs.readFileSync(path.join(fleet.deviceStateDir("nat-6"), "ota.state"), "utf8");
    assert.match(state, /^trial [ab] /m, `the state records the trial:\n${state}`);

    await fleet.startDevice("nat-6");
    await waitFor("v1 again", () => dashboard.lastStatus("nat-6")?.online === true && dashboard.lastStatus("nat-6")?.version === v1.manifest.version, 20_000);
    await waitFor("the job FAILED", () => fleet.execution("nat-6", jobId!)?.status === "FAILED", 20_000);
    assert.match(fleet.execution("nat-6", jobId!)!.statusDetails.reason, /restarted while version [0-9a-f]{12} was on trial/);
    const after = fs.readFileSync(path.join(fleet.deviceStateDir("nat-6"), "ota.state"), "utf8");
    assert.match(after, /^trial - -$/m);
    const before = dashboard.messages.length;
    await waitFor("v1 sending", () => dashboard.messages.slice(before).some((m) => m.thing === "nat-6" && m.envelope.v === 1));
  });

  describe("the first connect (ports/posix/net/connectFailure.h)", () => {
    /** The program for `thing` with these files, on the fleet's broker (or `port`), and what it printed. */
    function startProgram(f: NativeFleet, thing: string, files: { certPath: string; keyPath: string; caPath?: string }, extra: { port?: number; firstConnectBudgetMs?: number } = {}) {
      const lines: string[] = [];
      f.logs.set(thing, lines);
      const started = NativeDevice.start({ binary: f.binary, app: f.cloud.app, thing, stateDir: f.deviceStateDir(thing), endpoint: "127.0.0.1", port: extra.port ?? f.cloud.broker.mqttsPort, caPath: files.caPath ?? f.cloud.broker.pki.caCertPath, certPath: files.certPath, keyPath: files.keyPath, keepAliveSeconds: 2, firstConnectBudgetMs: extra.firstConnectBudgetMs, onLog: (l) => lines.push(l) });
      started.then((d) => cleanups.push(() => d.stop()), () => undefined);
      return { started, lines };
    }

    it("a device whose identity the broker refuses exits at once, naming the device, the endpoint and what to check", async () => {
      fleet = await NativeFleet.start(v1);
      const f = fleet;
      // nat-r1's certificate asking for client id nat-r2: the thing policy allows only its own
      // (the broker answers CONNACK 5, not authorized).
      const own = await f.cloud.broker.provisionDevice("nat-r1");
      const policy = startProgram(f, "nat-r2", own);
      await assert.rejects(policy.started, /native device nat-r2 exited with code 1; it said:[\s\S]*"nat-r2" could not connect to 127\.0\.0\.1:\d+: CONNACK 5 \(not authorized\) \(refused, not retried\)\. Check the endpoint, .*that the certificate is registered and active, and that its policy allows iot:Connect for client id "nat-r2"/);
      assert.deepEqual(policy.lines.filter((l) => l.includes("connect attempt")), [], "a refusal is not tried again");

      // A certificate of the local CA for a thing the registry doesn't know: refused the same way.
      const unregistered = await f.cloud.broker.pki.deviceIdentity("nat-r3");
      await assert.rejects(startProgram(f, "nat-r3", unregistered).started, /"nat-r3" could not connect .*CONNACK 5 \(not authorized\) \(refused, not retried\)/);

      // The broker's certificate fails the device's check (a CA that didn't sign it): refused too.
      const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-other-ca-"));
      cleanups.push(async () => fs.rmSync(otherDir, { recursive: true, force: true }));
      const otherCa = await ensureLocalPki(otherDir);
      await assert.rejects(startProgram(f, "nat-r1", { ...own, caPath: otherCa.caCertPath }).started, /"nat-r1" could not connect .*TLS: .*certificate verify failed.*\(refused, not retried\)/);

      // A certificate of another CA: the broker's TLS 1.3 refuses it after the device's handshake,
      // which looks like a hang-up, so it is tried again until the budget runs out, then named.
      const stranger = await otherCa.deviceIdentity("nat-r4");
      const tls = startProgram(f, "nat-r4", stranger, { firstConnectBudgetMs: 1500 });
      await assert.rejects(tls.started, /"nat-r4" could not connect to 127\.0\.0\.1:\d+: gave up after \d+ attempts? over [\d.]+ s \(budget 1\.5 s, --first-connect-budget\); last: no CONNACK: .*Check the endpoint and that the broker runs there, and that it accepts this certificate/);
      assert.match(tls.lines.join("\n"), /^\[mqtt nat-r4\] connect attempt 1 failed \(no CONNACK: .*\); trying again in [\d.]+ s$/m);
    });

    it("a device started before the broker is up connects once it comes up within the budget", async () => {
      fleet = await NativeFleet.start(v1);
      const identity = await fleet.cloud.broker.provisionDevice("nat-late");
      const port = fleet.cloud.broker.mqttsPort;
      const stateDir = fleet.stateDir;
      await fleet.stopCloud();
      const late = startProgram(fleet, "nat-late", identity, { port });
      await waitFor("two failed attempts", () => late.lines.filter((l) => /connect attempt \d+ failed/.test(l)).length >= 2, 20_000);
      const broker = await LocalBroker.start({ stateDir, app: NATIVE_APP, manifest: v1.manifest, mqttsPort: port });
      cleanups.push(() => broker.stop());
      const device = await late.started;
      assert.equal(device.running, true);
      assert.match(late.lines.join("\n"), /^\[mqtt nat-late\] connect attempt 1 failed \(no CONNACK: TCP\/TLS connect failure\); trying again in [\d.]+ s$/m);
      assert.ok(late.lines.some((l) => l.startsWith("[mqtt nat-late] connected")), late.lines.join("\n"));
    });
  });

  it("snapfleet dev --device-runtime native: the fleet runs as native processes, installs over the air and stops cleanly", async () => {
    const stateDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "sf-dev-native-"));
    cleanups.push(async () => fs.rmSync(stateDir, { recursive: true, force: true }));
    const entry = writeFeatures({ "app.ts": `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n${level(7)}\n}\n` }, "dev-native");
    const logs: string[] = [];
    // sim-3's flash is unusable (its state dir is a file): its program exits with status 1, as a
    // refused identity's does, and the fleet goes on without it, naming it.
    fs.mkdirSync(path.join(stateDir, "devices"), { recursive: true });
    fs.writeFileSync(path.join(stateDir, "devices", "sim-3"), "not a directory");
    const session = await DevSession.start({ entry, secrets: {}, devices: 3, port: 0, stateDir, dashboardBundleDir: null, watch: false, deviceRuntime: "native", nativeBinary: await nativeDeviceBinary(), log: (l) => logs.push(l) });
    let stopped = false;
    cleanups.push(async () => void (stopped || (await session.stop())));
    assert.deepEqual(session.notStarted.map((d) => d.thing), ["sim-3"]);
    assert.match(session.notStarted[0].reason, /native device sim-3 exited with code 1; it said:[\s\S]*--state .*sim-3: can't create it: Not a directory/);
    assert.ok(logs.includes("2 of 3 devices started; not started (reasons above): sim-3"), logs.join("\n"));
    // sim-3 joined the fleet before its start failed: listed, never online, as an unplugged board.
    const rows = () => session.cloud.monitor.devices().filter((r) => r.thing !== "sim-3");
    assert.equal(session.cloud.monitor.devices().find((r) => r.thing === "sim-3")?.online, false);
    await waitFor("both native devices on the job's version", () => rows().length === 2 && rows().every((r) => r.online && r.ota === "SUCCEEDED" && r.lastMessage === "level = 7"), 30_000);
    assert.ok(logs.some((l) => /^\[sim-1\] \[mqtt sim-1\] connected/.test(l)), logs.join("\n"));
    await session.stop();
    stopped = true;
    assert.ok(rows().every((r) => !r.online), "each device said offline before the broker stopped");
  });

  it("snapfleet dev --device-runtime native names a failed callback by file:line, of the version the device runs, before and after an update", async () => {
    const stateDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "sf-dev-native-sites-"));
    cleanups.push(async () => fs.rmSync(stateDir, { recursive: true, force: true }));
    // It fails after its first 20 ticks (6 s): past the install's grace period, so no rollback.
    const source = (above: string, why: string) => `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n${above}  let ticks = 0;\n  api.mcu.setInterval(() => { if (++ticks > 20) throw new Error("${why}"); }, 300);\n}\n`;
    const entry = writeFeatures({ "app.ts": source("", "sensor gone") }, "dev-native-sites");
    const logs: string[] = [];
    const session = await DevSession.start({ entry, secrets: {}, devices: 1, port: 0, stateDir, dashboardBundleDir: null, watch: false, deviceRuntime: "native", nativeBinary: await nativeDeviceBinary(), log: (l) => logs.push(l) });
    let stopped = false;
    cleanups.push(async () => void (stopped || (await session.stop())));
    const failedAt = (line: number, why: string) => (l: string) => l.startsWith("[sim-1] [app] error: timer (setInterval at ") && l.includes(`app.ts:${line}:`) && l.endsWith(`) failed: ${why}`);
    await waitFor("the timer's failure named at line 4", () => logs.some(failedAt(4, "sensor gone")), 30_000);
    // New device code whose timer is two lines down: its lines name line 6, from its first start on.
    fs.writeFileSync(entry, source("  // moved\n  // down\n", "sensor lost"));
    const update = await session.rebuild();
    assert.ok(update.jobId, "device code changed: an OTA job");
    const since = logs.length;
    await waitFor("the updated version's failure named at line 6", () => logs.slice(since).some(failedAt(6, "sensor lost")), 30_000);
    const started = logs.findIndex((l, i) => i >= since && l.includes(`[ota] starting version ${update.version.slice(0, 12)}`));
    assert.ok(started >= 0, "the device said which version it started");
    assert.ok(!logs.slice(started).some(failedAt(4, "sensor lost")), "no line of the new version named with the old one's file:line");
    assert.ok(!logs.some((l) => l.includes("timer #0")), "every failure named by file:line");
    await session.stop();
    stopped = true;
  });
});
