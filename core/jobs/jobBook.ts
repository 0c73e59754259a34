/** AWS IoT Jobs semantics as plain state (docs/aws-iot.md, "Jobs"): jobs target a thing group,
 * each targeted thing gets an execution QUEUED → IN_PROGRESS → SUCCEEDED | FAILED | REJECTED |
 * TIMED_OUT (or CANCELED), a rollout rate limits how many executions are released per minute,
 * an abort threshold cancels what is still queued, and in-progress/step timeouts end stuck
 * executions. No I/O and no clock of its own: the local jobs service feeds it requests and the
 * time, and turns the results into MQTT messages; tests drive it with a fake clock. */

import { statusDetailsProblem, type StatusDetails } from "./statusDetails";

export type { StatusDetails };
export type ExecutionStatus = "QUEUED" | "IN_PROGRESS" | "SUCCEEDED" | "FAILED" | "REJECTED" | "TIMED_OUT" | "CANCELED";
export type JobStatus = "IN_PROGRESS" | "CANCELED" | "COMPLETED";

export interface JobConfig {
  jobId: string;
  /** What devices get as `jobDocument` (an object over MQTT). */
  document: Record<string, unknown>;
  thingGroup: string;
  /** CONTINUOUS (default): things that join the group later get the job too. */
  targetSelection?: "CONTINUOUS" | "SNAPSHOT";
  /** Executions released per minute, 1–1000 (AWS default 1000). */
  maximumPerMinute?: number;
  /** Cancel the job's queued executions when this share of executed things failed. */
  abort?: { thresholdPercentage: number; minNumberOfExecutedThings: number };
  /** An IN_PROGRESS execution older than this becomes TIMED_OUT (1–10080). */
  inProgressTimeoutInMinutes?: number;
}

export interface Execution {
  jobId: string;
  thingName: string;
  status: ExecutionStatus;
  statusDetails: StatusDetails;
  /** ms since epoch; undefined while the rollout holds the execution back. */
  queuedAt?: number;
  startedAt?: number;
  lastUpdatedAt: number;
  versionNumber: number;
  executionNumber: number;
  /** ms since epoch when the current step times out (start-next/update stepTimeoutInMinutes). */
  stepDeadline?: number;
}

export interface Job {
  config: Required<Omit<JobConfig, "abort" | "inProgressTimeoutInMinutes">> & Pick<JobConfig, "abort" | "inProgressTimeoutInMinutes">;
  status: JobStatus;
  createdAt: number;
  /** Executions by thing. */
  executions: Map<string, Execution>;
  /** Release times of the last minute (rollout limiter). */
  releases: number[];
  /** Thing groups the job targets: its `thingGroup`, then any added by associateTargets. */
  targets: Set<string>;
  reasonCode?: string;
  /** Why it was cancelled, in words (CancelJob's comment). */
  comment?: string;
}

/** Error codes of the Jobs MQTT API's `rejected` responses (ErrorResponse,
 * https://docs.aws.amazon.com/iot/latest/developerguide/jobs-api.html#jobs-mqtt-error-response). */
export type RejectCode =
  | "InvalidTopic"
  | "InvalidJson"
  | "InvalidRequest"
  | "InvalidStateTransition"
  | "ResourceNotFound"
  | "VersionMismatch"
  | "InternalError"
  | "RequestThrottled"
  | "TerminalStateReached";

/** The only codes whose ErrorResponse carries `executionState`: "This field is included only
 * when the code field has the value InvalidStateTransition or VersionMismatch" (same page). */
export function rejectionCarriesExecutionState(code: RejectCode): boolean {
  return code === "InvalidStateTransition" || code === "VersionMismatch";
}

export class JobRejection extends Error {
  constructor(
    readonly code: RejectCode,
    message: string,
    readonly execution?: Execution,
  ) {
    super(message);
  }
}

export interface UpdateRequest {
  status: ExecutionStatus;
  statusDetails?: StatusDetails;
  expectedVersion?: number;
  executionNumber?: number;
  stepTimeoutInMinutes?: number;
}

const TERMINAL: ReadonlySet<ExecutionStatus> = new Set(["SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "CANCELED"]);
const FAILURES: ReadonlySet<ExecutionStatus> = new Set(["FAILED", "REJECTED", "TIMED_OUT"]);

/** The executions that count as failures for a job's abort criteria. */
export function failedExecutions(counts: Record<ExecutionStatus, number>): number {
  return [...FAILURES].reduce((sum, status) => sum + counts[status], 0);
}
const MINUTE = 60_000;
const MAX_JOB_TARGETS = 100;
/** UpdateJobExecution: "Valid values ... range from 1 to 10080 ... A value of -1 is also valid and
 * will cancel the current step timer" (API_iot-jobs-data_UpdateJobExecution). */
const CANCEL_STEP_TIMER = -1;

export function isTerminal(status: ExecutionStatus): boolean {
  return TERMINAL.has(status);
}

/** What a job's executions add up to, kept as they change: a 1,000-device start asked for it
 * after every change, and counting the executions each time made each change cost the fleet. */
interface Tally {
  /** QUEUED executions the rollout holds back (no queuedAt yet), in the order they were targeted. */
  held: Set<Execution>;
  inProgress: Set<Execution>;
  counts: Record<ExecutionStatus, number>;
}

export class JobBook {
  private readonly jobs = new Map<string, Job>();
  private readonly tallies = new Map<string, Tally>();
  private readonly groups = new Map<string, Set<string>>();
  /** Jobs their abort criteria cancelled since takeAborted last ran: nothing else would tell. */
  private aborted: Job[] = [];

  constructor(private readonly now: () => number) {}

  /** Creates a job; a newer job for the same group supersedes older ones (an OTA job installs
   * the latest version, so older queued installs are cancelled). Returns the things whose
   * next execution changed. */
  createJob(input: JobConfig): Set<string> {
    const config = validateJob(input);
    if (this.jobs.has(config.jobId)) throw new Error(`job "${config.jobId}" already exists; job ids are unique (a new device version gets a new id)`);
    const changed = new Set<string>();
    for (const older of this.jobs.values()) {
      if (older.status === "IN_PROGRESS" && older.config.thingGroup === config.thingGroup) this.cancel(older, "SUPERSEDED", changed);
    }
    const job: Job = { config, status: "IN_PROGRESS", createdAt: this.now(), executions: new Map(), releases: [], targets: new Set([config.thingGroup]) };
    this.jobs.set(config.jobId, job);
    this.tallies.set(config.jobId, { held: new Set(), inProgress: new Set(), counts: noExecutions() });
    for (const thing of this.groups.get(config.thingGroup) ?? []) this.target(job, thing);
    this.release(changed);
    return changed;
  }

  /** Adds a thing to a group; CONTINUOUS jobs of the group queue an execution for it. */
  addThingToGroup(group: string, thing: string): Set<string> {
    const members = this.groups.get(group) ?? new Set<string>();
    this.groups.set(group, members);
    members.add(thing);
    for (const job of this.jobs.values()) {
      if (job.status === "IN_PROGRESS" && job.targets.has(group) && job.config.targetSelection === "CONTINUOUS") this.target(job, thing);
    }
    const changed = new Set<string>();
    this.release(changed);
    return changed;
  }

  /** AssociateTargetsWithJob: adds thing groups to a job, whose members then get executions.
   * AWS: "The job must have been created with the targetSelection field set to CONTINUOUS. The job
   * status must currently be IN_PROGRESS. The total number of targets associated with a job must
   * not exceed 100." (https://docs.aws.amazon.com/iot/latest/apireference/API_AssociateTargetsWithJob.html) */
  associateTargets(jobId: string, groups: readonly string[]): Set<string> {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`associateTargets: no job "${jobId}"`);
    if (job.config.targetSelection !== "CONTINUOUS") throw new Error(`associateTargets: job "${jobId}" is SNAPSHOT; only CONTINUOUS jobs take new targets`);
    if (job.status !== "IN_PROGRESS") throw new Error(`associateTargets: job "${jobId}" is ${job.status}; only IN_PROGRESS jobs take new targets`);
    const targets = new Set([...job.targets, ...groups]);
    if (targets.size > MAX_JOB_TARGETS) throw new Error(`associateTargets: job "${jobId}" would have ${targets.size} targets; AWS allows ${MAX_JOB_TARGETS}`);
    job.targets = targets;
    for (const group of groups) for (const thing of this.groups.get(group) ?? []) this.target(job, thing);
    const changed = new Set<string>();
    this.release(changed);
    return changed;
  }

  /** The job's executions by status, as DescribeJob's jobProcessDetails counts them. */
  executionCounts(jobId: string): Record<ExecutionStatus, number> {
    return { ...(this.tallies.get(jobId)?.counts ?? noExecutions()) };
  }

  job(jobId: string): Job | undefined {
    return this.jobs.get(jobId);
  }

  /** Every job, oldest first (the jobs API lists them for the dashboard's rollout panel). */
  allJobs(): Job[] {
    return [...this.jobs.values()];
  }

  /** CancelJob: queued executions are cancelled, in-progress ones finish (AWS without `force`).
   * Returns the things whose next execution changed; throws for an unknown or finished job. */
  cancelJob(jobId: string, reasonCode = "USER_CANCELED", comment?: string): Set<string> {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job "${jobId}"`);
    const changed = new Set<string>();
    // AWS: "Job is in a terminal state" for a cancelled or completed job.
    if (job.status !== "IN_PROGRESS") throw new Error(`job "${jobId}" is already ${job.status}`);
    this.cancel(job, reasonCode, changed);
    job.comment = comment;
    return changed;
  }

  /** Executions a device can see, IN_PROGRESS first, then QUEUED by queue time (AWS order). */
  pending(thing: string): { inProgress: Execution[]; queued: Execution[] } {
    const visible = [...this.jobs.values()].map((j) => j.executions.get(thing)).filter((e): e is Execution => e !== undefined && e.queuedAt !== undefined);
    const byQueue = (a: Execution, b: Execution) => a.queuedAt! - b.queuedAt! || a.jobId.localeCompare(b.jobId);
    return {
      inProgress: visible.filter((e) => e.status === "IN_PROGRESS").sort(byQueue),
      queued: visible.filter((e) => e.status === "QUEUED").sort(byQueue),
    };
  }

  /** The execution of the most recently created job that targets `thing`, in any state. */
  latestExecution(thing: string): Execution | undefined {
    let latest: Execution | undefined;
    for (const job of this.jobs.values()) latest = job.executions.get(thing) ?? latest;
    return latest;
  }

  /** The execution `notify-next` and `start-next` are about. */
  next(thing: string): Execution | undefined {
    const { inProgress, queued } = this.pending(thing);
    return inProgress[0] ?? queued[0];
  }

  /** The thing's execution of a job; `executionNumber`, when given, must name it. */
  execution(thing: string, jobId: string, executionNumber?: unknown): Execution {
    const e = this.jobs.get(jobId)?.executions.get(thing);
    if (!e || e.queuedAt === undefined) throw new JobRejection("ResourceNotFound", `no execution of job "${jobId}" for thing "${thing}"`);
    if (executionNumber !== undefined && executionNumber !== e.executionNumber) {
      throw new JobRejection("ResourceNotFound", `execution number ${JSON.stringify(executionNumber)} of job "${jobId}" not found for thing "${thing}" (it has ${e.executionNumber})`);
    }
    return e;
  }

  /** start-next: moves the next QUEUED execution to IN_PROGRESS (an IN_PROGRESS one is returned as is). */
  startNext(thing: string, request: { statusDetails?: StatusDetails; stepTimeoutInMinutes?: number } = {}): Execution | undefined {
    // Checked before anything changes: a refused request leaves the execution as it was.
    const details = checkDetails(request.statusDetails);
    checkStepTimeout(request.stepTimeoutInMinutes, false);
    const execution = this.next(thing);
    if (!execution) return undefined;
    // "If the next pending job execution is already IN_PROGRESS, its status details are not changed."
    if (execution.status === "QUEUED") {
      this.transition(execution, "IN_PROGRESS", details ?? execution.statusDetails);
      execution.startedAt = this.now();
    }
    this.setStepTimeout(execution, request.stepTimeoutInMinutes);
    return execution;
  }

  /** {jobId}/update. Throws JobRejection with AWS's codes; returns the things whose next changed. */
  update(thing: string, jobId: string, request: UpdateRequest): { execution: Execution; changed: Set<string> } {
    const execution = this.execution(thing, jobId, request.executionNumber);
    // "The new status for the job execution (IN_PROGRESS, FAILED, SUCCEEDED, or REJECTED). This
    // must be specified on every update." (jobs-mqtt-api.html, UpdateJobExecution)
    if (!["IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED"].includes(request.status)) {
      throw new JobRejection("InvalidRequest", `status must be IN_PROGRESS, SUCCEEDED, FAILED or REJECTED, got ${JSON.stringify(request.status)}`);
    }
    if (request.expectedVersion !== undefined && !Number.isInteger(request.expectedVersion)) {
      throw new JobRejection("InvalidRequest", `expectedVersion must be a whole number, got ${JSON.stringify(request.expectedVersion)}`);
    }
    const details = checkDetails(request.statusDetails);
    checkStepTimeout(request.stepTimeoutInMinutes, true);
    if (request.expectedVersion !== undefined && request.expectedVersion !== execution.versionNumber) {
      throw new JobRejection("VersionMismatch", `expectedVersion ${request.expectedVersion} does not match the execution's version ${execution.versionNumber}`, execution);
    }
    // "InvalidStateTransition: An update attempted to change the job execution to a state that is
    // invalid because of the job execution's current state (for example, an attempt to change a
    // request in state SUCCEEDED to state IN_PROGRESS)" (jobs-api.html#jobs-mqtt-error-response).
    if (isTerminal(execution.status)) {
      throw new JobRejection("InvalidStateTransition", `the execution of job "${jobId}" on "${thing}" is already ${execution.status}; a terminal status can't change`, execution);
    }
    if (execution.status === "QUEUED" && request.status === "IN_PROGRESS") execution.startedAt = this.now();
    this.transition(execution, request.status, details ?? execution.statusDetails);
    this.setStepTimeout(execution, isTerminal(request.status) ? undefined : request.stepTimeoutInMinutes);
    const changed = new Set<string>([thing]);
    // Stryker disable next-line ConditionalExpression: equivalent: afterTerminal acts only on ended executions (abort counts executed things, completion needs all ended), so after a non-terminal update it finds what it found after the last terminal one
    if (isTerminal(request.status)) this.afterTerminal(this.jobs.get(jobId)!, changed);
    return { execution, changed };
  }

  /** The jobs their abort criteria cancelled since the last call (by an update or a timeout). */
  takeAborted(): Job[] {
    return this.aborted.splice(0);
  }

  /** Time passes: step and in-progress timeouts, rollout releases. Returns things whose next changed. */
  tick(): Set<string> {
    const changed = new Set<string>();
    const now = this.now();
    for (const job of this.jobs.values()) {
      const limit = job.config.inProgressTimeoutInMinutes;
      for (const e of job.executions.values()) {
        if (e.status !== "IN_PROGRESS") continue;
        const overall = limit !== undefined && e.startedAt !== undefined && now - e.startedAt >= limit * MINUTE;
        const step = e.stepDeadline !== undefined && now >= e.stepDeadline;
        if (overall || step) {
          this.transition(e, "TIMED_OUT", e.statusDetails);
          e.stepDeadline = undefined;
          changed.add(e.thingName);
          this.afterTerminal(job, changed);
        }
      }
    }
    this.release(changed);
    return changed;
  }

  /** ms until the next moment `tick` could change something (rollout window or a timeout). */
  nextWakeUp(): number | undefined {
    const now = this.now();
    let soonest: number | undefined;
    const consider = (at: number) => (soonest = soonest === undefined ? at : Math.min(soonest, at));
    for (const job of this.jobs.values()) {
      const tally = this.tallyOf(job);
      // Stryker disable next-line ConditionalExpression: equivalent: a cancelled job has no held QUEUED execution (cancel ends them) and a completed one has none at all, so `held` alone decides
      if (tally.held.size && job.status === "IN_PROGRESS" && job.releases.length) consider(job.releases[0] + MINUTE);
      for (const e of tally.inProgress) {
        if (e.stepDeadline !== undefined) consider(e.stepDeadline);
        if (job.config.inProgressTimeoutInMinutes !== undefined && e.startedAt !== undefined) consider(e.startedAt + job.config.inProgressTimeoutInMinutes * MINUTE);
      }
    }
    return soonest === undefined ? undefined : Math.max(0, soonest - now);
  }

  // --- internals ---------------------------------------------------------------------------

  private target(job: Job, thing: string): void {
    if (job.executions.has(thing)) return;
    // queuedAt stays undefined until the rollout releases the execution: AWS doesn't show a
    // device a job before its turn.
    const execution: Execution = { jobId: job.config.jobId, thingName: thing, status: "QUEUED", statusDetails: {}, lastUpdatedAt: this.now(), versionNumber: 1, executionNumber: 1 };
    job.executions.set(thing, execution);
    const tally = this.tallyOf(job);
    tally.held.add(execution);
    tally.counts.QUEUED++;
  }

  private tallyOf(job: Job): Tally {
    return this.tallies.get(job.config.jobId)!;
  }

  /** Releases held executions up to maximumPerMinute within any rolling minute. */
  private release(changed: Set<string>): void {
    const now = this.now();
    for (const job of this.jobs.values()) {
      // Stryker disable next-line ConditionalExpression: equivalent: a finished job has no held QUEUED execution to release (cancel ends them, completion needs all ended); the guard only skips the work
      if (job.status !== "IN_PROGRESS") continue;
      job.releases = job.releases.filter((t) => now - t < MINUTE);
      const { held } = this.tallyOf(job);
      for (const e of held) {
        if (job.releases.length >= job.config.maximumPerMinute) break;
        held.delete(e);
        e.queuedAt = now;
        e.lastUpdatedAt = now;
        job.releases.push(now);
        changed.add(e.thingName);
      }
    }
  }

  private transition(e: Execution, status: ExecutionStatus, details: StatusDetails): void {
    const tally = this.tallies.get(e.jobId)!;
    tally.counts[e.status]--;
    tally.counts[status]++;
    if (status === "IN_PROGRESS") tally.inProgress.add(e);
    else tally.inProgress.delete(e);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent: only cancel moves a held execution (to CANCELED), and release and nextWakeUp skip cancelled jobs; this only lets the set go
    if (status !== "QUEUED") tally.held.delete(e);
    e.status = status;
    e.statusDetails = details;
    e.lastUpdatedAt = this.now();
    e.versionNumber++;
  }

  /** Sets (or with -1 cancels) the step timer; the value was checked by checkStepTimeout. */
  private setStepTimeout(e: Execution, minutes: number | undefined): void {
    if (minutes === undefined) return;
    e.stepDeadline = minutes === CANCEL_STEP_TIMER ? undefined : this.now() + minutes * MINUTE;
  }

  /** Abort criteria and completion, checked each time an execution ends. */
  private afterTerminal(job: Job, changed: Set<string>): void {
    const { counts } = this.tallyOf(job);
    // CANCELED executions exist only in cancelled jobs, which neither abort nor complete (both checks below need IN_PROGRESS).
    const failed = failedExecutions(counts);
    const executed = counts.SUCCEEDED + failed;
    const abort = job.config.abort;
    if (job.status === "IN_PROGRESS" && abort && executed >= abort.minNumberOfExecutedThings && (failed * 100) / executed >= abort.thresholdPercentage) {
      this.cancel(job, "ABORTED", changed);
      this.aborted.push(job);
      return;
    }
    if (job.status === "IN_PROGRESS" && job.config.targetSelection === "SNAPSHOT" && counts.QUEUED + counts.IN_PROGRESS === 0) job.status = "COMPLETED";
  }

  /** Only QUEUED executions are cancelled (AWS: in-progress ones finish). */
  private cancel(job: Job, reasonCode: string, changed: Set<string>): void {
    job.status = "CANCELED";
    job.reasonCode = reasonCode;
    for (const e of job.executions.values()) {
      if (e.status !== "QUEUED") continue;
      this.transition(e, "CANCELED", e.statusDetails);
      if (e.queuedAt !== undefined) changed.add(e.thingName);
    }
  }
}

function noExecutions(): Record<ExecutionStatus, number> {
  return { QUEUED: 0, IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0, REJECTED: 0, TIMED_OUT: 0, CANCELED: 0 };
}

function validateJob(input: JobConfig): Job["config"] {
  const problems: string[] = [];
  if (!/^[a-zA-Z0-9_-]{1,64}$/.test(input.jobId ?? "")) problems.push(`jobId ${JSON.stringify(input.jobId)} must be 1–64 characters of [a-zA-Z0-9_-]`);
  if (typeof input.document !== "object" || input.document === null) problems.push("document must be an object");
  else if (Buffer.byteLength(JSON.stringify(input.document)) > 32768) problems.push("document is larger than AWS's 32,768 bytes");
  if (!input.thingGroup) problems.push("thingGroup is required");
  const perMinute = input.maximumPerMinute ?? 1000;
  if (!Number.isInteger(perMinute) || perMinute < 1 || perMinute > 1000) problems.push(`maximumPerMinute must be a whole number from 1 to 1000, got ${perMinute}`);
  const abort = input.abort;
  if (abort && (!(abort.thresholdPercentage > 0 && abort.thresholdPercentage <= 100) || !Number.isInteger(abort.minNumberOfExecutedThings) || abort.minNumberOfExecutedThings < 1)) {
    problems.push("abort needs thresholdPercentage in (0, 100] and minNumberOfExecutedThings >= 1");
  }
  const timeout = input.inProgressTimeoutInMinutes;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 10080)) problems.push(`inProgressTimeoutInMinutes must be a whole number from 1 to 10080, got ${timeout}`);
  if (problems.length) throw new Error(`invalid job: ${problems.join("; ")}`);
  return { ...input, targetSelection: input.targetSelection ?? "CONTINUOUS", maximumPerMinute: perMinute };
}

function checkDetails(details: unknown): StatusDetails | undefined {
  if (details === undefined) return undefined;
  const problem = statusDetailsProblem(details);
  if (problem) throw new JobRejection("InvalidRequest", problem);
  return details as StatusDetails;
}

function checkStepTimeout(minutes: unknown, mayCancel: boolean): void {
  if (minutes === undefined || (mayCancel && minutes === CANCEL_STEP_TIMER)) return;
  if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 1 || minutes > 10080) {
    throw new JobRejection("InvalidRequest", `stepTimeoutInMinutes must be a whole number from 1 to 10080${mayCancel ? " (or -1 to cancel the step timer)" : ""}, got ${JSON.stringify(minutes)}`);
  }
}
