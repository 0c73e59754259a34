/** The device's Jobs MQTT API client against AWS IoT's promises (developer guide, "Jobs device
 * MQTT API" https://docs.aws.amazon.com/iot/latest/developerguide/jobs-mqtt-api.html and "Device
 * workflow" .../jobs-workflow-device-online.html; ../shared/AWS-IOT-NOTES.md "Jobs"): it takes the
 * next pending execution with start-next when it starts, when notify-next announces one, after
 * each execution ends and after every reconnect; one execution at a time, never the same one twice;
 * the run's outcome becomes the execution's terminal status with the reason in statusDetails.
 * The cloud is the local cloud's Jobs service (AWS's statuses and rejections) on an in-process
 * broker (test/support/inMemoryJobsCloud.ts). */
import assert from "node:assert/strict";
import { MAX_STATUS_DETAIL_VALUE_LENGTH } from "../../core/jobs/statusDetails";
import { InMemoryJobsCloud, type InMemoryDeviceConnection } from "../../test/support/inMemoryJobsCloud";
import { waitFor } from "../../test/support/waitFor";
import { JobRunner, JobStatus, type JobOutcome } from "./jobRunner";

/** A run the test finishes by hand: each call waits until `end(jobId, outcome)`. */
class ScriptedRuns {
  readonly calls: Array<{ jobId: string; document: unknown; progress: (step: string) => Promise<void> }> = [];
  private readonly endings = new Map<string, (outcome: JobOutcome | undefined) => void>();

  readonly run = (jobId: string, document: unknown, progress: (step: string) => Promise<void>): Promise<JobOutcome | undefined> => {
    this.calls.push({ jobId, document, progress });
    return new Promise((resolve) => this.endings.set(jobId, resolve));
  };

  started(jobId: string): boolean {
    return this.calls.some((c) => c.jobId === jobId);
  }

  end(jobId: string, outcome: JobOutcome | undefined): void {
    const resolve = this.endings.get(jobId);
    if (!resolve) throw new Error(`job ${jobId} was not started`);
    this.endings.delete(jobId);
    resolve(outcome);
  }

  /** Ends what still runs (a test's leftovers), so the runner can stop. */
  endAll(): void {
    for (const jobId of [...this.endings.keys()]) this.end(jobId, { status: JobStatus.SUCCEEDED });
  }
}

describe("Jobs MQTT API client (jobRunner): AWS IoT Jobs semantics", function () {
  this.timeout(20_000);
  let cloud: InMemoryJobsCloud;
  let things = 0;
  const devices: Array<{ runner: JobRunner; runs: ScriptedRuns; connection: InMemoryDeviceConnection }> = [];

  before(async () => {
    cloud = await InMemoryJobsCloud.start();
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) {
      d.runs.endAll();
      await d.runner.stop();
      assert.deepEqual(d.connection.thrown, [], "a message the device can't use is logged, never thrown into the MQTT client");
    }
  });
  after(async () => {
    await cloud?.stop();
  });

  /** A fresh thing, so no test sees another's jobs. */
  function device(runs = new ScriptedRuns()) {
    const thing = `runner-${++things}`;
    const connection: InMemoryDeviceConnection = cloud.connect(thing);
    const logs: string[] = [];
    const runner = new JobRunner({ thing, connection: connection.asConnection, run: runs.run, log: (l) => logs.push(l) });
    devices.push({ runner, runs, connection });
    return { thing, connection, runner, runs, logs };
  }

  /** A started device running job `jobId` (queued before it started, before `alsoQueued`), not ended yet. */
  async function deviceRunning(jobId: string, ...alsoQueued: string[]) {
    const d = device();
    cloud.createJob(d.thing, jobId, doc(1));
    alsoQueued.forEach((id, i) => cloud.createJob(d.thing, id, doc(i + 2)));
    await d.runner.start();
    await waitFor(`job ${jobId} to run`, () => d.runs.started(jobId));
    return d;
  }

  const doc = (n: number) => ({ operation: "snapfleet.install", version: `v${n}` });

  it("runs a job queued before it started, with the job document, and reports the run's outcome with its details", async () => {
    const d = await deviceRunning("j1");
    assert.deepEqual(d.runs.calls[0].document, doc(1));
    d.runs.end("j1", { status: JobStatus.SUCCEEDED, details: { version: "v1" } });
    await d.runner.idle();
    await cloud.settle();
    const execution = cloud.execution(d.thing, "j1");
    assert.equal(execution.status, "SUCCEEDED");
    assert.deepEqual(execution.statusDetails, { version: "v1" });
    assert.equal(d.runs.calls.length, 1);
    assert.deepEqual(d.logs, [], "a success without a reason logs nothing");
  });

  it("sends its four SUBSCRIBEs together and start-next once all four are acknowledged (one round trip, not four)", async () => {
    const d = device();
    // SUBACKs held until four SUBSCRIBEs are out: a runner waiting for each SUBACK in turn never gets there.
    const subscribe = d.connection.subscribe.bind(d.connection);
    const held: Array<() => void> = [];
    const acked: string[] = [];
    let requested = 0;
    d.connection.subscribe = (topic, qos, onMessage) =>
      new Promise((resolve) => {
        requested++;
        held.push(() => void subscribe(topic, qos, onMessage).then((r) => (acked.push(topic), resolve(r))));
        if (held.length === 4) for (const ack of held.splice(0)) ack();
      });
    const startNextAt: number[] = [];
    const publish = d.connection.publish.bind(d.connection);
    d.connection.publish = (topic, payload, qos) => {
      if (topic.endsWith("/jobs/start-next")) startNextAt.push(acked.length);
      return publish(topic, payload, qos);
    };
    const started = d.runner.start();
    await waitFor("four SUBSCRIBEs sent before any SUBACK", () => requested === 4, 5000);
    await started;
    assert.equal(acked.length, 4, acked.join(", "));
    assert.deepEqual(startNextAt, [4], "start-next only once every subscription is acknowledged");
  });

  it("with nothing pending runs nothing; a job created later arrives through notify-next and runs", async () => {
    const d = device();
    await d.runner.start();
    await cloud.settle();
    assert.equal(d.connection.requests("start-next").length, 1, "asked once at start");
    assert.equal(d.runs.calls.length, 0, "start-next answered without an execution: nothing to run");
    cloud.createJob(d.thing, "later", doc(2));
    await waitFor("the job announced by notify-next to run", () => d.runs.started("later"));
    assert.equal(cloud.execution(d.thing, "later").status, "IN_PROGRESS");
  });

  it("reports progress as IN_PROGRESS with the step in statusDetails", async () => {
    const d = await deviceRunning("p");
    await d.runs.calls[0].progress("downloading");
    await cloud.settle();
    const execution = cloud.execution(d.thing, "p");
    assert.equal(execution.status, "IN_PROGRESS");
    assert.equal(execution.statusDetails.step, "downloading");
    d.runs.end("p", { status: JobStatus.SUCCEEDED });
  });

  it("FAILED and REJECTED carry the reason in statusDetails.reason beside the run's details, made acceptable to AWS (no newlines, at most 1024 characters)", async () => {
    const d = await deviceRunning("bad");
    const reason = `download failed:\nAccessDenied ${"x".repeat(2000)}`;
    d.runs.end("bad", { status: JobStatus.FAILED, reason, details: { step: "downloading" } });
    await d.runner.idle();
    await cloud.settle();
    const failed = cloud.execution(d.thing, "bad");
    assert.equal(failed.status, "FAILED", "an update AWS would refuse leaves the job IN_PROGRESS until it times out");
    assert.equal(failed.statusDetails.step, "downloading");
    assert.match(failed.statusDetails.reason, /^download failed: ?AccessDenied x/);
    assert.ok(!/[\u0000-\u001f]/.test(failed.statusDetails.reason), "no control characters");
    assert.ok(failed.statusDetails.reason.length <= MAX_STATUS_DETAIL_VALUE_LENGTH);
    assert.ok(d.logs.some((l) => l.includes("job bad FAILED: download failed")), `the reason is logged: ${d.logs.join(" | ")}`);

    cloud.createJob(d.thing, "rejected", doc(2));
    await waitFor("the next job to run", () => d.runs.started("rejected"));
    d.runs.end("rejected", { status: JobStatus.REJECTED, reason: "the package needs engine x" });
    await d.runner.idle();
    await cloud.settle();
    assert.equal(cloud.execution(d.thing, "rejected").status, "REJECTED");
    assert.deepEqual(cloud.execution(d.thing, "rejected").statusDetails, { reason: "the package needs engine x" });
  });

  it("one execution at a time: the next queued job starts only after the one running ended", async () => {
    const d = await deviceRunning("first", "second");
    await cloud.settle();
    assert.deepEqual(
      d.runs.calls.map((c) => c.jobId),
      ["first"],
    );
    assert.equal(cloud.execution(d.thing, "second").status, "QUEUED");
    d.runs.end("first", { status: JobStatus.SUCCEEDED });
    await waitFor("the second job to run after the first ended", () => d.runs.started("second"));
    assert.equal(cloud.execution(d.thing, "first").status, "SUCCEEDED");
    d.runs.end("second", { status: JobStatus.SUCCEEDED });
    await d.runner.idle();
    await cloud.settle();
    assert.equal(cloud.execution(d.thing, "second").status, "SUCCEEDED");
  });

  it("asks start-next when told of a next execution, not when notify-next says the queue is empty", async () => {
    const d = await deviceRunning("only");
    await cloud.settle();
    const asked = d.connection.requests("start-next").length;
    d.runs.end("only", { status: JobStatus.SUCCEEDED });
    await d.runner.idle();
    await cloud.settle();
    assert.equal(d.connection.requests("start-next").length, asked + 1, "once after the execution ended; the empty notify-next that follows asks nothing");
  });

  it("a reconnect mid-execution asks start-next again, which answers with the execution in progress: it is not run twice", async () => {
    const d = await deviceRunning("once");
    await cloud.settle();
    const asked = d.connection.requests("start-next").length;
    d.connection.reconnect();
    await cloud.settle();
    assert.equal(d.connection.requests("start-next").length, asked + 1, "asked again after the reconnect");
    assert.equal(d.runs.calls.length, 1);
    d.runs.end("once", { status: JobStatus.SUCCEEDED });
    await d.runner.idle();
    await cloud.settle();
    assert.equal(d.runs.calls.length, 1);
  });

  it("a job whose notification was lost while offline runs after the reconnect", async () => {
    const d = device();
    await d.runner.start();
    await cloud.settle();
    d.connection.hold();
    cloud.createJob(d.thing, "missed", doc(1));
    await cloud.settle();
    d.connection.drop();
    assert.equal(d.runs.calls.length, 0);
    d.connection.reconnect();
    await waitFor("the job to run after the reconnect", () => d.runs.started("missed"));
  });

  it("stop: waits for the execution running, takes no more (not on notify-next, not on reconnect)", async () => {
    const d = device();
    cloud.createJob(d.thing, "current", doc(1));
    await d.runner.start();
    assert.equal(d.runner.running, true);
    await waitFor("the job to run", () => d.runs.started("current"));
    let stopped = false;
    const stopping = d.runner.stop().then(() => (stopped = true));
    assert.equal(d.runner.running, false);
    await cloud.settle();
    assert.equal(stopped, false, "stop waits for the execution in progress");
    d.runs.end("current", { status: JobStatus.SUCCEEDED });
    await stopping;
    await cloud.settle();
    assert.equal(cloud.execution(d.thing, "current").status, "SUCCEEDED", "the execution in progress still reports its end");
    const asked = d.connection.requests("start-next").length;
    cloud.createJob(d.thing, "after-stop", doc(2));
    d.connection.reconnect();
    await cloud.settle();
    assert.equal(d.connection.requests("start-next").length, asked, "no start-next after stop");
    assert.equal(d.runs.calls.length, 1);
    assert.equal(cloud.execution(d.thing, "after-stop").status, "QUEUED");
  });

  it("a start-next answer that arrives after stop is not run", async () => {
    const d = device();
    cloud.createJob(d.thing, "late", doc(1));
    d.connection.hold();
    await d.runner.start();
    await cloud.settle();
    await d.runner.stop();
    d.connection.release();
    await cloud.settle();
    assert.equal(d.runs.calls.length, 0);
  });

  it("a run that reports its end itself (finish) later: the next job waits for it; finishing an ended execution is refused by the cloud and logged", async () => {
    const d = await deviceRunning("deferred", "next");
    d.runs.end("deferred", undefined);
    await d.runner.idle();
    await cloud.settle();
    assert.equal(cloud.execution(d.thing, "deferred").status, "IN_PROGRESS", "no outcome: nothing reported yet");
    assert.equal(d.runs.calls.length, 1, "start-next answers with the execution in progress, not the next");
    await d.runner.finish("deferred", { status: JobStatus.SUCCEEDED, details: { version: "v1" } });
    await waitFor("the next job after the deferred one finished", () => d.runs.started("next"));
    assert.deepEqual(cloud.execution(d.thing, "deferred").statusDetails, { version: "v1" });
    assert.deepEqual(
      d.logs.filter((l) => /stopped/.test(l)),
      [],
    );

    await d.runner.finish("deferred", { status: JobStatus.FAILED, reason: "too late" });
    await cloud.settle();
    assert.equal(cloud.execution(d.thing, "deferred").status, "SUCCEEDED", "a terminal status doesn't change");
    assert.ok(d.logs.some((l) => /job update rejected: InvalidStateTransition/.test(l)), d.logs.join(" | "));
  });

  it("a start-next the stop overtook (a device stopped right after it started: snapfleet dev stopped during its fleet's start) fails silently, not as news", async () => {
    const d = device();
    // The SDK rejects a QoS 1 publish whose PUBACK never came when the link closes.
    let linkClosed: (e: Error) => void = () => {};
    d.connection.publish = () => new Promise((_resolve, reject) => (linkClosed = reject));
    await d.runner.start();
    await d.runner.stop();
    linkClosed(new Error("the connection was closed"));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(d.logs, []);
  });

  it("malformed or rejected answers are logged, not thrown", async () => {
    const d = device();
    await d.runner.start();
    const jobs = `$aws/things/${d.thing}/jobs`;
    await cloud.publishRaw(`${jobs}/notify-next`, "{not json");
    await cloud.publishRaw(`${jobs}/start-next/accepted`, "<html>");
    await cloud.publishRaw(`${jobs}/start-next/rejected`, JSON.stringify({ code: "ThrottlingException", message: "Rate exceeded" }));
    await cloud.publishRaw(`${jobs}/start-next/rejected`, "<html>");
    await cloud.publishRaw(`${jobs}/some-job/update/rejected`, "<html>");
    await cloud.settle();
    assert.ok(d.logs.some((l) => l.includes("notify-next could not be read")), d.logs.join(" | "));
    assert.ok(d.logs.some((l) => l.includes("start-next answer could not be read")), d.logs.join(" | "));
    assert.ok(d.logs.some((l) => l.includes("start-next rejected: ThrottlingException Rate exceeded")), d.logs.join(" | "));
    assert.equal(d.runs.calls.length, 0);
  });

  it("publishes that fail are logged and the execution goes on to its end", async () => {
    const d = await deviceRunning("offline");
    d.connection.failPublishes = new Error("connection lost");
    await d.runs.calls[0].progress("verifying");
    d.runs.end("offline", { status: JobStatus.SUCCEEDED });
    await d.runner.idle();
    assert.ok(d.logs.some((l) => l.includes("job offline: status IN_PROGRESS not sent: connection lost")), d.logs.join(" | "));
    assert.ok(d.logs.some((l) => l.includes("job offline: status SUCCEEDED not sent: connection lost")), d.logs.join(" | "));
    await waitFor("start-next's failure to be logged", () => d.logs.some((l) => l.includes("start-next not sent: connection lost")));
  });

  it("serialize: work runs after what was queued before it; one that throws is logged by name and the next still runs", async () => {
    const d = device();
    const order: string[] = [];
    d.runner.serialize(async () => {
      order.push("rollback");
      throw new Error("slot unreadable");
    }, "rollback");
    d.runner.serialize(async () => void order.push("after"), "after");
    await d.runner.idle();
    assert.deepEqual(order, ["rollback", "after"]);
    assert.ok(d.logs.some((l) => l.includes("rollback stopped: slot unreadable")), d.logs.join(" | "));
  });
});
