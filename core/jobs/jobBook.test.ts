import assert from "node:assert/strict";
import { JobBook, JobRejection, type JobConfig } from "./jobBook";

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
});
