/** The AWS IoT Jobs MQTT API for the local cloud, with AWS's topic names and payload shapes
 * (docs/aws-iot.md; AWS IoT developer guide, "Jobs device MQTT API",
 * https://docs.aws.amazon.com/iot/latest/developerguide/jobs-mqtt-api.html):
 * `$aws/things/{thing}/jobs/get`, `start-next`, `{jobId}/get`, `{jobId}/update`, answered on
 * `/accepted` or `/rejected`, plus `notify-next` and `notify` events, sent only when AWS sends
 * them (core/jobs/jobNotifications.ts). Devices talk to it with aws-iot-device-sdk-v2's own
 * `iotjobs` client, so the SDK, not our code, decides whether the shapes are right
 * (local/jobs/jobsService.test.ts, firmware/ota tests).
 *
 * It runs in process on the broker: requests arrive through an internal aedes subscription
 * *after* the broker authorized the device's publish (a device can only publish on its own
 * `$aws/things/{thing}/jobs/...` topics). Answers go to the requesting connection alone, whether
 * or not it subscribed, and notifications through the broker, as AWS sends them (jobsOutbox.ts);
 * every delivery is still checked against the receiving client's iot:Receive. The decisions live
 * in core/jobs/jobBook.ts; this file only speaks MQTT and keeps time. */
import type { Aedes, AedesPublishPacket } from "aedes";
import { failedExecutions, JobBook, JobRejection, rejectionCarriesExecutionState, type Execution, type ExecutionStatus, type Job, type JobConfig, type StatusDetails } from "../../core/jobs/jobBook";
import { JobNotifications } from "../../core/jobs/jobNotifications";
import { jobTopics } from "../../core/contracts/topics";
import { aedesRequesters, JobsOutbox, type FindRequester, type Requester } from "./jobsOutbox";

export interface JobsServiceOptions {
  aedes: Aedes;
  /** Replaces the `url` of a job document each time a device reads it (fresh signed URL). */
  resolveDocument?: (document: Record<string, unknown>) => Record<string, unknown>;
  now?: () => number;
  log?: (line: string) => void;
  /** Who published a request, by its client id (default: aedes's connected clients). */
  findRequester?: FindRequester;
}

/** One request: where it came in and which connection its answer goes to. */
interface Request {
  topic: string;
  thing: string;
  requester: Requester | undefined;
}

const REQUEST_FILTER = "$aws/things/+/jobs/#";
/** Jobs notifications page: the most executions one `notify` lists. */
const MAX_LISTED_EXECUTIONS = 15;

export class JobsService {
  readonly book: JobBook;
  private readonly notifications = new JobNotifications();
  private readonly listeners = new Set<(execution: Execution) => void>();
  private timer: NodeJS.Timeout | undefined;
  private schedulePending = false;
  private stopped = false;
  private readonly outbox: JobsOutbox;
  private readonly findRequester: FindRequester;
  private readonly deliver = (packet: AedesPublishPacket, done: () => void) => {
    done();
    // aedes stamps the publishing client's id on what it routes; our own notifications have none.
    const clientId = (packet as AedesPublishPacket & { clientId?: string }).clientId;
    // Looked up now, while the request is being routed: the answer is for this connection, not
    // for one that takes the client id over later.
    this.handle(packet.topic, packet.payload.toString(), clientId === undefined ? undefined : this.findRequester(clientId));
  };

  private constructor(private readonly options: JobsServiceOptions) {
    this.book = new JobBook(options.now ?? Date.now);
    this.outbox = new JobsOutbox(options.aedes, (line) => this.log(line));
    this.findRequester = options.findRequester ?? aedesRequesters(options.aedes);
  }

  static async start(options: JobsServiceOptions): Promise<JobsService> {
    const service = new JobsService(options);
    await new Promise<void>((resolve) => options.aedes.subscribe(REQUEST_FILTER, service.deliver, resolve));
    return service;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await new Promise<void>((resolve) => this.options.aedes.unsubscribe(REQUEST_FILTER, this.deliver, resolve));
  }

  createJob(config: JobConfig): void {
    this.changed(this.book.createJob(config));
    this.log(`jobs: created ${config.jobId} for group ${config.thingGroup}`);
  }

  addThingToGroup(group: string, thing: string): void {
    this.changed(this.book.addThingToGroup(group, thing));
  }

  /** AssociateTargetsWithJob: the groups' members get executions (staged rollouts add a stage's group). */
  associateTargets(jobId: string, groups: readonly string[]): void {
    this.changed(this.book.associateTargets(jobId, groups));
    this.log(`jobs: ${jobId} now also targets ${groups.join(", ")}`);
  }

  /** CancelJob (no force; operators through the jobs API, or a staged rollout halting): queued
   * executions end CANCELED, devices already installing finish. Throws for an unknown or finished job. */
  cancelJob(jobId: string, reasonCode = "USER_CANCELED", comment?: string): void {
    this.changed(this.book.cancelJob(jobId, reasonCode, comment));
    this.log(`jobs: cancelled ${jobId} (${reasonCode})${comment ? `: ${comment}` : ""}`);
  }

  /** Every execution change (start, update, timeout, cancel): the CLI shows OTA progress with it. */
  onExecutionChange(listener: (execution: Execution) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- requests ------------------------------------------------------------------------------

  private handle(topic: string, text: string, requester: Requester | undefined): void {
    const parts = topic.split("/");
    // $aws/things/{thing}/jobs/{...}: requests only; our own notifications come back here too
    // (and anything a client with rights publishes on an answer topic: not a request either).
    const thing = parts[2];
    const rest = parts.slice(4);
    const last = rest[rest.length - 1];
    if (last === "accepted" || last === "rejected" || last === "notify" || last === "notify-next") return;
    const request: Request = { topic, thing, requester };
    let body: Record<string, unknown>;
    try {
      body = text.trim() === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("not an object");
    } catch {
      this.reply(request, "rejected", { code: "InvalidJson", message: "the request body is not a JSON object" });
      return;
    }
    // "An optional client token ... Enter an arbitrary value here and it's reflected in the response."
    const clientToken = typeof body.clientToken === "string" ? body.clientToken : undefined;
    try {
      if (rest.length === 1 && rest[0] === "get") return this.get(request, clientToken);
      if (rest.length === 1 && rest[0] === "start-next") return this.startNext(request, body, clientToken);
      if (rest.length === 2 && rest[1] === "get") return this.describe(request, rest[0], body, clientToken);
      if (rest.length === 2 && rest[1] === "update") return this.update(request, rest[0], body, clientToken);
      this.reply(request, "rejected", { clientToken, code: "InvalidTopic", message: `unknown Jobs API topic ${topic}` });
    } catch (e) {
      if (!(e instanceof JobRejection)) {
        // A bug here must not take the broker down with it: answer as AWS does and say what broke.
        this.log(`jobs: ${topic} failed: ${(e as Error).stack ?? e}`);
        this.reply(request, "rejected", { clientToken, code: "InternalError", message: "the jobs service failed on this request; see the local cloud's log" });
        return;
      }
      this.reply(request, "rejected", {
        clientToken,
        code: e.code,
        message: e.message,
        ...(e.execution && rejectionCarriesExecutionState(e.code) ? { executionState: executionState(e.execution) } : {}),
      });
    }
  }

  private get(request: Request, clientToken: string | undefined): void {
    const { inProgress, queued } = this.book.pending(request.thing);
    this.reply(request, "accepted", { clientToken, inProgressJobs: inProgress.map(summary), queuedJobs: queued.map(summary) });
  }

  private startNext(request: Request, body: Record<string, unknown>, clientToken: string | undefined): void {
    const { thing } = request;
    const execution = this.book.startNext(thing, { statusDetails: body.statusDetails as StatusDetails | undefined, stepTimeoutInMinutes: body.stepTimeoutInMinutes as number | undefined });
    this.reply(request, "accepted", { clientToken, ...(execution ? { execution: this.data(execution, true) } : {}) });
    if (execution) this.emit(execution);
    // QUEUED → IN_PROGRESS changes the list (notify); the execution stays first (no notify-next).
    this.notify(new Set([thing]));
    this.schedule();
  }

  private describe(request: Request, jobId: string, body: Record<string, unknown>, clientToken: string | undefined): void {
    const { thing } = request;
    const execution = jobId === "$next" ? this.book.next(thing) : this.book.execution(thing, jobId, body.executionNumber);
    if (!execution) throw new JobRejection("ResourceNotFound", `no pending job execution for thing "${thing}"`);
    this.reply(request, "accepted", { clientToken, execution: this.data(execution, body.includeJobDocument !== false) });
  }

  private update(request: Request, jobId: string, body: Record<string, unknown>, clientToken: string | undefined): void {
    const { execution, changed } = this.book.update(request.thing, jobId, {
      status: body.status as ExecutionStatus,
      statusDetails: body.statusDetails as StatusDetails | undefined,
      expectedVersion: body.expectedVersion as number | undefined,
      executionNumber: body.executionNumber as number | undefined,
      stepTimeoutInMinutes: body.stepTimeoutInMinutes as number | undefined,
    });
    this.reply(request, "accepted", {
      clientToken,
      ...(body.includeJobExecutionState ? { executionState: executionState(execution) } : {}),
      ...(body.includeJobDocument ? { jobDocument: this.document(jobId) } : {}),
    });
    this.emit(execution);
    this.changed(changed);
  }

  // --- events and time --------------------------------------------------------------------------

  /** After jobs, group members, updates or time changed the queues of `things`. */
  private changed(things: Set<string>): void {
    for (const job of this.book.takeAborted()) this.log(describeAbort(job, this.book.executionCounts(job.config.jobId)));
    this.notify(things);
    for (const thing of things) {
      // The newest job's execution, whatever its state (queued, timed out, cancelled...).
      const latest = this.book.latestExecution(thing);
      if (latest) this.emit(latest);
    }
    this.schedule();
  }

  /** `notify` lists the queue when its members or their statuses changed; `notify-next` goes
   * only when the front of the queue is another execution (core/jobs/jobNotifications.ts). */
  private notify(things: Set<string>): void {
    const timestamp = seconds(this.now());
    for (const thing of things) {
      const pending = this.book.pending(thing);
      const due = this.notifications.due(thing, pending);
      if (due.list) {
        // "A ListNotification contains a list of no more than 15 pending job executions", in-progress first.
        const inProgress = pending.inProgress.slice(0, MAX_LISTED_EXECUTIONS);
        const queued = pending.queued.slice(0, MAX_LISTED_EXECUTIONS - inProgress.length);
        const jobs: Record<string, unknown> = {};
        if (inProgress.length) jobs.IN_PROGRESS = inProgress.map(summary);
        if (queued.length) jobs.QUEUED = queued.map(summary);
        this.outbox.notify(thing, jobTopics.notify(thing), { timestamp, jobs });
      }
      if (due.next) {
        const next = this.book.next(thing);
        this.outbox.notify(thing, jobTopics.notifyNext(thing), { timestamp, ...(next ? { execution: this.data(next, true) } : {}) });
      }
    }
  }

  /** The next wake-up is computed once per turn of the event loop, however many changes came in
   * it: it scans every execution of every job, and done per change it took 1.5 s of the main
   * thread while a local fleet of 1,000 booted (a CPU profile of bench/fleet.bench.ts). */
  private schedule(): void {
    if (this.schedulePending) return;
    this.schedulePending = true;
    setImmediate(() => {
      this.schedulePending = false;
      clearTimeout(this.timer);
      if (this.stopped) return;
      const wait = this.book.nextWakeUp();
      if (wait === undefined) return;
      this.timer = setTimeout(() => this.changed(this.book.tick()), wait + 5);
      this.timer.unref();
    }).unref();
  }

  private emit(execution: Execution): void {
    for (const l of this.listeners) l(execution);
  }

  // --- payloads ---------------------------------------------------------------------------------

  private data(e: Execution, includeDocument: boolean): Record<string, unknown> {
    return {
      ...summary(e),
      thingName: e.thingName,
      ...(includeDocument ? { jobDocument: this.document(e.jobId) } : {}),
      status: e.status,
      statusDetails: e.statusDetails,
    };
  }

  private document(jobId: string): Record<string, unknown> {
    const doc = this.book.job(jobId)!.config.document;
    return this.options.resolveDocument ? this.options.resolveDocument(doc) : doc;
  }

  private reply(request: Request, outcome: "accepted" | "rejected", body: Record<string, unknown>): void {
    if (body.clientToken === undefined) delete body.clientToken;
    this.outbox.answer(request.thing, request.requester, `${request.topic}/${outcome}`, { ...body, timestamp: seconds(this.now()) });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

function executionState(e: Execution): Record<string, unknown> {
  return { status: e.status, statusDetails: e.statusDetails, versionNumber: e.versionNumber };
}

function summary(e: Execution): Record<string, unknown> {
  return {
    jobId: e.jobId,
    queuedAt: seconds(e.queuedAt ?? e.lastUpdatedAt),
    ...(e.startedAt !== undefined ? { startedAt: seconds(e.startedAt) } : {}),
    lastUpdatedAt: seconds(e.lastUpdatedAt),
    versionNumber: e.versionNumber,
    executionNumber: e.executionNumber,
  };
}

/** What stopped a job its abort criteria cancelled: without it the terminal showed devices
 * FAILED and the rest never updated, and only the dashboard's rollout panel said ABORTED. */
function describeAbort(job: Job, counts: Record<ExecutionStatus, number>): string {
  const failed = failedExecutions(counts);
  const abort = job.config.abort!;
  return `jobs: aborted ${job.config.jobId}: ${failed} of ${failed + counts.SUCCEEDED} devices that finished it failed, rejected or timed out (its abort threshold: ${abort.thresholdPercentage}% once ${abort.minNumberOfExecutedThings} finished); ${counts.CANCELED} queued cancelled, ${counts.IN_PROGRESS} installing finish`;
}

/** Device-plane timestamps are unix seconds (docs/aws-iot.md). */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
