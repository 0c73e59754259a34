/** The device's OTA agent, Microvisor-style: the supervisor, not the app, installs updates. It
 * speaks the AWS IoT Jobs MQTT API through jobRunner.ts (aws-iot-device-sdk-v2's own `iotjobs`
 * client on the device's one MQTT connection), so the same code works against AWS IoT and the
 * local cloud.
 *
 * An install: parse the job document → download → check size and sha256 against the document →
 * stage in the inactive slot (which also checks the snapshot against its manifest) → stop the
 * running app → start the new one → watch it for a grace period. Any app error at start or
 * within the grace period rolls back to the active slot and reports FAILED with the reason;
 * otherwise the new slot becomes active and the job SUCCEEDED. After that the running app is
 * still watched: a crash loop (crashLoop.ts) or a fatal engine error rolls back to the previous
 * slot, reported on the app's log topic (the job already ended). Nothing is restored before its
 * hash matched (malformed snapshots have crashed mvm_restore upstream). */
import crypto from "node:crypto";
import type { mqtt } from "aws-iot-device-sdk-v2";
import { ENGINE_ID } from "../../core/compiler/engineId";
import type { DevicePackage } from "../../core/contracts/devicePackage";
import { parseOtaJobDocument, type OtaJobDocument } from "../../core/contracts/jobDocument";
import type { AppFailure } from "../supervisor";
import { checkCrashLoopOptions, CrashLoopDetector, DEFAULT_CRASH_LOOP, type CrashLoopOptions } from "./crashLoop";
import { download } from "./download";
import { JobRunner, JobStatus, type JobOutcome } from "./jobRunner";
import { SlotStore, type Slot } from "./slotStore";

/** What the agent needs of a running app: a way to stop it, and to report on its log topic. */
export interface RunningApp {
  stop(): Promise<void> | void;
  /** Resolves once the app has shown it still runs (or was reset by its watchdog, which then
   * reaches the agent as a failure); for apps whose host can hang (firmware/isolation/). */
  answered?(): Promise<void>;
  /** Publishes a supervisor line on the device's log topic (buffered while offline). */
  report?(line: string): void;
}

export interface OtaAgentOptions {
  thing: string;
  /** Slots and ota.json live here (the device's flash). */
  stateDir: string;
  connection: mqtt.MqttClientConnection;
  /** Starts an app from a verified package (the caller builds Device + transport + board) and
   * tells `onFailure` about each failing callback, from the first (at start) on. */
  boot: (pkg: DevicePackage, onFailure: (failure: AppFailure) => void) => Promise<RunningApp>;
  /** Trust for the HTTPS download: the local cloud's CA; omit on AWS. */
  caCertPem?: string;
  /** An app error within this time after start rolls the update back (default 5000 ms). */
  gracePeriodMs?: number;
  /** Failures that make a crash loop, which rolls back to the previous slot at any time
   * (default DEFAULT_CRASH_LOOP: 5 within 60 s). */
  crashLoop?: CrashLoopOptions;
  log?: (line: string) => void;
}

export type OtaEvent =
  | { kind: "installed"; version: string; jobId?: string }
  | { kind: "failed"; jobId: string; reason: string }
  | { kind: "progress"; jobId: string; step: string }
  /** A crash loop (or fatal engine error) after the install: back to the previous version. */
  | { kind: "rolledBack"; from: string; to: string; reason: string };

/** The failures of the app running now. `grace` while an install watches it (the install then
 * decides); `done` once the agent acted on them. */
interface AppWatch {
  version: string;
  /** The app's boot. A failure while it starts (an onStart callback) arrives before the boot
   * returns, so a rollback waits for it to know which app failed. */
  booting?: Promise<RunningApp>;
  first?: AppFailure;
  grace: boolean;
  done: boolean;
  loop: CrashLoopDetector;
}

export class OtaAgent {
  private readonly slots: SlotStore;
  private readonly jobs: JobRunner;
  private running: RunningApp | undefined;
  private watch: AppWatch | undefined;
  private readonly crashLoop: CrashLoopOptions;
  private readonly listeners = new Set<(e: OtaEvent) => void>();

  constructor(private readonly options: OtaAgentOptions) {
    this.slots = new SlotStore(options.stateDir);
    this.crashLoop = checkCrashLoopOptions(options.crashLoop ?? DEFAULT_CRASH_LOOP);
    this.jobs = new JobRunner({
      thing: options.thing,
      connection: options.connection,
      run: (jobId, document, progress) => this.install(jobId, document, progress),
      log: options.log,
    });
  }

  get installedVersion(): string | undefined {
    return this.slots.activeVersion;
  }

  get app(): RunningApp | undefined {
    return this.running;
  }

  onEvent(listener: (e: OtaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Boots the installed app (if any), then asks for pending jobs; again after every reconnect. */
  async start(): Promise<void> {
    const installed = this.slots.readActive();
    if (installed) {
      await this.bootWatched(installed, false);
      this.emit({ kind: "installed", version: installed.manifest.version });
    }
    await this.jobs.start();
  }

  /** Stops the running app; the agent takes no more jobs. */
  async stop(): Promise<void> {
    await this.jobs.stop();
    await this.running?.stop();
    this.running = undefined;
  }

  /** Resolves when the current install (if any) is finished (tests). */
  idle(): Promise<void> {
    return this.jobs.idle();
  }

  // --- one job ----------------------------------------------------------------------------

  private async install(jobId: string, rawDocument: unknown, progress: (step: string) => Promise<void>): Promise<JobOutcome> {
    const step = (name: string) => {
      this.emit({ kind: "progress", jobId, step: name });
      return progress(name);
    };
    let doc: OtaJobDocument;
    try {
      doc = parseOtaJobDocument(rawDocument);
    } catch (e) {
      return this.fail(jobId, JobStatus.REJECTED, (e as Error).message);
    }
    if (doc.engine !== ENGINE_ID) return this.fail(jobId, JobStatus.REJECTED, `the package needs engine ${doc.engine}; this firmware runs ${ENGINE_ID}`);
    if (doc.version === this.slots.activeVersion) {
      this.log(`version ${short(doc.version)} is already installed`);
      return { status: JobStatus.SUCCEEDED, details: { result: "already installed" } };
    }

    await step("downloading");
    let bytes: Uint8Array;
    try {
      bytes = await download(doc.url, doc.size, this.options.caCertPem);
    } catch (e) {
      return this.fail(jobId, JobStatus.FAILED, (e as Error).message);
    }
    await step("verifying");
    const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
    if (bytes.length !== doc.size || sha256 !== doc.sha256) {
      return this.fail(jobId, JobStatus.FAILED, `integrity check failed: got ${bytes.length} bytes with sha256 ${short(sha256)}, the job document says ${doc.size} bytes with sha256 ${short(doc.sha256)}; the running app is unchanged`);
    }
    let staged: ReturnType<SlotStore["stage"]>;
    let pkg: DevicePackage;
    try {
      staged = this.slots.stage(bytes, doc.version);
      pkg = this.slots.readSlot(staged);
    } catch (e) {
      return this.fail(jobId, JobStatus.FAILED, `package rejected: ${(e as Error).message}`);
    }

    await step("starting");
    const previous = this.running;
    await previous?.stop();
    this.running = undefined;
    const failure = await this.tryBoot(pkg);
    if (failure) {
      this.slots.discard(staged);
      await this.rollBack();
      return this.fail(jobId, JobStatus.FAILED, `the new app failed and was rolled back: ${failure}`);
    }
    this.slots.activate(staged);
    this.emit({ kind: "installed", version: doc.version, jobId });
    return { status: JobStatus.SUCCEEDED, details: { version: doc.version } };
  }

  /** Boots and watches for the grace period; returns the failure, if any. */
  private async tryBoot(pkg: DevicePackage): Promise<string | undefined> {
    let watch: AppWatch;
    let app: RunningApp;
    try {
      // Stryker disable next-line BooleanLiteral: equivalent: the install rolls back on the first failure in the grace period either way; outside grace mode appFailed would also queue a crash-loop rollback, which runs after the install (serialized) and finds its watch replaced
      ({ app, watch } = await this.bootWatched(pkg, true));
    } catch (e) {
      return `start: ${(e as Error).message}`;
    }
    const failed = () => watch.first && `${watch.first.atStart ? "start" : "within the grace period"}: ${watch.first.message}`;
    const until = Date.now() + (this.options.gracePeriodMs ?? 5000);
    // Stryker disable next-line EqualityOperator: equivalent: `<=` only adds a 0 ms wait at the deadline's exact millisecond
    while (!failed() && Date.now() < until) {
      // Stryker disable next-line MethodExpression,ArithmeticOperator: equivalent in outcome: the poll period only decides how soon (up to the end of the grace period) a failure is acted on, and tests assert no timing
      await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
    }
    // A hung app can't confirm itself (as with MCUboot's test images): wait for a sign of life.
    await app.answered?.();
    watch.grace = false;
    return failed();
  }

  /** Boots a package and watches its failures (see appFailed). */
  private async bootWatched(pkg: DevicePackage, grace: boolean): Promise<{ app: RunningApp; watch: AppWatch }> {
    const watch: AppWatch = { version: pkg.manifest.version, grace, done: false, loop: new CrashLoopDetector(this.crashLoop) };
    this.watch = watch;
    watch.booting = this.options.boot(pkg, (failure) => this.appFailed(watch, failure));
    const app = await watch.booting;
    this.running = app;
    return { app, watch };
  }

  /** During an install's grace period the install decides; afterwards a crash loop or a fatal
   * engine error rolls back to the previous slot (one at a time with installs). */
  private appFailed(watch: AppWatch, failure: AppFailure): void {
    // A replaced app's late failures are dropped by crashed(), which checks the watch when the
    // rollback would run: an install queued before it can replace the watch after the failure.
    if (watch.done) return;
    watch.first ??= failure;
    // Stryker disable next-line ConditionalExpression: equivalent: without it a failure in the grace period also queues a rollback, which runs after the install (serialized) and finds the watch replaced or cleared by the install's own rollback
    if (watch.grace) return;
    const loop = watch.loop.record(Date.now());
    if (!loop && !failure.fatal) return;
    watch.done = true;
    const reason = failure.fatal ? `the app stopped: ${failure.message}` : `crash loop (${watch.loop.describe()}), the last: ${failure.message}`;
    this.jobs.serialize(() => this.crashed(watch, reason), "rollback");
  }

  private async crashed(watch: AppWatch, reason: string): Promise<void> {
    if (watch !== this.watch || !this.jobs.running) return;
    // Not `this.running`: after a restart the installed app boots outside the job queue, and
    // when it fails while starting, this runs before its boot returned (the app that failed
    // would keep running beside the one rolled back to).
    const failing = await watch.booting?.catch(() => undefined);
    const slot: Slot | undefined = this.slots.previousSlot;
    if (!slot) {
      const line = `version ${short(watch.version)} is failing and there is no previous version to roll back to: ${reason}`;
      this.log(line);
      failing?.report?.(line);
      return;
    }
    await failing?.stop();
    this.running = undefined;
    this.slots.rollBackTo(slot);
    const previous = this.slots.readActive()!;
    const to = previous.manifest.version;
    const line = `rolled back from version ${short(watch.version)} to ${short(to)}: ${reason}`;
    this.log(line);
    const { app } = await this.bootWatched(previous, false);
    app.report?.(line);
    this.emit({ kind: "rolledBack", from: watch.version, to, reason });
  }

  private async rollBack(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
    this.watch = undefined;
    const active = this.slots.readActive();
    if (!active) return this.log("rolled back to no app: nothing was installed before");
    await this.bootWatched(active, false);
    this.log(`rolled back to version ${short(active.manifest.version)}`);
  }

  private fail(jobId: string, status: JobStatus, reason: string): JobOutcome {
    this.emit({ kind: "failed", jobId, reason });
    return { status, reason };
  }

  private emit(event: OtaEvent): void {
    for (const l of this.listeners) l(event);
  }

  private log(line: string): void {
    this.options.log?.(`[ota] ${line}`);
  }
}

function short(hash: string): string {
  return hash.slice(0, 12);
}
