import assert from "node:assert/strict";
import { JobBook, JobRejection, isTerminal, rejectionCarriesExecutionState, type JobConfig, type RejectCode } from "./jobBook";

function book() {
  let t = 1_000_000;
  const jobs = new JobBook(() => t);
  return { jobs, advance: (ms: number) => (t += ms) };
}
const job = (jobId: string, extra: Partial<JobConfig> = {}): JobConfig => ({ jobId, document: { operation: "snapfleet.install" }, thingGroup: "fleet", ...extra });
const rejects = (run: () => unknown, code: string) => assert.throws(run, (e: unknown) => e instanceof JobRejection && e.code === code);

describe("job book: AWS IoT Jobs semantics", () => {
  it("queues an execution per group member and walks QUEUED → IN_PROGRESS → SUCCEEDED with versions", () => {
    const { jobs } = book();
    jobs.addThingToGroup("fleet", "a");
    assert.deepEqual([...jobs.createJob(job("j1"))], ["a"]);
    assert.equal(jobs.next("a")?.status, "QUEUED");
    const started = jobs.startNext("a", { statusDetails: { step: "downloading" } })!;
    assert.deepEqual([started.status, started.versionNumber, started.statusDetails], ["IN_PROGRESS", 2, { step: "downloading" }]);
    rejects(() => jobs.update("a", "j1", { status: "SUCCEEDED", expectedVersion: 1 }), "VersionMismatch");
    const { execution } = jobs.update("a", "j1", { status: "SUCCEEDED", expectedVersion: 2 });
    assert.equal(execution.status, "SUCCEEDED");
    assert.equal(jobs.next("a"), undefined);
    rejects(() => jobs.update("a", "j1", { status: "FAILED" }), "InvalidStateTransition");
    rejects(() => jobs.update("a", "nope", { status: "FAILED" }), "ResourceNotFound");
    rejects(() => jobs.update("a", "j1", { status: "QUEUED" }), "InvalidRequest");
  });

  it("continuous targeting: a thing that joins later gets the job; snapshot jobs don't", () => {
    const { jobs } = book();
    jobs.createJob(job("cont"));
    assert.deepEqual([...jobs.addThingToGroup("fleet", "late")], ["late"]);
    assert.equal(jobs.next("late")?.jobId, "cont");
    const other = book().jobs;
    other.createJob(job("snap", { targetSelection: "SNAPSHOT" }));
    other.addThingToGroup("fleet", "late");
    assert.equal(other.next("late"), undefined);
  });

  it("rollout: at most maximumPerMinute executions are released per rolling minute", () => {
    const { jobs, advance } = book();
    for (const t of ["a", "b", "c", "d", "e"]) jobs.addThingToGroup("fleet", t);
    assert.equal(jobs.createJob(job("slow", { maximumPerMinute: 2 })).size, 2);
    assert.equal(jobs.next("c"), undefined, "held back: not visible to the device yet");
    assert.equal(jobs.nextWakeUp(), 60_000);
    advance(59_999);
    assert.equal(jobs.tick().size, 0);
    advance(1);
    assert.equal(jobs.tick().size, 2);
    advance(60_000);
    assert.deepEqual([...jobs.tick()], ["e"]);
  });

  it("abort: cancels queued executions once the failure share passes the threshold", () => {
    const { jobs } = book();
    for (const t of ["a", "b", "c", "d"]) jobs.addThingToGroup("fleet", t);
    jobs.createJob(job("bad", { abort: { thresholdPercentage: 50, minNumberOfExecutedThings: 2 } }));
    jobs.startNext("a");
    jobs.update("a", "bad", { status: "FAILED", statusDetails: { reason: "sha256 mismatch" } });
    assert.equal(jobs.job("bad")!.status, "IN_PROGRESS", "one executed thing is below the minimum");
    jobs.startNext("b");
    jobs.startNext("c");
    const { changed } = jobs.update("b", "bad", { status: "FAILED" });
    assert.equal(jobs.job("bad")!.status, "CANCELED");
    assert.equal(jobs.job("bad")!.executions.get("d")!.status, "CANCELED");
    assert.equal(jobs.job("bad")!.executions.get("c")!.status, "IN_PROGRESS", "in-progress executions finish");
    assert.ok(changed.has("d"));
    assert.deepEqual(jobs.takeAborted().map((j) => j.config.jobId), ["bad"], "the abort is handed on once, for the log");
    assert.deepEqual(jobs.takeAborted(), []);
  });

  it("jobs abort at abortFailurePercent: a failure share equal to the threshold cancels the rollout", () => {
    // AWS: thresholdPercentage is "the minimum percentage of job execution failures that must
    // occur to initiate the job abort" (AbortCriteria, AWS IoT API reference): reaching it aborts.
    const { jobs } = book();
    for (const t of ["a", "b", "c", "d", "e"]) jobs.addThingToGroup("fleet", t);
    jobs.createJob(job("half", { abort: { thresholdPercentage: 50, minNumberOfExecutedThings: 4 } }));
    for (const t of ["a", "b", "c", "d"]) jobs.startNext(t);
    jobs.update("a", "half", { status: "SUCCEEDED" });
    jobs.update("b", "half", { status: "FAILED" });
    jobs.update("c", "half", { status: "SUCCEEDED" });
    assert.equal(jobs.job("half")!.status, "IN_PROGRESS", "3 executed: below the minimum of 4");
    const { changed } = jobs.update("d", "half", { status: "REJECTED" });
    assert.equal(jobs.job("half")!.status, "CANCELED", "2 of 4 = 50% failed: the threshold is reached");
    assert.equal(jobs.job("half")!.reasonCode, "ABORTED");
    assert.equal(jobs.execution("e", "half").status, "CANCELED");
    assert.ok(changed.has("e"));
  });

  it("jobs abort at abortFailurePercent: below the threshold, and when every execution succeeded, the rollout goes on", () => {
    const { jobs } = book();
    for (const t of ["a", "b", "c", "d", "e"]) jobs.addThingToGroup("fleet", t);
    jobs.createJob(job("ok", { abort: { thresholdPercentage: 50, minNumberOfExecutedThings: 2 } }));
    jobs.startNext("a");
    jobs.startNext("b");
    jobs.update("a", "ok", { status: "SUCCEEDED" });
    jobs.update("b", "ok", { status: "SUCCEEDED" });
    assert.equal(jobs.job("ok")!.status, "IN_PROGRESS", "2 of 2 succeeded: nothing to abort");
    jobs.startNext("c");
    jobs.update("c", "ok", { status: "FAILED" });
    assert.equal(jobs.job("ok")!.status, "IN_PROGRESS", "1 of 3 = 33% failed: below 50%");
    assert.equal(jobs.execution("e", "ok").status, "QUEUED");
    // Timed-out executions count as failures too (AWS failureType ALL: FAILED, REJECTED, TIMED_OUT).
    const timed = book();
    for (const t of ["a", "b", "c"]) timed.jobs.addThingToGroup("fleet", t);
    timed.jobs.createJob(job("slow", { inProgressTimeoutInMinutes: 1, abort: { thresholdPercentage: 100, minNumberOfExecutedThings: 1 } }));
    timed.jobs.startNext("a");
    timed.advance(60_000);
    timed.jobs.tick();
    assert.equal(timed.jobs.job("slow")!.status, "CANCELED", "1 of 1 timed out = 100%");
    assert.deepEqual(timed.jobs.takeAborted().map((j) => j.config.jobId), ["slow"], "an abort by timeout is handed on too");
    assert.equal(timed.jobs.execution("c", "slow").status, "CANCELED");
  });

  it("in-progress and step timeouts end stuck executions as TIMED_OUT", () => {
    const { jobs, advance } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.addThingToGroup("fleet", "b");
    jobs.createJob(job("t", { inProgressTimeoutInMinutes: 10 }));
    jobs.startNext("a");
    jobs.startNext("b", { stepTimeoutInMinutes: 1 });
    advance(60_000);
    assert.deepEqual([...jobs.tick()], ["b"]);
    assert.equal(jobs.execution("b", "t").status, "TIMED_OUT");
    advance(9 * 60_000);
    jobs.tick();
    assert.equal(jobs.execution("a", "t").status, "TIMED_OUT");
    assert.equal(jobs.startNext("a"), undefined);
    rejects(() => jobs.update("a", "t", { status: "IN_PROGRESS" }), "InvalidStateTransition");
  });

  it("a step timer can be cancelled with stepTimeoutInMinutes -1 (UpdateJobExecution)", () => {
    const { jobs, advance } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("step"));
    jobs.startNext("a", { stepTimeoutInMinutes: 1 });
    jobs.update("a", "step", { status: "IN_PROGRESS", stepTimeoutInMinutes: -1 });
    advance(5 * 60_000);
    jobs.tick();
    assert.equal(jobs.execution("a", "step").status, "IN_PROGRESS");
    rejects(() => jobs.startNext("a", { stepTimeoutInMinutes: -1 }), "InvalidRequest");
  });

  it("a newer job for the group supersedes the older one's queued executions", () => {
    const { jobs } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.addThingToGroup("fleet", "b");
    jobs.createJob(job("v1"));
    jobs.startNext("a");
    jobs.createJob(job("v2"));
    assert.equal(jobs.execution("b", "v1").status, "CANCELED");
    assert.equal(jobs.next("b")?.jobId, "v2");
    assert.equal(jobs.next("a")?.jobId, "v1", "the install under way finishes first");
    jobs.update("a", "v1", { status: "SUCCEEDED" });
    assert.equal(jobs.next("a")?.jobId, "v2");
  });

  it("refuses invalid jobs and requests with what to fix", () => {
    const { jobs } = book();
    assert.throws(() => jobs.createJob(job("has space", { maximumPerMinute: 0 })), /jobId "has space" must be 1–64 characters.*maximumPerMinute must be a whole number from 1 to 1000/);
    jobs.createJob(job("dup"));
    assert.throws(() => jobs.createJob(job("dup")), /already exists/);
    jobs.addThingToGroup("fleet", "a");
    rejects(() => jobs.startNext("a", { statusDetails: { n: 1 as unknown as string } }), "InvalidRequest");
    rejects(() => jobs.startNext("a", { stepTimeoutInMinutes: 0 }), "InvalidRequest");
  });

  it("AssociateTargetsWithJob: CONTINUOUS and IN_PROGRESS jobs only, at most 100 targets, new groups' members get executions", () => {
    // https://docs.aws.amazon.com/iot/latest/apireference/API_AssociateTargetsWithJob.html
    const { jobs } = book();
    jobs.addThingToGroup("north", "n1");
    jobs.createJob(job("roll"));
    assert.deepEqual([...jobs.associateTargets("roll", ["north"])], ["n1"]);
    assert.equal(jobs.next("n1")?.jobId, "roll");
    assert.deepEqual([...jobs.addThingToGroup("north", "n2")], ["n2"], "a later member of an associated group gets the job too");
    const groups98 = Array.from({ length: 98 }, (_, i) => `g${i}`);
    jobs.associateTargets("roll", groups98);
    assert.equal(jobs.job("roll")!.targets.size, 100, "fleet + north + 98 = 100: the limit itself is allowed");
    assert.throws(() => jobs.associateTargets("roll", ["one-too-many"]), /would have 101 targets; AWS allows 100/);
    assert.equal(jobs.job("roll")!.targets.size, 100, "a refused association changes nothing");
    assert.throws(() => jobs.associateTargets("nope", ["north"]), /no job "nope"/);
    jobs.createJob(job("snap", { thingGroup: "other", targetSelection: "SNAPSHOT" }));
    assert.throws(() => jobs.associateTargets("snap", ["north"]), /SNAPSHOT/);
    jobs.cancelJob("roll");
    assert.throws(() => jobs.associateTargets("roll", ["north"]), /is CANCELED; only IN_PROGRESS/);
    assert.deepEqual([...jobs.addThingToGroup("north", "n3")], [], "a cancelled job targets no new member");
    assert.equal(jobs.next("n3"), undefined);
  });

  it("CancelJob: queued executions are cancelled, in-progress ones finish; a finished or unknown job is refused", () => {
    // https://docs.aws.amazon.com/iot/latest/apireference/API_CancelJob.html (without force)
    const { jobs } = book();
    for (const t of ["a", "b", "c"]) jobs.addThingToGroup("fleet", t);
    jobs.createJob(job("c1", { maximumPerMinute: 2 }));
    jobs.startNext("a");
    const changed = jobs.cancelJob("c1", undefined, "bad build");
    assert.deepEqual([...changed], ["b"], "c was never shown to its device: its next execution didn't change");
    const cancelled = jobs.job("c1")!;
    assert.deepEqual([cancelled.status, cancelled.reasonCode, cancelled.comment], ["CANCELED", "USER_CANCELED", "bad build"]);
    assert.deepEqual(jobs.executionCounts("c1"), { QUEUED: 0, IN_PROGRESS: 1, SUCCEEDED: 0, FAILED: 0, REJECTED: 0, TIMED_OUT: 0, CANCELED: 2 });
    jobs.update("a", "c1", { status: "SUCCEEDED" });
    assert.equal(jobs.execution("a", "c1").status, "SUCCEEDED");
    assert.throws(() => jobs.cancelJob("c1"), /already CANCELED/);
    assert.throws(() => jobs.cancelJob("nope"), /no job "nope"/);
    assert.deepEqual(jobs.executionCounts("nope"), { QUEUED: 0, IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0, REJECTED: 0, TIMED_OUT: 0, CANCELED: 0 });
    jobs.createJob(job("c2"));
    jobs.cancelJob("c2", "OPERATOR");
    assert.equal(jobs.job("c2")!.reasonCode, "OPERATOR");
    assert.deepEqual(jobs.allJobs().map((j) => j.config.jobId), ["c1", "c2"], "oldest first");
  });

  it("a device sees IN_PROGRESS executions first, then QUEUED ones in queue order; held executions are invisible", () => {
    const { jobs, advance } = book();
    jobs.addThingToGroup("g1", "d");
    jobs.addThingToGroup("g2", "d");
    jobs.addThingToGroup("g3", "d");
    jobs.createJob(job("zeta", { thingGroup: "g1" }));
    advance(1000);
    jobs.createJob(job("beta", { thingGroup: "g2" }));
    jobs.createJob(job("alpha", { thingGroup: "g3" }));
    const queued = jobs.pending("d").queued.map((e) => e.jobId);
    assert.deepEqual(queued, ["zeta", "alpha", "beta"], "older queue time first, then by job id");
    jobs.update("d", "beta", { status: "IN_PROGRESS" });
    assert.equal(jobs.next("d")?.jobId, "beta", "an IN_PROGRESS execution comes before queued ones");
    assert.deepEqual(jobs.pending("d").inProgress.map((e) => e.jobId), ["beta"]);
    assert.equal(jobs.latestExecution("d")?.jobId, "alpha", "the most recently created job's execution");
    jobs.update("d", "alpha", { status: "REJECTED" });
    assert.equal(jobs.latestExecution("d")?.status, "REJECTED", "in any state");
    assert.equal(jobs.latestExecution("nobody"), undefined);
    jobs.addThingToGroup("g4", "h1");
    jobs.addThingToGroup("g4", "h2");
    jobs.createJob(job("held", { thingGroup: "g4", maximumPerMinute: 1 }));
    assert.deepEqual(jobs.pending("h2"), { inProgress: [], queued: [] });
    rejects(() => jobs.execution("h2", "held"), "ResourceNotFound");
    rejects(() => jobs.update("h2", "held", { status: "IN_PROGRESS" }), "ResourceNotFound");
  });

  it("an executionNumber that doesn't name the execution is ResourceNotFound; the right one is accepted", () => {
    const { jobs } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("n"));
    rejects(() => jobs.update("a", "n", { status: "IN_PROGRESS", executionNumber: 2 }), "ResourceNotFound");
    assert.equal(jobs.execution("a", "n").status, "QUEUED", "refused: nothing changed");
    assert.equal(jobs.update("a", "n", { status: "IN_PROGRESS", executionNumber: 1 }).execution.status, "IN_PROGRESS");
  });

  it("start-next leaves an IN_PROGRESS execution's details alone; an update without details keeps them; versions and times move", () => {
    const { jobs, advance } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("d"));
    advance(5);
    const started = jobs.startNext("a", { statusDetails: { step: "one" } })!;
    assert.deepEqual([started.versionNumber, started.startedAt, started.lastUpdatedAt], [2, 1_000_005, 1_000_005]);
    advance(5);
    const again = jobs.startNext("a", { statusDetails: { step: "two" } })!;
    assert.deepEqual([again.status, again.versionNumber, again.statusDetails, again.startedAt], ["IN_PROGRESS", 2, { step: "one" }, 1_000_005]);
    const { execution, changed } = jobs.update("a", "d", { status: "IN_PROGRESS" });
    assert.deepEqual([execution.statusDetails, execution.versionNumber, execution.lastUpdatedAt, execution.startedAt], [{ step: "one" }, 3, 1_000_010, 1_000_005]);
    assert.deepEqual([...changed], ["a"]);
    assert.equal(jobs.startNext("nobody"), undefined);
  });

  it("an update from QUEUED straight to IN_PROGRESS starts the in-progress clock then", () => {
    const { jobs, advance } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("u", { inProgressTimeoutInMinutes: 1 }));
    advance(30_000);
    jobs.update("a", "u", { status: "IN_PROGRESS" });
    assert.equal(jobs.execution("a", "u").startedAt, 1_030_000);
    assert.equal(jobs.nextWakeUp(), 60_000);
    advance(59_999);
    assert.equal(jobs.tick().size, 0);
    assert.equal(jobs.execution("a", "u").status, "IN_PROGRESS", "a millisecond before the timeout");
    advance(1);
    assert.deepEqual([...jobs.tick()], ["a"]);
    assert.equal(jobs.execution("a", "u").status, "TIMED_OUT", "at the timeout exactly");
  });

  it("a step timer ends the step at its deadline exactly, and nextWakeUp names it", () => {
    const { jobs, advance } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("s", { inProgressTimeoutInMinutes: 10 }));
    jobs.startNext("a", { stepTimeoutInMinutes: 2 });
    assert.equal(jobs.nextWakeUp(), 120_000, "the step deadline is sooner than the in-progress timeout");
    jobs.update("a", "s", { status: "IN_PROGRESS", stepTimeoutInMinutes: 3 });
    assert.equal(jobs.nextWakeUp(), 180_000, "an update's step timeout replaces the last one");
    advance(179_999);
    jobs.tick();
    assert.equal(jobs.execution("a", "s").status, "IN_PROGRESS");
    advance(1);
    assert.deepEqual([...jobs.tick()], ["a"]);
    const e = jobs.execution("a", "s");
    assert.deepEqual([e.status, e.stepDeadline], ["TIMED_OUT", undefined]);
    assert.equal(jobs.nextWakeUp(), undefined, "nothing left to wake up for");
    advance(60 * 60_000);
    assert.equal(jobs.nextWakeUp(), undefined);
  });

  it("a terminal update ends the step timer; nextWakeUp never looks back in time", () => {
    const { jobs, advance } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.addThingToGroup("fleet", "b");
    jobs.createJob(job("e", { inProgressTimeoutInMinutes: 1 }));
    jobs.startNext("a", { stepTimeoutInMinutes: 1 });
    jobs.update("a", "e", { status: "SUCCEEDED", stepTimeoutInMinutes: 5 });
    jobs.startNext("b");
    advance(90_000);
    assert.equal(jobs.nextWakeUp(), 0, "b's timeout is past: wake now, not in negative time");
    jobs.tick();
    assert.deepEqual([jobs.execution("a", "e").status, jobs.execution("b", "e").status], ["SUCCEEDED", "TIMED_OUT"]);
  });

  it("step timeouts are whole minutes from 1 to 10080 (-1 cancels, on update only); expectedVersion is a whole number", () => {
    // https://docs.aws.amazon.com/iot/latest/apireference/API_iot-jobs-data_UpdateJobExecution.html
    const { jobs } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("v"));
    for (const bad of [0, 10081, 1.5, "5", -2]) rejects(() => jobs.startNext("a", { stepTimeoutInMinutes: bad as number }), "InvalidRequest");
    assert.equal(jobs.execution("a", "v").status, "QUEUED", "refused start-next requests leave the execution queued");
    for (const bad of [0, 10081, 1.5, -2]) rejects(() => jobs.update("a", "v", { status: "IN_PROGRESS", stepTimeoutInMinutes: bad }), "InvalidRequest");
    rejects(() => jobs.update("a", "v", { status: "IN_PROGRESS", expectedVersion: 1.5 }), "InvalidRequest");
    rejects(() => jobs.update("a", "v", { status: "IN_PROGRESS", statusDetails: { "bad key": "x" } }), "InvalidRequest");
    assert.equal(jobs.execution("a", "v").versionNumber, 1, "refused updates leave the version as it was");
    assert.equal(jobs.startNext("a", { stepTimeoutInMinutes: 10080 })!.stepDeadline, 1_000_000 + 10080 * 60_000);
    assert.equal(jobs.update("a", "v", { status: "IN_PROGRESS", stepTimeoutInMinutes: 1, expectedVersion: 2 }).execution.stepDeadline, 1_000_000 + 60_000);
  });

  it("a VersionMismatch or InvalidStateTransition rejection carries the execution's state; other codes don't", () => {
    // "This field is included only when the code field has the value InvalidStateTransition or
    // VersionMismatch" (https://docs.aws.amazon.com/iot/latest/developerguide/jobs-api.html#jobs-mqtt-error-response)
    const codes: RejectCode[] = ["InvalidTopic", "InvalidJson", "InvalidRequest", "InvalidStateTransition", "ResourceNotFound", "VersionMismatch", "InternalError", "RequestThrottled", "TerminalStateReached"];
    assert.deepEqual(codes.filter(rejectionCarriesExecutionState), ["InvalidStateTransition", "VersionMismatch"]);
    const { jobs } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("x"));
    assert.throws(() => jobs.update("a", "x", { status: "IN_PROGRESS", expectedVersion: 7 }), (e: unknown) => e instanceof JobRejection && e.execution?.versionNumber === 1);
    jobs.update("a", "x", { status: "SUCCEEDED" });
    assert.throws(() => jobs.update("a", "x", { status: "FAILED" }), (e: unknown) => e instanceof JobRejection && e.execution?.status === "SUCCEEDED");
    assert.deepEqual(["QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "CANCELED"].filter((s) => isTerminal(s as never)), ["SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "CANCELED"]);
  });

  it("a SNAPSHOT job completes when every execution has ended; a CONTINUOUS job stays open for later members", () => {
    const { jobs } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.addThingToGroup("fleet", "b");
    jobs.createJob(job("snap", { targetSelection: "SNAPSHOT" }));
    jobs.update("a", "snap", { status: "SUCCEEDED" });
    assert.equal(jobs.job("snap")!.status, "IN_PROGRESS", "b hasn't finished");
    jobs.update("b", "snap", { status: "FAILED" });
    assert.equal(jobs.job("snap")!.status, "COMPLETED");
    // One execution running and one still queued: as many of each, and still not finished.
    const three = book().jobs;
    for (const thing of ["a", "b", "c"]) three.addThingToGroup("fleet", thing);
    three.createJob(job("snap3", { targetSelection: "SNAPSHOT" }));
    three.update("b", "snap3", { status: "IN_PROGRESS" });
    three.update("a", "snap3", { status: "SUCCEEDED" });
    assert.equal(three.job("snap3")!.status, "IN_PROGRESS", "b is running and c is queued");
    const cont = book().jobs;
    cont.addThingToGroup("fleet", "a");
    cont.createJob(job("cont"));
    cont.update("a", "cont", { status: "SUCCEEDED" });
    assert.equal(cont.job("cont")!.status, "IN_PROGRESS");
  });

  it("abort counts only executed things: a queued execution is not a success, cancelled ones are not counted", () => {
    // AbortCriteria: the share of failures among the things that executed the job
    // (https://docs.aws.amazon.com/iot/latest/apireference/API_AbortCriteria.html).
    const { jobs } = book();
    for (const t of ["a", "b", "c", "d"]) jobs.addThingToGroup("fleet", t);
    jobs.createJob(job("j", { abort: { thresholdPercentage: 100, minNumberOfExecutedThings: 1 } }));
    jobs.update("a", "j", { status: "FAILED" });
    assert.equal(jobs.job("j")!.status, "CANCELED", "1 of 1 executed failed: 100%, though 3 are still queued");
    const other = book().jobs;
    for (const t of ["a", "b"]) other.addThingToGroup("fleet", t);
    other.createJob(job("k", { abort: { thresholdPercentage: 60, minNumberOfExecutedThings: 2 } }));
    other.update("a", "k", { status: "SUCCEEDED" });
    other.update("b", "k", { status: "FAILED" });
    assert.equal(other.job("k")!.status, "IN_PROGRESS", "50% is below 60%");
  });

  it("a newer job supersedes only IN_PROGRESS jobs of the same group, and names the things whose next execution changed", () => {
    const { jobs } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.addThingToGroup("other", "o");
    jobs.createJob(job("old"));
    jobs.createJob(job("keep", { thingGroup: "other" }));
    const changed = jobs.createJob(job("new"));
    assert.deepEqual([...changed].sort(), ["a"]);
    assert.deepEqual([jobs.job("old")!.status, jobs.job("old")!.reasonCode], ["CANCELED", "SUPERSEDED"]);
    assert.equal(jobs.job("keep")!.status, "IN_PROGRESS", "another group's job is untouched");
    jobs.cancelJob("new");
    jobs.createJob(job("newest"));
    assert.equal(jobs.job("new")!.reasonCode, "USER_CANCELED", "a cancelled job is not superseded again");
  });

  it("the rollout window rolls: releases older than a minute no longer count, and adding a member twice queues it once", () => {
    const { jobs, advance } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("r", { maximumPerMinute: 1 }));
    advance(30_000);
    assert.deepEqual([...jobs.addThingToGroup("fleet", "b")], [], "one release this minute already");
    assert.equal(jobs.nextWakeUp(), 30_000, "the first release leaves the window a minute after it");
    assert.deepEqual([...jobs.addThingToGroup("fleet", "b")], []);
    advance(30_000);
    assert.deepEqual([...jobs.tick()], ["b"]);
    assert.equal(jobs.job("r")!.executions.size, 2);
    assert.equal(jobs.nextWakeUp(), undefined, "nothing held back");
    jobs.cancelJob("r");
    jobs.addThingToGroup("g2", "x");
    jobs.addThingToGroup("g2", "y");
    jobs.createJob(job("held", { thingGroup: "g2", maximumPerMinute: 1 }));
    jobs.cancelJob("held");
    assert.equal(jobs.nextWakeUp(), undefined, "a cancelled job's held executions wake nothing");
  });

  it("refuses jobs outside AWS's limits, at each limit's edge", () => {
    // CreateJob: jobId 1–64 of [a-zA-Z0-9_-], document up to 32 KB, maxPerMinute 1–1000,
    // inProgress timeout 1–10080 minutes (https://docs.aws.amazon.com/iot/latest/apireference/API_CreateJob.html).
    const { jobs } = book();
    const ok = (c: JobConfig) => assert.doesNotThrow(() => jobs.createJob(c));
    const bad = (c: JobConfig, re: RegExp) => assert.throws(() => jobs.createJob(c), re);
    ok(job("x".repeat(64)));
    bad(job("x".repeat(65)), /jobId/);
    bad(job(""), /jobId/);
    bad(job("a.b"), /jobId/);
    bad({ ...job("nodoc"), document: null as never }, /document must be an object/);
    bad({ ...job("strdoc"), document: "x" as never }, /document must be an object/);
    const filler = (n: number) => ({ d: "x".repeat(n - 8) });
    assert.equal(Buffer.byteLength(JSON.stringify(filler(32768))), 32768);
    ok({ ...job("big", { thingGroup: "g-big" }), document: filler(32768) });
    bad({ ...job("huge"), document: filler(32769) }, /32,768 bytes/);
    bad(job("nogroup", { thingGroup: "" }), /thingGroup is required/);
    ok(job("pm1000", { thingGroup: "g1000", maximumPerMinute: 1000 }));
    ok(job("pm1", { thingGroup: "g1", maximumPerMinute: 1 }));
    for (const n of [0, 1001, 1.5]) bad(job(`pm${n}`.replace(".", "_"), { maximumPerMinute: n }), /maximumPerMinute must be a whole number from 1 to 1000/);
    ok(job("ab100", { thingGroup: "gab", abort: { thresholdPercentage: 100, minNumberOfExecutedThings: 1 } }));
    for (const abort of [{ thresholdPercentage: 0, minNumberOfExecutedThings: 1 }, { thresholdPercentage: 100.5, minNumberOfExecutedThings: 1 }, { thresholdPercentage: 50, minNumberOfExecutedThings: 0 }, { thresholdPercentage: 50, minNumberOfExecutedThings: 1.5 }]) {
      bad(job("abx", { abort }), /abort needs thresholdPercentage in \(0, 100\] and minNumberOfExecutedThings >= 1/);
    }
    ok(job("t1", { thingGroup: "gt1", inProgressTimeoutInMinutes: 1 }));
    ok(job("t10080", { thingGroup: "gt2", inProgressTimeoutInMinutes: 10080 }));
    for (const n of [0, 10081, 1.5]) bad(job("tx", { inProgressTimeoutInMinutes: n }), /inProgressTimeoutInMinutes must be a whole number from 1 to 10080/);
    const defaults = jobs.job("t1")!.config;
    assert.deepEqual([defaults.targetSelection, defaults.maximumPerMinute], ["CONTINUOUS", 1000]);
    assert.equal(jobs.job("tx"), undefined, "a refused job is not kept");
  });

  it("a job for a group without members, or an associated group without members, queues nothing and changes no thing", () => {
    const { jobs } = book();
    assert.deepEqual([...jobs.createJob(job("early", { thingGroup: "nobody-yet" }))], []);
    assert.deepEqual([...jobs.associateTargets("early", ["also-empty"])], []);
    assert.equal(jobs.job("early")!.executions.size, 0);
    assert.deepEqual(jobs.executionCounts("early"), { QUEUED: 0, IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0, REJECTED: 0, TIMED_OUT: 0, CANCELED: 0 });
    assert.deepEqual([...jobs.addThingToGroup("also-empty", "first")], ["first"], "the job waits for the first member of either group");
  });

  it("a thing that joins after its group's job was cancelled or superseded gets no execution of it, queued or counted", () => {
    // CONTINUOUS: "the job may also be run on a thing when a change is detected in a target" while
    // the job runs (targetSelection, https://docs.aws.amazon.com/iot/latest/apireference/API_CreateJob.html);
    // a CANCELED job runs nowhere (https://docs.aws.amazon.com/iot/latest/apireference/API_CancelJob.html).
    const { jobs } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("old"));
    jobs.createJob(job("new"));
    jobs.cancelJob("new");
    assert.deepEqual([...jobs.addThingToGroup("fleet", "late")], []);
    for (const id of ["old", "new"]) {
      assert.equal(jobs.job(id)!.executions.has("late"), false, `${id}: no execution for the late member`);
      assert.deepEqual(jobs.executionCounts(id), { QUEUED: 0, IN_PROGRESS: 0, SUCCEEDED: 0, FAILED: 0, REJECTED: 0, TIMED_OUT: 0, CANCELED: 1 }, id);
    }
  });

  it("of several IN_PROGRESS executions, the one queued first is next, even when its job is younger", () => {
    // Pending executions "are sorted by status (IN_PROGRESS job executions before QUEUED job
    // executions) and then by the times when they were queued"
    // (https://docs.aws.amazon.com/iot/latest/developerguide/jobs-comm-notifications.html).
    const { jobs, advance } = book();
    jobs.addThingToGroup("g2", "d");
    jobs.createJob(job("older-job", { thingGroup: "g1" }));
    jobs.createJob(job("younger-job", { thingGroup: "g2" }));
    advance(1000);
    jobs.addThingToGroup("g1", "d");
    jobs.update("d", "older-job", { status: "IN_PROGRESS" });
    jobs.update("d", "younger-job", { status: "IN_PROGRESS" });
    assert.deepEqual(jobs.pending("d").inProgress.map((e) => e.jobId), ["younger-job", "older-job"]);
    assert.equal(jobs.next("d")?.jobId, "younger-job");
  });

  it("an execution that goes from QUEUED straight to a terminal status never started: it has no startedAt", () => {
    // JobExecution.startedAt is "the time ... when the job execution started"
    // (https://docs.aws.amazon.com/iot/latest/apireference/API_JobExecution.html); a device that
    // rejects a queued job never started it.
    const { jobs, advance } = book();
    for (const t of ["a", "b"]) jobs.addThingToGroup("fleet", t);
    jobs.createJob(job("skip"));
    advance(10);
    jobs.update("a", "skip", { status: "REJECTED", statusDetails: { reason: "engine mismatch" } });
    jobs.update("b", "skip", { status: "SUCCEEDED" });
    assert.deepEqual([jobs.execution("a", "skip").startedAt, jobs.execution("b", "skip").startedAt], [undefined, undefined]);
    assert.equal(jobs.execution("a", "skip").lastUpdatedAt, 1_000_010, "the update itself is recorded");
  });

  it("a thing targeted again (re-added, or in another of the job's groups) keeps its one execution: a finished job doesn't run twice", () => {
    // One execution per thing and job; AWS numbers a re-run with a new executionNumber, which
    // this book never starts (https://docs.aws.amazon.com/iot/latest/apireference/API_JobExecution.html).
    const { jobs } = book();
    jobs.addThingToGroup("fleet", "a");
    jobs.createJob(job("once"));
    jobs.update("a", "once", { status: "SUCCEEDED" });
    jobs.addThingToGroup("north", "a");
    assert.deepEqual([...jobs.associateTargets("once", ["north"])], []);
    assert.deepEqual([...jobs.addThingToGroup("fleet", "a")], []);
    const e = jobs.execution("a", "once");
    assert.deepEqual([e.status, e.versionNumber, e.executionNumber], ["SUCCEEDED", 2, 1]);
    assert.equal(jobs.next("a"), undefined);
  });

  it("a cancelled job stays CANCELED, with its reason, when its in-progress executions then end (no abort, no completion)", () => {
    // CancelJob without force lets IN_PROGRESS executions finish; the job stays cancelled
    // (https://docs.aws.amazon.com/iot/latest/apireference/API_CancelJob.html); abort criteria and
    // SNAPSHOT completion are about running jobs.
    const { jobs } = book();
    for (const t of ["a", "b"]) jobs.addThingToGroup("fleet", t);
    jobs.createJob(job("watched", { targetSelection: "SNAPSHOT", abort: { thresholdPercentage: 50, minNumberOfExecutedThings: 1 } }));
    jobs.startNext("a");
    jobs.startNext("b");
    jobs.cancelJob("watched", undefined, "wrong build");
    jobs.update("a", "watched", { status: "FAILED" });
    assert.deepEqual([jobs.job("watched")!.status, jobs.job("watched")!.reasonCode], ["CANCELED", "USER_CANCELED"], "a failure after the cancel is not an abort");
    jobs.update("b", "watched", { status: "SUCCEEDED" });
    assert.deepEqual([jobs.job("watched")!.status, jobs.job("watched")!.reasonCode, jobs.job("watched")!.comment], ["CANCELED", "USER_CANCELED", "wrong build"], "every execution ended: still CANCELED, not COMPLETED");
  });
});
