/** The local Jobs MQTT API against what AWS documents (AWS IoT developer guide, "Jobs device MQTT
 * API" https://docs.aws.amazon.com/iot/latest/developerguide/jobs-mqtt-api.html, "Jobs
 * notifications" .../jobs-comm-notifications.html, ErrorResponse .../jobs-api.html), seen from a
 * device: the real broker over mutual TLS, aws-iot-device-sdk-v2's MQTT 3.1.1 connection, and
 * AWS's own `iotjobs` client for the flow of AWS's jobs sample. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { iotjobs, mqtt as crt } from "aws-iot-device-sdk-v2";
import { LocalBroker } from "../broker";
import { sdkConnection } from "../broker/sdkConnection";
import { channelManifest } from "../../test/support/channelManifest";
import { connectSdkDevice } from "../../test/support/sdkDevice";
import { waitFor } from "../../test/support/waitFor";
import { JobsService } from "./jobsService";

const QOS = crt.QoS.AtLeastOnce;
const document = { operation: "snapfleet.install", version: "v" };

interface Received {
  topic: string;
  body: Record<string, unknown>;
}

describe("local Jobs MQTT API: what AWS documents", function () {
  this.timeout(20_000);
  let stateDir: string;
  let broker: LocalBroker;
  let jobs: JobsService;
  let thingCount = 0;
  const logged: string[] = [];
  const open: crt.MqttClientConnection[] = [];

  before(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-jobs-api-"));
    broker = await LocalBroker.start({ stateDir, app: "grow", manifest: channelManifest("grow", []) });
    jobs = await JobsService.start({ aedes: broker.aedes, log: (line) => logged.push(line) });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  });

  after(async () => {
    await jobs?.stop();
    await broker?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  /** A fresh thing (so no test sees another's jobs), connected as a device is, and listening on
   * every topic the Jobs service answers it on. */
  async function device() {
    const thing = `t${++thingCount}`;
    const connection = await connectSdkDevice(broker, thing, (c) => open.push(c));
    const base = `$aws/things/${thing}/jobs`;
    const received: Received[] = [];
    for (const filter of [`${base}/notify`, `${base}/notify-next`, `${base}/+/accepted`, `${base}/+/rejected`, `${base}/+/+/accepted`, `${base}/+/+/rejected`, `${base}/+/+/+/rejected`]) {
      await connection.subscribe(filter, QOS, (topic, payload) => void received.push({ topic, body: JSON.parse(Buffer.from(payload).toString()) }));
    }
    let barriers = 0;
    const d = {
      thing,
      connection,
      received,
      /** Sends a request and returns its answer (accepted or rejected, matched by clientToken). */
      async request(suffix: string, body: Record<string, unknown> = {}): Promise<Received> {
        const clientToken = `${suffix}-${received.length}-${Math.random()}`;
        await connection.publish(`${base}/${suffix}`, JSON.stringify({ ...body, clientToken }), QOS);
        await waitFor(`an answer on ${base}/${suffix}`, () => received.some((r) => r.body.clientToken === clientToken));
        return received.find((r) => r.body.clientToken === clientToken)!;
      },
      /** Everything the service sent before a `get` answered now: the service publishes in order
       * and the broker delivers in order on the one connection. */
      async settled(): Promise<Received[]> {
        await d.request("get", { barrier: ++barriers });
        return received.filter((r) => !r.topic.endsWith("/get/accepted"));
      },
      /** Notifications since the last call. */
      async notifications(): Promise<string[]> {
        const all = await d.settled();
        const topics = all.filter((r) => /\/notify(-next)?$/.test(r.topic)).map((r) => r.topic.slice(base.length + 1));
        received.length = 0;
        return topics;
      },
    };
    return d;
  }

  let jobCount = 0;
  function createJob(thing: string, group = `g-${thing}`): string {
    const jobId = `job-${++jobCount}`;
    jobs.addThingToGroup(group, thing);
    jobs.createJob({ jobId, document, thingGroup: group });
    return jobId;
  }

  describe("notifications (Jobs notifications page)", () => {
    it("a new first execution: notify and notify-next, once", async () => {
      const d = await device();
      const jobId = createJob(d.thing);
      assert.deepEqual((await d.notifications()).sort(), ["notify", "notify-next"]);
      const { body } = await d.request(`${jobId}/get`);
      assert.equal((body.execution as { status: string }).status, "QUEUED");
    });

    it("start-next moving an execution to IN_PROGRESS sends notify listing it IN_PROGRESS, and no notify-next (it stays first)", async () => {
      const d = await device();
      const jobId = createJob(d.thing);
      await d.notifications();
      await d.request("start-next");
      const all = await d.settled();
      const notify = all.filter((r) => r.topic.endsWith("/notify"));
      assert.equal(notify.length, 1, `expected one notify, got ${JSON.stringify(all.map((r) => r.topic))}`);
      const list = notify[0].body.jobs as Record<string, Array<{ jobId: string }>>;
      assert.deepEqual(list.IN_PROGRESS?.map((j) => j.jobId), [jobId]);
      assert.equal(list.QUEUED, undefined);
      assert.ok(!all.some((r) => r.topic.endsWith("/notify-next")), "no notify-next: the next execution did not change");
    });

    it("a progress update (IN_PROGRESS → IN_PROGRESS) sends neither notify nor notify-next", async () => {
      const d = await device();
      const jobId = createJob(d.thing);
      await d.request("start-next");
      await d.notifications();
      const { topic } = await d.request(`${jobId}/update`, { status: "IN_PROGRESS", statusDetails: { step: "downloading" } });
      assert.match(topic, /update\/accepted$/);
      assert.deepEqual(await d.notifications(), []);
    });

    it("joining a second group queues its job behind the running one: notify, but no notify-next", async () => {
      const d = await device();
      const first = createJob(d.thing);
      await d.request("start-next");
      await d.notifications();
      const second = createJob(d.thing, `second-${d.thing}`);
      const all = await d.settled();
      assert.deepEqual(all.filter((r) => /notify/.test(r.topic)).map((r) => r.topic.split("/").pop()), ["notify"]);
      const list = all.find((r) => r.topic.endsWith("/notify"))!.body.jobs as Record<string, Array<{ jobId: string }>>;
      assert.deepEqual([list.IN_PROGRESS.map((j) => j.jobId), list.QUEUED.map((j) => j.jobId)], [[first], [second]]);
    });

    it("notify lists at most 15 pending executions, in-progress first", async () => {
      const d = await device();
      const running = createJob(d.thing);
      await d.request("start-next");
      for (let i = 0; i < 15; i++) createJob(d.thing, `many-${i}-${d.thing}`);
      const all = await d.settled();
      const last = all.filter((r) => r.topic.endsWith("/notify")).pop()!.body.jobs as Record<string, Array<{ jobId: string }>>;
      assert.deepEqual([last.IN_PROGRESS.map((j) => j.jobId), last.QUEUED.length], [[running], 14]);
      const { body } = await d.request("get");
      assert.equal((body.queuedJobs as unknown[]).length, 15, "GetPendingJobExecutions still lists them all");
    });

    it("the first execution ending sends notify-next with the next one, then without any when none is left", async () => {
      const d = await device();
      const first = createJob(d.thing);
      const second = createJob(d.thing, `second-${d.thing}`);
      await d.request("start-next");
      await d.notifications();
      await d.request(`${first}/update`, { status: "SUCCEEDED" });
      let all = await d.settled();
      const next = all.filter((r) => r.topic.endsWith("/notify-next"));
      assert.deepEqual(next.map((r) => (r.body.execution as { jobId: string }).jobId), [second]);
      d.received.length = 0;
      await d.request(`${second}/update`, { status: "FAILED", statusDetails: { reason: "sensor missing" } });
      all = await d.settled();
      const last = all.filter((r) => r.topic.endsWith("/notify-next"));
      assert.equal(last.length, 1);
      assert.equal(last[0].body.execution, undefined, "an empty queue: notify-next without an execution");
    });
  });

  it("a job its abort criteria cancel says so in the log, with the counts that stopped it (snapfleet dev's terminal)", async () => {
    const d = await device();
    const jobId = `job-${++jobCount}`;
    jobs.addThingToGroup(`g-${d.thing}`, d.thing);
    jobs.createJob({ jobId, document, thingGroup: `g-${d.thing}`, abort: { thresholdPercentage: 50, minNumberOfExecutedThings: 1 } });
    await d.request("start-next");
    await d.request(`${jobId}/update`, { status: "FAILED", statusDetails: { reason: "sensor missing" } });
    assert.equal(jobs.book.job(jobId)?.status, "CANCELED");
    assert.ok(
      logged.includes(`jobs: aborted ${jobId}: 1 of 1 devices that finished it failed, rejected or timed out (its abort threshold: 50% once 1 finished); 0 queued cancelled, 0 installing finish`),
      logged.join("\n"),
    );
  });

  describe("rejections (ErrorResponse)", () => {
    it("updating a terminal execution answers InvalidStateTransition with executionState", async () => {
      const d = await device();
      const jobId = createJob(d.thing);
      await d.request(`${jobId}/update`, { status: "SUCCEEDED" });
      const { topic, body } = await d.request(`${jobId}/update`, { status: "IN_PROGRESS" });
      assert.match(topic, /update\/rejected$/);
      assert.equal(body.code, "InvalidStateTransition");
      assert.deepEqual(body.executionState, { status: "SUCCEEDED", statusDetails: {}, versionNumber: 2 });
    });

    it("InvalidRequest carries no executionState (only InvalidStateTransition and VersionMismatch do)", async () => {
      const d = await device();
      const jobId = createJob(d.thing);
      const { body } = await d.request(`${jobId}/update`, { status: "QUEUED" });
      assert.equal(body.code, "InvalidRequest");
      assert.match(String(body.message), /IN_PROGRESS, SUCCEEDED, FAILED or REJECTED/);
      assert.equal("executionState" in body, false);
      const mismatch = await d.request(`${jobId}/update`, { status: "IN_PROGRESS", expectedVersion: 7 });
      assert.equal(mismatch.body.code, "VersionMismatch");
      assert.deepEqual(mismatch.body.executionState, { status: "QUEUED", statusDetails: {}, versionNumber: 1 });
    });

    it("statusDetails AWS would refuse (a newline in a value, a key with a space, an empty value) is InvalidRequest and changes nothing", async () => {
      const d = await device();
      const jobId = createJob(d.thing);
      for (const statusDetails of [{ reason: "line 1\nline 2" }, { "my key": "x" }, { reason: "" }, { reason: "x".repeat(1025) }]) {
        const { topic, body } = await d.request(`${jobId}/update`, { status: "FAILED", statusDetails });
        assert.match(topic, /update\/rejected$/, JSON.stringify(statusDetails));
        assert.equal(body.code, "InvalidRequest");
        assert.match(String(body.message), /statusDetails/);
      }
      const { body } = await d.request(`${jobId}/get`);
      assert.deepEqual(body.execution && [(body.execution as { status: string }).status, (body.execution as { versionNumber: number }).versionNumber], ["QUEUED", 1]);
    });

    it("a refused stepTimeoutInMinutes leaves the execution as it was; -1 is accepted (cancels the step timer)", async () => {
      const d = await device();
      const jobId = createJob(d.thing);
      await d.request("start-next", { stepTimeoutInMinutes: 5 });
      const refused = await d.request(`${jobId}/update`, { status: "IN_PROGRESS", statusDetails: { step: "x" }, stepTimeoutInMinutes: 0 });
      assert.equal(refused.body.code, "InvalidRequest");
      const { body } = await d.request(`${jobId}/get`);
      const execution = body.execution as { versionNumber: number; statusDetails: Record<string, string> };
      assert.deepEqual([execution.versionNumber, execution.statusDetails], [2, {}]);
      const cancel = await d.request(`${jobId}/update`, { status: "IN_PROGRESS", stepTimeoutInMinutes: -1 });
      assert.match(cancel.topic, /update\/accepted$/);
    });

    it("expectedVersion that is not a number is InvalidRequest, not VersionMismatch", async () => {
      const d = await device();
      const jobId = createJob(d.thing);
      const { body } = await d.request(`${jobId}/update`, { status: "IN_PROGRESS", expectedVersion: "1" });
      assert.equal(body.code, "InvalidRequest");
    });

    it("DescribeJobExecution with an executionNumber the thing doesn't have is ResourceNotFound", async () => {
      const d = await device();
      const jobId = createJob(d.thing);
      const { topic, body } = await d.request(`${jobId}/get`, { executionNumber: 99 });
      assert.match(topic, /get\/rejected$/);
      assert.equal(body.code, "ResourceNotFound");
      const found = await d.request(`${jobId}/get`, { executionNumber: 1, includeJobDocument: false });
      assert.equal((found.body.execution as { jobId: string }).jobId, jobId);
      assert.equal("jobDocument" in (found.body.execution as object), false, "includeJobDocument: false leaves the document out");
    });

    it("a topic that names no operation is InvalidTopic; a body that is not JSON is InvalidJson; both echo what they can", async () => {
      const d = await device();
      // The device policy only lets a device publish on the API's topic shapes; `*` in
      // `jobs/*/get` also matches deeper topics, which name no operation.
      const topicReply = await d.request("j/extra/get");
      assert.match(topicReply.topic, /j\/extra\/get\/rejected$/);
      assert.equal(topicReply.body.code, "InvalidTopic");
      await d.connection.publish(`$aws/things/${d.thing}/jobs/get`, "{not json", QOS);
      await waitFor("the InvalidJson answer", () => d.received.some((r) => r.body.code === "InvalidJson"));
    });
  });

  describe("answers go to the connection that asked, and only there (Jobs device MQTT API operations)", () => {
    // "the message broker will publish response message topics to the client that published the
    // command message, whether or not your client has subscribed to the response message topics.
    // These response messages don't pass through the message broker and can't be subscribed to by
    // other clients or rules."

    it("a device that publishes start-next without subscribing to anything receives its answer", async () => {
      const thing = `t${++thingCount}`;
      const connection = await connectSdkDevice(broker, thing, (c) => open.push(c));
      const arrived: Received[] = [];
      // The SDK's connection hears every PUBLISH that reaches it, subscribed or not.
      connection.on("message", (topic, payload) => void arrived.push({ topic, body: JSON.parse(Buffer.from(payload).toString()) }));
      const jobId = createJob(thing);
      await connection.publish(`$aws/things/${thing}/jobs/start-next`, JSON.stringify({ clientToken: "unsubscribed" }), QOS);
      await waitFor("the start-next answer", () => arrived.some((r) => r.body.clientToken === "unsubscribed"));
      const answer = arrived.find((r) => r.body.clientToken === "unsubscribed")!;
      assert.equal(answer.topic, `$aws/things/${thing}/jobs/start-next/accepted`);
      assert.deepEqual([(answer.body.execution as { jobId: string }).jobId, (answer.body.execution as { status: string }).status], [jobId, "IN_PROGRESS"]);
      // Notifications are broker topics: without a subscription, none came.
      assert.deepEqual(arrived.map((r) => r.topic), [answer.topic]);
    });

    it("another client allowed to subscribe to a device's answer topics (+/accepted, jobs/#) receives its notifications but none of its answers; no broker publish carries them", async () => {
      const d = await device();
      const watcherIdentity = await broker.pki.serviceIdentity("jobs");
      const watcher = sdkConnection({ host: "127.0.0.1", port: broker.mqttsPort, caCertPem: broker.caCertPem, ...watcherIdentity, clientId: "_svc-jobs-watcher" });
      open.push(watcher);
      await watcher.connect();
      const watched: Received[] = [];
      const base = `$aws/things/${d.thing}/jobs`;
      for (const filter of [`${base}/+/accepted`, `${base}/+/rejected`, `${base}/#`]) {
        const granted = await watcher.subscribe(filter, QOS, (topic, payload) => void watched.push({ topic, body: JSON.parse(Buffer.from(payload).toString()) }));
        assert.equal(granted.error_code ?? 0, 0, `the watcher may subscribe to ${filter}`);
      }
      // What plays rules locally (replay store, fleet-status and history recorders) listens to
      // the broker's publish event.
      const brokerPublished: string[] = [];
      const onPublish = (packet: { topic: string }) => void brokerPublished.push(packet.topic);
      broker.aedes.on("publish", onPublish);
      try {
        const jobId = createJob(d.thing);
        await d.request("start-next");
        await d.request(`${jobId}/update`, { status: "IN_PROGRESS", expectedVersion: 99 });
        await d.request(`${jobId}/update`, { status: "SUCCEEDED" });
        // The last notification follows the last answer (the service sends a thing's messages in
        // order): once the watcher has it, it would have had the answers.
        await waitFor("the watcher's notify-next for the emptied queue", () => watched.some((r) => r.topic === `${base}/notify-next` && r.body.execution === undefined));
      } finally {
        broker.aedes.removeListener("publish", onPublish);
      }
      const answerTopic = /\/(accepted|rejected)$/;
      assert.ok(d.received.some((r) => r.topic.endsWith("/update/rejected")), "the device itself got its rejection");
      assert.deepEqual(watched.filter((r) => answerTopic.test(r.topic)).map((r) => r.topic), [], "the watcher got none of the device's answers");
      assert.ok(watched.some((r) => r.topic === `${base}/notify`), "the watcher does get the notifications");
      assert.deepEqual(brokerPublished.filter((t) => answerTopic.test(t)), [], "no answer went through the broker");
    });
  });

  it("AWS's jobs sample flow with the SDK's iotjobs client (MQTT 3.1.1, mutual TLS): notify-next → start-next → SUCCEEDED, seconds, tokens, rejections", async () => {
    const d = await device();
    const client = new iotjobs.IotJobsClient(d.connection);
    const thingName = d.thing;
    const nextEvents: iotjobs.model.NextJobExecutionChangedEvent[] = [];
    await client.subscribeToNextJobExecutionChangedEvents({ thingName }, QOS, (_e, event) => event && nextEvents.push(event));
    const started: iotjobs.model.StartNextJobExecutionResponse[] = [];
    await client.subscribeToStartNextPendingJobExecutionAccepted({ thingName }, QOS, (_e, r) => r && started.push(r));
    const updated: iotjobs.model.UpdateJobExecutionResponse[] = [];
    await client.subscribeToUpdateJobExecutionAccepted({ thingName, jobId: "+" }, QOS, (_e, r) => r && updated.push(r));
    const rejected: iotjobs.model.RejectedErrorResponse[] = [];
    await client.subscribeToUpdateJobExecutionRejected({ thingName, jobId: "+" }, QOS, (_e, r) => r && rejected.push(r));

    const before = Math.floor(Date.now() / 1000);
    const jobId = createJob(thingName);
    await waitFor("notify-next", () => nextEvents.length === 1);
    assert.equal(nextEvents[0].execution?.jobId, jobId);
    assert.deepEqual(nextEvents[0].execution?.jobDocument, document);

    await client.publishStartNextPendingJobExecution({ thingName, clientToken: "sample-1", statusDetails: { step: "start" } }, QOS);
    await waitFor("start-next accepted", () => started.length === 1);
    const execution = started[0].execution!;
    assert.deepEqual([started[0].clientToken, execution.status, execution.versionNumber, execution.statusDetails], ["sample-1", "IN_PROGRESS", 2, { step: "start" }]);
    // Device-plane timestamps are seconds since the epoch ("timestamp: The time in seconds since the epoch").
    for (const t of [started[0].timestamp, execution.queuedAt, execution.startedAt, execution.lastUpdatedAt] as unknown as number[]) {
      assert.ok(t >= before - 1 && t <= Math.ceil(Date.now() / 1000) + 1, `timestamp ${t} is seconds since the epoch`);
    }

    await client.publishUpdateJobExecution({ thingName, jobId, status: iotjobs.model.JobStatus.SUCCEEDED, expectedVersion: 2, includeJobExecutionState: true, clientToken: "sample-2" }, QOS);
    await waitFor("update accepted", () => updated.length === 1);
    assert.deepEqual([updated[0].clientToken, updated[0].executionState?.status, updated[0].executionState?.versionNumber], ["sample-2", "SUCCEEDED", 3]);
    await waitFor("notify-next for the emptied queue", () => nextEvents.length === 2);
    assert.equal(nextEvents[1].execution, undefined);

    await client.publishUpdateJobExecution({ thingName, jobId, status: iotjobs.model.JobStatus.FAILED, clientToken: "sample-3" }, QOS);
    await waitFor("update rejected", () => rejected.length === 1);
    assert.deepEqual([rejected[0].clientToken, rejected[0].code, rejected[0].executionState?.status], ["sample-3", "InvalidStateTransition", "SUCCEEDED"]);
    assert.equal(nextEvents.length, 2, "a refused update changes no queue");
  });
});
