/** The device's OTA agent against what the README's OTA sections and AWS IoT Jobs promise: a job
 * document is checked before anything is fetched (REJECTED when it is not for this device), the
 * package is checked (size, sha256, manifest) before anything is staged, a new app that fails at
 * start or within the grace period is rolled back and the job FAILED with the reason, otherwise
 * SUCCEEDED with the version; afterwards a crash loop or a fatal engine error rolls back to the
 * previous version (reported on the app's log topic), a failed version is never swapped back in,
 * and one change of the device's software happens at a time.
 *
 * Real slots (a temp dir), a real HTTPS download (a local server with the local cloud's CA) and the
 * local cloud's Jobs service on an in-process broker (test/support/inMemoryJobsCloud.ts); the apps
 * are scripted: the test decides when each version fails. test/ota.test.ts runs the same agent
 * with real apps over the real broker. */
import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ENGINE_ID } from "../../core/compiler/engineId";
import { encodeDevicePackage, sha256Hex, type DevicePackage } from "../../core/contracts/devicePackage";
import { otaJobDocument } from "../../core/contracts/jobDocument";
import { isTerminal, type Execution } from "../../core/jobs/jobBook";
import { ensureLocalPki, type LocalPki } from "../../local/certificates";
import { channelManifest } from "../../test/support/channelManifest";
import { InMemoryJobsCloud } from "../../test/support/inMemoryJobsCloud";
import { waitFor } from "../../test/support/waitFor";
import type { AppFailure } from "../supervisor";
import { OtaAgent, type OtaAgentOptions, type OtaEvent, type RunningApp } from "./otaAgent";

/** A version of the app: its package as the cloud builds it. */
interface Version {
  name: string;
  version: string;
  bytes: Uint8Array;
}

function versionOf(name: string, engine = ENGINE_ID): Version {
  const snapshot = Buffer.from(`snapshot of ${name}`);
  const device = { sha256: sha256Hex(snapshot), size: snapshot.length };
  const manifest = { ...channelManifest("ota-unit", [], engine), version: device.sha256 };
  manifest.snapshots = { ...manifest.snapshots, device };
  return { name, version: device.sha256, bytes: encodeDevicePackage(manifest, snapshot).bytes };
}

const v1 = versionOf("v1");
const v2 = versionOf("v2");
const v3 = versionOf("v3");
const short = (v: Version) => v.version.slice(0, 12);

/** One booted instance of a version; the test makes it fail. */
interface ScriptedApp {
  version: string;
  stopped: boolean;
  reports: string[];
  fail(message: string, how?: { fatal?: boolean; atStart?: boolean }): void;
}

/** What each version does when booted, and a record of boots and stops in order. */
class ScriptedApps {
  readonly instances: ScriptedApp[] = [];
  readonly history: string[] = [];
  /** By version: boot throws this. */
  readonly throwsAtBoot = new Map<string, string>();
  /** By version: fails while starting (an onStart callback), before boot returns. */
  readonly failsAtStart = new Map<string, { message: string; fatal?: boolean }>();
  /** By version: fails once, just after it started. */
  readonly failsSoon = new Map<string, string>();
  /** Versions booted as apps without `report` (it is optional in RunningApp). */
  readonly withoutReport = new Set<string>();

  readonly boot = async (pkg: DevicePackage, onFailure: (failure: AppFailure) => void): Promise<RunningApp> => {
    const version = pkg.manifest.version;
    this.history.push(`boot ${nameOf(version)}`);
    const thrown = this.throwsAtBoot.get(version);
    if (thrown) throw new Error(thrown);
    const app: ScriptedApp = {
      version,
      stopped: false,
      reports: [],
      fail: (message, how = {}) => onFailure({ message, fatal: how.fatal ?? false, atStart: how.atStart ?? false }),
    };
    this.instances.push(app);
    const atStart = this.failsAtStart.get(version);
    if (atStart) app.fail(atStart.message, { atStart: true, fatal: atStart.fatal });
    const soon = this.failsSoon.get(version);
    if (soon) setImmediate(() => app.fail(soon));
    const running: RunningApp = {
      stop: () => {
        app.stopped = true;
        this.history.push(`stop ${nameOf(version)}`);
      },
    };
    if (!this.withoutReport.has(version)) running.report = (line) => app.reports.push(line);
    return running;
  };

  /** The newest instance of `v`. */
  latest(v: Version): ScriptedApp {
    const app = this.instances.filter((a) => a.version === v.version).at(-1);
    if (!app) throw new Error(`${v.name} was never booted`);
    return app;
  }
}

function nameOf(version: string): string {
  return [v1, v2, v3].find((v) => v.version === version)?.name ?? version.slice(0, 12);
}

describe("OTA agent (otaAgent): installs, rollbacks and job statuses", function () {
  this.timeout(30_000);
  let cloud: InMemoryJobsCloud;
  let pki: LocalPki;
  let pkiDir: string;
  let server: https.Server;
  let base: string;
  /** Package downloads by path (what the device fetched). */
  const fetched: string[] = [];
  /** A download held until the test lets it go (a slow network). */
  let heldDownload: Promise<void> | undefined;
  const agents: OtaAgent[] = [];
  const stateDirs: string[] = [];
  let things = 0;
  let jobs = 0;

  before(async () => {
    pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-ota-agent-pki-"));
    pki = await ensureLocalPki(pkiDir);
    cloud = await InMemoryJobsCloud.start();
    const byPath = new Map([v1, v2, v3].map((v) => [`/pkg/${v.name}.sfpk`, v.bytes]));
    byPath.set("/pkg/not-a-package.sfpk", Buffer.from("SFPX this is no device package"));
    server = https.createServer({ cert: pki.server.certPem, key: pki.server.keyPem }, async (req, res) => {
      const url = new URL(req.url!, base);
      fetched.push(url.pathname);
      await heldDownload;
      const bytes = byPath.get(url.pathname);
      if (!bytes) {
        res.writeHead(404, { "content-type": "application/xml" });
        return res.end("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
      }
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    heldDownload = undefined;
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    for (const dir of stateDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  after(async () => {
    await cloud?.stop();
    await new Promise((resolve) => server?.close(resolve));
    fs.rmSync(pkiDir, { recursive: true, force: true });
  });

  /** `v`'s job document as the cloud writes it, its URL signed as S3 presigns it. */
  function documentOf(v: Version, file = `${v.name}.sfpk`): Record<string, unknown> {
    const manifest = { ...channelManifest("ota-unit", [], ENGINE_ID), version: v.version };
    return { ...otaJobDocument(manifest, { sha256: sha256Hex(v.bytes), size: v.bytes.length }, `${base}/pkg/${file}?X-Amz-Signature=abc`) };
  }

  /** An agent for a fresh thing (or for `reuse`'s thing and flash: a restart). */
  function device(options: Partial<OtaAgentOptions> = {}, reuse?: { thing: string; stateDir: string }) {
    const thing = reuse?.thing ?? `ota-${++things}`;
    const stateDir = reuse?.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "sf-ota-agent-"));
    stateDirs.push(stateDir);
    const apps = new ScriptedApps();
    const events: OtaEvent[] = [];
    const logs: string[] = [];
    const agent = new OtaAgent({
      thing,
      stateDir,
      connection: cloud.connect(thing).asConnection,
      boot: apps.boot,
      caCertPem: pki.caCertPem,
      gracePeriodMs: 10,
      log: (line) => logs.push(line),
      ...options,
    });
    agent.onEvent((e) => events.push(e));
    agents.push(agent);
    const d = {
      thing,
      stateDir,
      agent,
      apps,
      events,
      logs,
      /** Creates a job deploying `v` (its document as the cloud writes it, or `edit`ed). */
      queue(v: Version, edit: (doc: Record<string, unknown>) => Record<string, unknown> = (doc) => doc, file = `${v.name}.sfpk`): string {
        const jobId = `${thing}-${++jobs}-${v.name}`;
        cloud.createJob(thing, jobId, edit(documentOf(v, file)));
        return jobId;
      },
      /** Deploys `v` and waits for the execution's terminal status. */
      async deploy(v: Version, edit?: (doc: Record<string, unknown>) => Record<string, unknown>, file?: string): Promise<{ jobId: string; execution: Execution }> {
        const jobId = d.queue(v, edit, file);
        await waitFor(`job ${jobId} to end`, () => isTerminal(cloud.execution(thing, jobId).status));
        await agent.idle();
        return { jobId, execution: cloud.execution(thing, jobId) };
      },
      failedReasons: () => events.flatMap((e) => (e.kind === "failed" ? [e.reason] : [])),
      rollbacks: () => events.filter((e): e is Extract<OtaEvent, { kind: "rolledBack" }> => e.kind === "rolledBack"),
    };
    return d;
  }

  /** A device that installed v1, then v2 (so v1 is the previous version). */
  async function deviceWithTwoVersions(options: Partial<OtaAgentOptions> = {}) {
    const d = device(options);
    await d.agent.start();
    assert.equal((await d.deploy(v1)).execution.status, "SUCCEEDED");
    const v2Job = await d.deploy(v2);
    assert.equal(v2Job.execution.status, "SUCCEEDED");
    return { ...d, v2Job: v2Job.jobId };
  }

  /** A device that installed v1 with a short grace period (no 5 s wait), restarted with `options`. */
  async function restartedWithV1(options: Partial<OtaAgentOptions>) {
    const first = device();
    await first.agent.start();
    await first.deploy(v1);
    await first.agent.stop();
    const d = device(options, first);
    await d.agent.start();
    return d;
  }

  it("installs: downloads, checks, stops the running app, starts the new one; SUCCEEDED with the version, each step reported", async () => {
    const d = device();
    const steps: string[] = [];
    const unlisten = cloud.jobs.onExecutionChange((e) => {
      // The service tells of an execution more than once per update: each step counts once.
      const step = `${e.jobId}:${e.statusDetails.step}`;
      if (e.thingName === d.thing && e.statusDetails.step && steps.at(-1) !== step) steps.push(step);
    });
    try {
      await d.agent.start();
      assert.equal(d.agent.installedVersion, undefined);
      assert.equal(d.agent.app, undefined, "nothing installed: no app");
      const first = await d.deploy(v1);
      assert.equal(first.execution.status, "SUCCEEDED");
      assert.deepEqual(first.execution.statusDetails, { version: v1.version });
      const second = await d.deploy(v2);
      assert.deepEqual(second.execution.statusDetails, { version: v2.version });
      assert.equal(d.agent.installedVersion, v2.version);
      assert.deepEqual(d.apps.history, ["boot v1", "stop v1", "boot v2"], "the running app is stopped before the new one starts");
      assert.equal(d.agent.app !== undefined && !d.apps.latest(v2).stopped, true);
      assert.deepEqual(
        d.events.filter((e) => e.kind !== "failed"),
        [
          { kind: "progress", jobId: first.jobId, step: "downloading" },
          { kind: "progress", jobId: first.jobId, step: "verifying" },
          { kind: "progress", jobId: first.jobId, step: "starting" },
          { kind: "installed", version: v1.version, jobId: first.jobId },
          { kind: "progress", jobId: second.jobId, step: "downloading" },
          { kind: "progress", jobId: second.jobId, step: "verifying" },
          { kind: "progress", jobId: second.jobId, step: "starting" },
          { kind: "installed", version: v2.version, jobId: second.jobId },
        ],
      );
      assert.deepEqual(steps, [first, second].flatMap((j) => ["downloading", "verifying", "starting"].map((s) => `${j.jobId}:${s}`)), "the cloud sees each step as IN_PROGRESS");
    } finally {
      unlisten();
    }
  });

  it("after a restart boots the installed version (watched: its crash loop still rolls back to the version before)", async () => {
    const first = await deviceWithTwoVersions();
    await first.agent.stop();
    assert.equal(first.apps.latest(v2).stopped, true, "stop stops the app");
    assert.equal(first.agent.app, undefined);
    const d = device({ crashLoop: { failures: 2, withinMs: 60_000 } }, first);
    await d.agent.start();
    assert.deepEqual(d.apps.history, ["boot v2"]);
    assert.deepEqual(d.events, [{ kind: "installed", version: v2.version }]);
    assert.equal(d.agent.installedVersion, v2.version);
    d.apps.latest(v2).fail("tick failed");
    d.apps.latest(v2).fail("tick failed");
    await waitFor("the rollback", () => d.rollbacks().length === 1);
    assert.equal(d.agent.installedVersion, v1.version);
  });

  it("after a restart, an installed version that fails fatally while it starts is stopped and rolled back", async () => {
    const first = await deviceWithTwoVersions();
    await first.agent.stop();
    const d = device({}, first);
    d.apps.failsAtStart.set(v2.version, { message: "onStart: engine error 12", fatal: true });
    await d.agent.start();
    await waitFor("the rollback", () => d.rollbacks().length === 1);
    await d.agent.idle();
    assert.deepEqual(d.rollbacks(), [{ kind: "rolledBack", from: v2.version, to: v1.version, reason: "the app stopped: onStart: engine error 12" }]);
    assert.deepEqual(d.apps.history, ["boot v2", "stop v2", "boot v1"], "the failed app is stopped before the previous one starts");
    assert.equal(d.agent.installedVersion, v1.version);
    await d.agent.stop();
    assert.equal(d.apps.latest(v1).stopped, true, "the agent's app is the one rolled back to");
  });

  it("a job document that is not an OTA document is REJECTED naming the field; nothing is fetched, the app keeps running", async () => {
    const d = device();
    await d.agent.start();
    await d.deploy(v1);
    const before = fetched.length;
    const { jobId, execution } = await d.deploy(v2, (doc) => ({ ...doc, size: "12" }));
    assert.equal(execution.status, "REJECTED");
    assert.match(execution.statusDetails.reason, /invalid OTA job document: size must be an integer/);
    assert.equal(fetched.length, before, "nothing downloaded");
    assert.deepEqual(d.apps.history, ["boot v1"]);
    assert.equal(d.agent.installedVersion, v1.version);
    assert.deepEqual(d.events.at(-1), { kind: "failed", jobId, reason: execution.statusDetails.reason });
  });

  it("a package for another engine is REJECTED naming both engines", async () => {
    const d = device();
    await d.agent.start();
    const { execution } = await d.deploy(v1, (doc) => ({ ...doc, engine: "microvium-0.0.1/bytecode-1" }));
    assert.equal(execution.status, "REJECTED");
    assert.equal(execution.statusDetails.reason, `the package needs engine microvium-0.0.1/bytecode-1; this firmware runs ${ENGINE_ID}`);
    assert.deepEqual(d.apps.history, []);
  });

  it("the version already installed: SUCCEEDED as already installed, nothing fetched, the app not restarted", async () => {
    const d = device();
    await d.agent.start();
    await d.deploy(v1);
    const before = fetched.length;
    const { execution } = await d.deploy(v1);
    assert.equal(execution.status, "SUCCEEDED");
    assert.deepEqual(execution.statusDetails, { result: "already installed" });
    assert.equal(fetched.length, before);
    assert.deepEqual(d.apps.history, ["boot v1"]);
  });

  it("a download that fails (S3 NoSuchKey) FAILS the job with S3's reason; the app keeps running", async () => {
    const d = device();
    await d.agent.start();
    await d.deploy(v1);
    const { execution } = await d.deploy(v2, undefined, "missing.sfpk");
    assert.equal(execution.status, "FAILED");
    assert.match(execution.statusDetails.reason, /^download failed: .*NoSuchKey/);
    assert.deepEqual(d.apps.history, ["boot v1"]);
    assert.equal(d.agent.installedVersion, v1.version);
  });

  it("bytes that don't match the document (sha256, or fewer than its size) FAIL the job; nothing is staged or restarted", async () => {
    const d = device();
    await d.agent.start();
    await d.deploy(v1);
    const wrongHash = await d.deploy(v2, (doc) => ({ ...doc, sha256: sha256Hex(v3.bytes) }));
    assert.equal(wrongHash.execution.status, "FAILED");
    assert.match(wrongHash.execution.statusDetails.reason, /^integrity check failed: got \d+ bytes with sha256 [0-9a-f]{12}, the job document says \d+ bytes with sha256 [0-9a-f]{12}; the running app is unchanged$/);
    const tooFew = await d.deploy(v2, (doc) => ({ ...doc, size: v2.bytes.length + 1 }));
    assert.equal(tooFew.execution.status, "FAILED");
    assert.match(tooFew.execution.statusDetails.reason, new RegExp(`^integrity check failed: got ${v2.bytes.length} bytes`));
    assert.deepEqual(d.apps.history, ["boot v1"]);
    assert.equal(d.agent.installedVersion, v1.version);
    // Nothing was staged: the next good install still has v1 to go back to.
    await d.deploy(v2);
    assert.equal(d.agent.installedVersion, v2.version);
  });

  it("a download that is no device package FAILS the job as rejected; the app keeps running", async () => {
    const d = device();
    await d.agent.start();
    await d.deploy(v1);
    const junk = Buffer.from("SFPX this is no device package");
    const { execution } = await d.deploy(v2, (doc) => ({ ...doc, sha256: sha256Hex(junk), size: junk.length }), "not-a-package.sfpk");
    assert.equal(execution.status, "FAILED");
    assert.match(execution.statusDetails.reason, /^package rejected: not a snapfleet device package/);
    assert.deepEqual(d.apps.history, ["boot v1"]);
  });

  it("a new app that fails at start is rolled back: FAILED with its failure, the previous version runs again and is still watched", async () => {
    const d = device({ crashLoop: { failures: 2, withinMs: 60_000 } });
    await d.agent.start();
    await d.deploy(v1);
    d.apps.failsAtStart.set(v2.version, { message: "onStart (features/a.ts:3:1) failed: boom" });
    const { execution } = await d.deploy(v2);
    assert.equal(execution.status, "FAILED");
    assert.equal(execution.statusDetails.reason, "the new app failed and was rolled back: start: onStart (features/a.ts:3:1) failed: boom");
    assert.deepEqual(d.apps.history, ["boot v1", "stop v1", "boot v2", "stop v2", "boot v1"]);
    assert.equal(d.agent.installedVersion, v1.version);
    assert.ok(d.logs.includes(`[ota] rolled back to version ${short(v1)}`), d.logs.join(" | "));
    // v1 is watched again; v2 was forgotten, so a crash loop of v1 has nothing to go back to.
    d.apps.latest(v1).fail("tick failed");
    d.apps.latest(v1).fail("tick failed");
    await d.agent.idle();
    assert.equal(d.rollbacks().length, 0);
    assert.deepEqual(d.apps.latest(v1).reports, [`version ${short(v1)} is failing and there is no previous version to roll back to: crash loop (2 failures within 60 s), the last: tick failed`]);
  });

  it("a new app whose boot throws is rolled back: FAILED with the error", async () => {
    const d = device();
    await d.agent.start();
    await d.deploy(v1);
    d.apps.throwsAtBoot.set(v2.version, "restore failed");
    const { execution } = await d.deploy(v2);
    assert.equal(execution.statusDetails.reason, "the new app failed and was rolled back: start: restore failed");
    assert.deepEqual(d.apps.history, ["boot v1", "stop v1", "boot v2", "boot v1"]);
    assert.equal(d.agent.installedVersion, v1.version);
  });

  it("a new app that fails within the grace period (default 5 s) is rolled back: FAILED naming the grace period", async () => {
    const d = await restartedWithV1({ gracePeriodMs: undefined });
    d.apps.failsSoon.set(v2.version, "timer (setInterval at features/a.ts:7:23) failed: TypeError");
    const { execution } = await d.deploy(v2);
    assert.equal(execution.status, "FAILED");
    assert.equal(execution.statusDetails.reason, "the new app failed and was rolled back: within the grace period: timer (setInterval at features/a.ts:7:23) failed: TypeError");
    assert.equal(d.agent.installedVersion, v1.version);
    assert.deepEqual(d.apps.history.slice(-1), ["boot v1"]);
  });

  it("a first install that fails leaves no app running (nothing to go back to)", async () => {
    const d = device();
    await d.agent.start();
    d.apps.failsAtStart.set(v1.version, { message: "onStart failed" });
    const { execution } = await d.deploy(v1);
    assert.equal(execution.status, "FAILED");
    assert.equal(d.agent.app, undefined);
    assert.equal(d.agent.installedVersion, undefined);
    assert.deepEqual(d.apps.history, ["boot v1", "stop v1"]);
    assert.ok(d.logs.includes("[ota] rolled back to no app: nothing was installed before"), d.logs.join(" | "));
  });

  it("after the grace period a crash loop rolls back to the previous version: reported on the app's log topic, the job stays SUCCEEDED", async () => {
    const d = await deviceWithTwoVersions({ crashLoop: { failures: 3, withinMs: 60_000 } });
    const failing = d.apps.latest(v2);
    failing.fail("tick failed: 1");
    failing.fail("tick failed: 2");
    await d.agent.idle();
    assert.equal(d.rollbacks().length, 0, "2 failures are no loop of 3");
    failing.fail("tick failed: 3");
    await waitFor("the rollback", () => d.rollbacks().length === 1);
    await d.agent.idle();
    const reason = "crash loop (3 failures within 60 s), the last: tick failed: 3";
    assert.deepEqual(d.rollbacks(), [{ kind: "rolledBack", from: v2.version, to: v1.version, reason }]);
    assert.equal(failing.stopped, true);
    assert.deepEqual(d.apps.history.slice(-2), ["stop v2", "boot v1"]);
    assert.equal(d.agent.installedVersion, v1.version);
    const line = `rolled back from version ${short(v2)} to ${short(v1)}: ${reason}`;
    assert.deepEqual(d.apps.latest(v1).reports, [line], "the app running after the rollback reports it");
    assert.ok(d.logs.includes(`[ota] ${line}`));
    assert.equal(cloud.execution(d.thing, d.v2Job).status, "SUCCEEDED", "the job ended before");
  });

  it("a fatal engine error after the grace period rolls back at once (an app without `report` too)", async () => {
    const d = await deviceWithTwoVersions({ crashLoop: { failures: 3, withinMs: 60_000 } });
    d.apps.withoutReport.add(v1.version);
    d.apps.latest(v2).fail("engine error 12", { fatal: true });
    await waitFor("the rollback", () => d.rollbacks().length === 1);
    assert.deepEqual(d.rollbacks(), [{ kind: "rolledBack", from: v2.version, to: v1.version, reason: "the app stopped: engine error 12" }]);
    assert.equal(d.agent.installedVersion, v1.version);
  });

  it("the default crash loop is 5 failures within 60 s: 4 don't roll back, the 5th does", async () => {
    const d = await deviceWithTwoVersions();
    for (let i = 1; i <= 4; i++) d.apps.latest(v2).fail(`tick ${i}`);
    await d.agent.idle();
    assert.equal(d.rollbacks().length, 0);
    assert.equal(d.agent.installedVersion, v2.version);
    d.apps.latest(v2).fail("tick 5");
    await waitFor("the rollback", () => d.rollbacks().length === 1);
    assert.equal(d.rollbacks()[0].reason, "crash loop (5 failures within 60 s), the last: tick 5");
  });

  it("a failing version with no previous one keeps running and says so once, on its log topic", async () => {
    const d = device();
    await d.agent.start();
    await d.deploy(v1);
    const app = d.apps.latest(v1);
    app.fail("engine error", { fatal: true });
    app.fail("engine error again", { fatal: true });
    await d.agent.idle();
    assert.deepEqual(app.reports, [`version ${short(v1)} is failing and there is no previous version to roll back to: the app stopped: engine error`]);
    assert.equal(app.stopped, false);
    assert.deepEqual(d.apps.history, ["boot v1"]);
    assert.ok(d.logs.includes(`[ota] ${app.reports[0]}`));
  });

  it("a version rolled back to that fails too is not swapped back to the failed one", async () => {
    const d = await deviceWithTwoVersions({ crashLoop: { failures: 1, withinMs: 60_000 } });
    d.apps.latest(v2).fail("tick failed");
    await waitFor("the rollback", () => d.rollbacks().length === 1);
    await d.agent.idle();
    const back = d.apps.latest(v1);
    back.fail("tick failed too");
    await d.agent.idle();
    assert.equal(d.rollbacks().length, 1);
    assert.equal(d.agent.installedVersion, v1.version);
    assert.equal(back.reports.length, 2, `the rollback line, then the failure with nowhere to go: ${back.reports.join(" | ")}`);
    assert.match(back.reports[1], /is failing and there is no previous version/);
  });

  it("a crash loop during an install is acted on after it, for the app it was about: the new version stays", async () => {
    const d = await deviceWithTwoVersions({ crashLoop: { failures: 1, withinMs: 60_000 } });
    let letGo!: () => void;
    heldDownload = new Promise((resolve) => (letGo = resolve));
    const jobId = d.queue(v3);
    await waitFor("the download of v3 to start", () => fetched.at(-1) === "/pkg/v3.sfpk");
    d.apps.latest(v2).fail("tick failed");
    letGo();
    await waitFor("v3's job to end", () => isTerminal(cloud.execution(d.thing, jobId).status));
    await d.agent.idle();
    assert.equal(cloud.execution(d.thing, jobId).status, "SUCCEEDED");
    assert.equal(d.agent.installedVersion, v3.version);
    assert.deepEqual(d.rollbacks(), []);
    assert.deepEqual(d.apps.history.slice(-2), ["stop v2", "boot v3"]);
  });

  it("stop: the app stops, no more jobs are taken, and a late failure of the stopped app boots nothing", async () => {
    const d = await deviceWithTwoVersions({ crashLoop: { failures: 1, withinMs: 60_000 } });
    await d.agent.stop();
    assert.equal(d.apps.latest(v2).stopped, true);
    assert.equal(d.agent.app, undefined);
    d.apps.latest(v2).fail("engine error after stop", { fatal: true });
    await d.agent.idle();
    const afterStop = d.queue(v3);
    await cloud.settle();
    await d.agent.idle();
    assert.deepEqual(d.apps.history.slice(-1), ["stop v2"], "nothing booted after stop");
    assert.equal(d.agent.installedVersion, v2.version);
    assert.equal(cloud.execution(d.thing, afterStop).status, "QUEUED");
    assert.deepEqual(d.rollbacks(), []);
  });

  it("stop with nothing installed resolves; events stop when the listener unsubscribes", async () => {
    const d = device();
    const seen: OtaEvent[] = [];
    const unsubscribe = d.agent.onEvent((e) => seen.push(e));
    await d.agent.start();
    await d.deploy(v1);
    assert.ok(seen.length > 0);
    const count = seen.length;
    unsubscribe();
    await d.deploy(v2);
    assert.equal(seen.length, count);
    assert.ok(d.events.length > count, "the other listener still hears");
    const idle = device();
    await idle.agent.start();
    await idle.agent.stop();
  });
  it("a failing version with no previous one and an app without `report`: the line is logged and nothing breaks", async () => {
    const d = device();
    await d.agent.start();
    d.apps.withoutReport.add(v1.version);
    await d.deploy(v1);
    d.apps.latest(v1).fail("engine error", { fatal: true });
    await d.agent.idle();
    assert.ok(d.logs.some((l) => l.includes("is failing and there is no previous version")), d.logs.join(" | "));
    assert.deepEqual(
      d.logs.filter((l) => l.includes("rollback stopped")),
      [],
    );
  });

  // Last: it waits out the default grace period (5 s), so only mutants the others let through pay for it.
  it("the configured grace period holds: a failure after the default 5 s, within a longer configured period, still rolls the install back", async () => {
    const d = await restartedWithV1({ gracePeriodMs: 60_000 });
    const jobId = d.queue(v2);
    await waitFor("v2 to start", () => d.apps.history.includes("boot v2"));
    // Past the default period by this clock (a timer may fire a millisecond early); load only makes it later.
    const started = Date.now();
    await waitFor("5.5 s after v2 started", () => Date.now() - started >= 5_500, 60_000, 100);
    assert.equal(cloud.execution(d.thing, jobId).status, "IN_PROGRESS", "still in its trial");
    d.apps.latest(v2).fail("late in the trial");
    await waitFor("the job to end", () => isTerminal(cloud.execution(d.thing, jobId).status));
    assert.equal(cloud.execution(d.thing, jobId).statusDetails.reason, "the new app failed and was rolled back: within the grace period: late in the trial");
    assert.equal(d.agent.installedVersion, v1.version);
  });
});
