/** MQTT 5 against the local cloud, with the client the current AWS device SDK samples use
 * (aws-iot-device-sdk-v2's `mqtt5.Mqtt5Client`, mutual TLS) and mqtt.js v5 where the SDK can't
 * send what is tested (QoS 2) or over WebSocket (dashboards): what README "MQTT 5" documents.
 * Refusals follow AWS's "MQTT reason codes" (policyHooks.ts, mqttLimits.ts). */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { iotjobs, mqtt5 } from "aws-iot-device-sdk-v2";
import mqtt from "mqtt";
import { brokerPerSuite } from "../../test/support/brokerPerSuite";
import { channelManifest } from "../../test/support/channelManifest";
import { connectDashboard } from "../../test/support/dashboardClient";
import { mqttsOptions } from "../../test/support/mqttsClient";
import { connectSdkDevice } from "../../test/support/sdkDevice";
import { waitFor } from "../../test/support/waitFor";
import type { IdentityFiles } from "../certificates";
import { JobsService } from "../jobs/jobsService";
import { LocalBroker } from "./index";
import { AWS_TOPIC_ALIAS_MAXIMUM, MAX_PAYLOAD_BYTES, PACKET_TOO_LARGE, QOS_NOT_SUPPORTED } from "./mqttLimits";
import { sdkMqtt5Client, type SdkMqtt5ClientOptions } from "./sdkConnection";

const APP = "grow";
const manifest = channelManifest(APP, [{ name: "temperature", qos: 1, direction: "both", replay: 0 }]);
const NOT_AUTHORIZED = 0x87;
const QOS1 = mqtt5.QoS.AtLeastOnce;

/** Lets in-flight deliveries land before asserting that something did not arrive. */
const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (payload: unknown) => Buffer.from(payload as ArrayBuffer).toString();

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** An SDK MQTT 5 client that records what it receives and what the server said when it left. */
class Device {
  readonly received: Received[] = [];
  readonly disconnects: mqtt5.DisconnectionEvent[] = [];
  private running = false;

  constructor(readonly client: mqtt5.Mqtt5Client) {
    client.on("messageReceived", ({ message }) => this.received.push({ topic: message.topicName, payload: text(message.payload), retain: message.retain === true }));
    client.on("disconnection", (event) => this.disconnects.push(event));
  }

  async connect(): Promise<mqtt5.ConnectionSuccessEvent> {
    const outcome = Promise.race([
      once(this.client, "connectionSuccess") as Promise<[mqtt5.ConnectionSuccessEvent]>,
      (once(this.client, "connectionFailure") as Promise<[mqtt5.ConnectionFailureEvent]>).then(([failure]) => {
        throw Object.assign(new Error(`connection failed: ${failure.error.error_name ?? "no error name"}`), { connack: failure.connack });
      }),
    ]);
    this.running = true;
    this.client.start();
    const [event] = await outcome;
    return event;
  }

  /** A normal DISCONNECT (the session stays for its expiry interval). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const stopped = once(this.client, "stopped");
    this.client.stop({ reasonCode: mqtt5.DisconnectReasonCode.NormalDisconnection });
    await stopped;
  }

  async close(): Promise<void> {
    await this.stop();
    this.client.close();
  }
}

describe("LocalBroker and MQTT 5 clients (aws-iot-device-sdk-v2 Mqtt5Client)", function () {
  this.timeout(20_000);
  const suite = brokerPerSuite("broker-mqtt5", { app: APP, manifest });
  const { refusals, open } = suite;

  function device(identity: IdentityFiles, clientId: string, options: Partial<SdkMqtt5ClientOptions> = {}, on: LocalBroker = suite.broker): Device {
    const d = new Device(sdkMqtt5Client({ host: "127.0.0.1", port: on.mqttsPort, caCertPem: on.caCertPem, ...identity, clientId, ...options }));
    open.push(() => d.close());
    return d;
  }

  async function connectedDevice(thing: string, options: Partial<SdkMqtt5ClientOptions> = {}): Promise<Device> {
    const d = device(await suite.broker.provisionDevice(thing), thing, options);
    await d.connect();
    return d;
  }

  /** A dashboard with mqtt.js v5 over the WebSocket listener. */
  async function dashboard(): Promise<{ client: mqtt.MqttClient; received: Received[] }> {
    const client = await connectDashboard(suite.broker, { protocolVersion: 5 });
    open.push(() => client.endAsync(true));
    const received: Received[] = [];
    client.on("message", (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
    return { client, received };
  }

  /** mqtt.js v5 over mutual TLS, for what the SDK's client won't send. */
  async function mqttsV5(thing: string): Promise<mqtt.MqttClient> {
    const identity = await suite.broker.provisionDevice(thing);
    const client = await mqtt.connectAsync(mqttsOptions(suite.broker, thing, identity, { protocolVersion: 5, connectTimeout: 5000 }));
    open.push(() => client.endAsync(true));
    return client;
  }

  /** The DISCONNECT the server sends. */
  function disconnectOf(client: mqtt.MqttClient): Promise<mqtt.IDisconnectPacket> {
    return new Promise((resolve) => client.once("disconnect", resolve));
  }

  /** What a service in the cloud sends a device (in process, as the local cloud's services do). */
  function publishToDevice(topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) =>
      suite.broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (error) => (error ? reject(error) : resolve())),
    );
  }

  describe("connect", () => {
    it("accepts the SDK's MQTT 5 client over mutual TLS and advertises AWS's limits: session expiry clamped to 1 h, 8 topic aliases, receive maximum 100", async () => {
      const d = device(await suite.broker.provisionDevice("m5-a"), "m5-a", { sessionExpiryIntervalSeconds: 7200 });
      const { connack, settings } = await d.connect();
      assert.equal(connack.reasonCode, mqtt5.ConnectReasonCode.Success);
      assert.equal(connack.topicAliasMaximum, AWS_TOPIC_ALIAS_MAXIMUM);
      assert.equal(connack.receiveMaximum, 100);
      assert.equal(connack.sessionExpiryInterval, 3600, "a longer interval is clamped to AWS's default persistent-session expiry and said so");
      assert.equal(settings.sessionExpiryInterval, 3600);
      assert.equal(settings.topicAliasMaximumToServer, AWS_TOPIC_ALIAS_MAXIMUM);
      assert.deepEqual(refusals, []);
    });

    it("refuses a client id that names no thing attached to the certificate with CONNACK 0x87 Not authorized", async () => {
      const d = device(await suite.broker.provisionDevice("m5-b"), "not-a-thing");
      const error = (await d.connect().then(
        () => undefined,
        (e: Error & { connack?: mqtt5.ConnackPacket }) => e,
      )) as (Error & { connack?: mqtt5.ConnackPacket }) | undefined;
      assert.ok(error, "the connect is refused");
      assert.equal(error.connack?.reasonCode, mqtt5.ConnectReasonCode.NotAuthorized);
      assert.equal(refusals.find((r) => r.action === "iot:Connect")?.resource, "arn:aws:iot:local:000000000000:client/not-a-thing");
    });

    it("refuses a last will the policies don't allow at CONNECT, with 0x87", async () => {
      const d = device(await suite.broker.provisionDevice("m5-will-bad"), "m5-will-bad", {
        will: { topicName: "sf/grow/someone-else/_status", qos: QOS1, payload: "offline" },
      });
      const error = (await d.connect().then(
        () => undefined,
        (e: Error & { connack?: mqtt5.ConnackPacket }) => e,
      )) as (Error & { connack?: mqtt5.ConnackPacket }) | undefined;
      assert.equal(error?.connack?.reasonCode, mqtt5.ConnectReasonCode.NotAuthorized);
      assert.ok(refusals.some((r) => r.action === "iot:Publish" && r.outcome === "connection refused"), JSON.stringify(refusals));
    });
  });

  describe("publish and subscribe with the policies enforced", () => {
    it("a forbidden publish gets PUBACK 0x87 and is not delivered; the connection stays and allowed publishes go on", async () => {
      const watcher = await dashboard();
      await watcher.client.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 });
      const d = await connectedDevice("m5-pub");

      const forbidden = await d.client.publish({ topicName: "sf/grow/m5-other/temperature/up", qos: QOS1, payload: "as someone else" });
      assert.equal((forbidden as mqtt5.PubackPacket).reasonCode, NOT_AUTHORIZED);
      assert.match((forbidden as mqtt5.PubackPacket).reasonString ?? "", /not authorized to publish on "sf\/grow\/m5-other\/temperature\/up"/);
      const refusal = refusals.find((r) => r.action === "iot:Publish");
      assert.equal(refusal?.outcome, "publish refused (PUBACK 0x87)");
      assert.equal(refusal?.principal, 'thing "m5-pub"');

      const allowed = await d.client.publish({ topicName: "sf/grow/m5-pub/temperature/up", qos: QOS1, payload: "21.5" });
      assert.equal((allowed as mqtt5.PubackPacket).reasonCode, mqtt5.PubackReasonCode.Success);
      await waitFor("the allowed message at the dashboard", () => watcher.received.length === 1);
      await settle();
      assert.deepEqual(watcher.received, [{ topic: "sf/grow/m5-pub/temperature/up", payload: "21.5", retain: false }]);
      assert.deepEqual(d.disconnects, [], "MQTT 5 clients stay connected after a refused publish");
    });

    it("a forbidden filter gets SUBACK 0x87 while the other filters of the same SUBSCRIBE are granted; deliveries still pass iot:Receive", async () => {
      const d = await connectedDevice("m5-sub");
      const suback = await d.client.subscribe({
        subscriptions: [
          { topicFilter: "sf/grow/m5-sub/temperature/down", qos: QOS1 },
          { topicFilter: "sf/grow/+/temperature/up", qos: QOS1 },
        ],
      });
      assert.deepEqual(suback.reasonCodes, [mqtt5.SubackReasonCode.GrantedQoS1, NOT_AUTHORIZED]);
      assert.equal(refusals.find((r) => r.action === "iot:Subscribe")?.outcome, "subscription refused (SUBACK 0x87)");

      await publishToDevice("sf/grow/m5-sub/temperature/down", "set 20");
      await waitFor("the message on the granted filter", () => d.received.length === 1);
      assert.deepEqual(d.received, [{ topic: "sf/grow/m5-sub/temperature/down", payload: "set 20", retain: false }]);
      assert.deepEqual(d.disconnects, []);
    });

    it("what AWS refuses at the MQTT level ends the connection with a DISCONNECT saying why: QoS 2 (0x9B), a payload over 128 KB (0x95)", async () => {
      const qos2 = await mqttsV5("m5-qos2");
      const qos2Disconnect = disconnectOf(qos2);
      qos2.publish("sf/grow/m5-qos2/temperature/up", "exactly once?", { qos: 2 });
      const first = await qos2Disconnect;
      assert.equal(first.reasonCode, QOS_NOT_SUPPORTED);
      assert.match(first.properties?.reasonString ?? "", /AWS IoT Core supports QoS 0 and 1 only/);

      const big = await mqttsV5("m5-big");
      const bigDisconnect = disconnectOf(big);
      big.publish("sf/grow/m5-big/temperature/up", "x".repeat(MAX_PAYLOAD_BYTES + 1), { qos: 1 });
      const second = await bigDisconnect;
      assert.equal(second.reasonCode, PACKET_TOO_LARGE);
      assert.deepEqual(
        refusals.filter((r) => r.action === "mqtt").map((r) => r.outcome),
        ["connection closed (DISCONNECT 0x9b)", "connection closed (DISCONNECT 0x95)"],
      );
    });
  });

  describe("topic aliases", () => {
    it("takes aliases up to AWS's 8 and checks the policies on the topic an alias stands for", async () => {
      const watcher = await dashboard();
      await watcher.client.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 });
      const d = await mqttsV5("m5-alias");
      await d.publishAsync("sf/grow/m5-alias/temperature/up", "first", { qos: 1, properties: { topicAlias: AWS_TOPIC_ALIAS_MAXIMUM } });
      await d.publishAsync("", "by alias", { qos: 1, properties: { topicAlias: AWS_TOPIC_ALIAS_MAXIMUM } });
      await d.publishAsync("sf/grow/m5-elsewhere/temperature/up", "forbidden", { qos: 1, properties: { topicAlias: 1 } }).catch(() => undefined);
      await d.publishAsync("", "forbidden by alias", { qos: 1, properties: { topicAlias: 1 } }).catch(() => undefined);
      await waitFor("the aliased messages at the dashboard", () => watcher.received.length === 2);
      await settle();
      assert.deepEqual(
        watcher.received.map((r) => [r.topic, r.payload]),
        [
          ["sf/grow/m5-alias/temperature/up", "first"],
          ["sf/grow/m5-alias/temperature/up", "by alias"],
        ],
      );
      assert.equal(refusals.filter((r) => r.action === "iot:Publish" && r.resource?.endsWith("topic/sf/grow/m5-elsewhere/temperature/up")).length, 2);
    });
  });

  describe("retained messages and last will", () => {
    it("retained status reaches an exact-match subscription only, not a wildcard one", async () => {
      const d = await connectedDevice("m5-ret");
      const puback = await d.client.publish({ topicName: "sf/grow/m5-ret/_status", qos: QOS1, payload: '{"online":true}', retain: true });
      assert.equal((puback as mqtt5.PubackPacket).reasonCode, mqtt5.PubackReasonCode.Success);

      const wildcard = await dashboard();
      await wildcard.client.subscribeAsync("sf/grow/+/_status", { qos: 1 });
      const exact = await dashboard();
      await exact.client.subscribeAsync("sf/grow/m5-ret/_status", { qos: 1 });
      await waitFor("the retained status on the exact subscription", () => exact.received.length === 1);
      await settle();
      assert.deepEqual(exact.received, [{ topic: "sf/grow/m5-ret/_status", payload: '{"online":true}', retain: true }]);
      assert.deepEqual(wildcard.received, [], "AWS delivers no retained message to a wildcard subscription");
    });

    it("publishes the last will when the link drops, not after a normal DISCONNECT", async () => {
      const watcher = await dashboard();
      await watcher.client.subscribeAsync("sf/grow/m5-will/_status", { qos: 1 });
      const will = { topicName: "sf/grow/m5-will/_status", qos: QOS1, payload: '{"online":false}' };
      const d = await connectedDevice("m5-will", { will });
      await d.stop();
      await settle();
      assert.deepEqual(watcher.received, [], "a normal DISCONNECT discards the will");

      const again = await connectedDevice("m5-will", { will });
      // The link drops without a DISCONNECT (the broker loses the socket).
      const clients = (suite.broker.aedes as unknown as { clients: Record<string, { conn: { destroy(): void } }> }).clients;
      clients["m5-will"].conn.destroy();
      await waitFor("the will at the dashboard", () => watcher.received.length === 1);
      assert.deepEqual(watcher.received, [{ topic: "sf/grow/m5-will/_status", payload: '{"online":false}', retain: false }]);
      await again.stop();
    });
  });

  describe("session expiry", () => {
    it("keeps subscriptions and queued QoS 1 messages across a reconnect within the expiry interval, and nothing after it", async () => {
      const options = { sessionExpiryIntervalSeconds: 2, sessionBehavior: mqtt5.ClientSessionBehavior.RejoinAlways };
      const d = await connectedDevice("m5-sess", options);
      await d.client.subscribe({ subscriptions: [{ topicFilter: "sf/grow/m5-sess/temperature/down", qos: QOS1 }] });
      await d.stop();

      await publishToDevice("sf/grow/m5-sess/temperature/down", "while away");
      const back = await d.connect();
      assert.equal(back.connack.sessionPresent, true);
      await waitFor("the queued message", () => d.received.length === 1);
      assert.deepEqual(d.received, [{ topic: "sf/grow/m5-sess/temperature/down", payload: "while away", retain: false }]);
      await d.stop();

      await settle(2500); // past the 2 s interval
      await publishToDevice("sf/grow/m5-sess/temperature/down", "after expiry");
      const late = await d.connect();
      assert.equal(late.connack.sessionPresent, false, "the session ended with its interval");
      await settle();
      assert.equal(d.received.length, 1, "nothing was queued for the expired session");
    });

    it("with sessions on disk, a session survives a broker restart and still ends after its own interval", async () => {
      const persistentDir = await mkdtemp(path.join(os.tmpdir(), "sf-broker-mqtt5-persist-"));
      let local = await LocalBroker.start({ stateDir: persistentDir, app: APP, manifest, persistSessions: true });
      try {
        const identity = await local.provisionDevice("m5-disk");
        const filter = "sf/grow/m5-disk/temperature/down";
        const long = { sessionExpiryIntervalSeconds: 600, sessionBehavior: mqtt5.ClientSessionBehavior.RejoinAlways };
        const first = device(identity, "m5-disk", long, local);
        await first.connect();
        await first.client.subscribe({ subscriptions: [{ topicFilter: filter, qos: QOS1 }] });
        await first.close();

        await local.stop();
        local = await LocalBroker.start({ stateDir: persistentDir, app: APP, manifest, persistSessions: true });
        const restarted = local;
        await new Promise<void>((resolve, reject) =>
          restarted.aedes.publish({ cmd: "publish", topic: filter, payload: Buffer.from("after restart"), qos: 1, retain: false, dup: false }, (e) => (e ? reject(e) : resolve())),
        );
        const second = device(identity, "m5-disk", { ...long, sessionExpiryIntervalSeconds: 1 }, local);
        const resumed = await second.connect();
        assert.equal(resumed.connack.sessionPresent, true);
        await waitFor("the message queued across the restart", () => second.received.length === 1);
        assert.equal(second.received[0].payload, "after restart");
        // Leaves with a 1 s interval; the restart must not turn it into the hour of a 3.1.1 session.
        await second.close();

        await local.stop();
        local = await LocalBroker.start({ stateDir: persistentDir, app: APP, manifest, persistSessions: true });
        await settle(1500);
        const third = device(identity, "m5-disk", long, local);
        const expired = await third.connect();
        assert.equal(expired.connack.sessionPresent, false, "the session's own 1 s interval applied after the restart");
        await third.close();
      } finally {
        await local.stop();
        await rm(persistentDir, { recursive: true, force: true });
      }
    });
  });

  describe("protocol versions side by side", () => {
    it("an MQTT 3.1.1 device and an MQTT 5 device on the same broker hear each other", async () => {
      const v5 = await connectedDevice("m5-mixed");
      const v311 = await connectSdkDevice(suite.broker, "m311-mixed", (c) => open.push(() => c.disconnect()));
      const watcher = await dashboard();
      await watcher.client.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 });
      await v311.publish("sf/grow/m311-mixed/temperature/up", "from 3.1.1", 1);
      await v5.client.publish({ topicName: "sf/grow/m5-mixed/temperature/up", qos: QOS1, payload: "from 5" });
      await waitFor("both messages at the MQTT 5 dashboard", () => watcher.received.length === 2);
      assert.deepEqual(watcher.received.map((r) => r.payload).sort(), ["from 3.1.1", "from 5"]);
    });
  });

  describe("Jobs API with the SDK's iotjobs client for MQTT 5", () => {
    let jobs: JobsService;
    before(async () => {
      jobs = await JobsService.start({ aedes: suite.broker.aedes });
    });
    after(async () => {
      await jobs?.stop();
    });

    it("IotJobsClient.newFromMqtt5Client: notify-next → start-next → SUCCEEDED, and a refused update", async () => {
      const thingName = "m5-jobs";
      const d = await connectedDevice(thingName);
      const client = iotjobs.IotJobsClient.newFromMqtt5Client(d.client);
      const next: iotjobs.model.NextJobExecutionChangedEvent[] = [];
      await client.subscribeToNextJobExecutionChangedEvents({ thingName }, QOS1, (_e, event) => event && next.push(event));
      const started: iotjobs.model.StartNextJobExecutionResponse[] = [];
      await client.subscribeToStartNextPendingJobExecutionAccepted({ thingName }, QOS1, (_e, r) => r && started.push(r));

      const document = { operation: "snapfleet.install", version: "v5" };
      jobs.addThingToGroup("g-m5-jobs", thingName);
      jobs.createJob({ jobId: "m5-job-1", document, thingGroup: "g-m5-jobs" });
      await waitFor("notify-next", () => next.length === 1);
      assert.equal(next[0].execution?.jobId, "m5-job-1");
      assert.deepEqual(next[0].execution?.jobDocument, document);

      // The job's own topics, as AWS's sample subscribes (the SDK's MQTT 5 adapter hands a message
      // to a handler whose filter equals its topic, so a "+" filter would get nothing).
      const updated: iotjobs.model.UpdateJobExecutionResponse[] = [];
      await client.subscribeToUpdateJobExecutionAccepted({ thingName, jobId: "m5-job-1" }, QOS1, (_e, r) => r && updated.push(r));
      const rejected: iotjobs.model.RejectedErrorResponse[] = [];
      await client.subscribeToUpdateJobExecutionRejected({ thingName, jobId: "m5-job-1" }, QOS1, (_e, r) => r && rejected.push(r));
      await client.publishStartNextPendingJobExecution({ thingName, clientToken: "v5-1" }, QOS1);
      await waitFor("start-next accepted", () => started.length === 1);
      assert.deepEqual([started[0].clientToken, started[0].execution?.status, started[0].execution?.versionNumber], ["v5-1", "IN_PROGRESS", 2]);

      await client.publishUpdateJobExecution({ thingName, jobId: "m5-job-1", status: iotjobs.model.JobStatus.SUCCEEDED, expectedVersion: 2, clientToken: "v5-2" }, QOS1);
      await waitFor(`update accepted `, () => updated.length === 1);
      assert.equal(updated[0].clientToken, "v5-2");
      await client.publishUpdateJobExecution({ thingName, jobId: "m5-job-1", status: iotjobs.model.JobStatus.FAILED, clientToken: "v5-3" }, QOS1);
      await waitFor("update rejected", () => rejected.length === 1);
      assert.deepEqual([rejected[0].clientToken, rejected[0].code], ["v5-3", "InvalidStateTransition"]);
    });

    it("IotJobsClientv2.newFromMqtt5 (request-response): start-next and update answer as AWS documents", async () => {
      const thingName = "m5-jobs-v2";
      const d = await connectedDevice(thingName);
      const client = iotjobs.IotJobsClientv2.newFromMqtt5(d.client, { maxRequestResponseSubscriptions: 4, maxStreamingSubscriptions: 2, operationTimeoutInSeconds: 10 });
      try {
        jobs.addThingToGroup("g-m5-jobs-v2", thingName);
        jobs.createJob({ jobId: "m5-job-2", document: { operation: "snapfleet.install", version: "v5b" }, thingGroup: "g-m5-jobs-v2" });
        const started = await client.startNextPendingJobExecution({ thingName });
        assert.deepEqual([started.execution?.jobId, started.execution?.status], ["m5-job-2", "IN_PROGRESS"]);
        const updated = await client.updateJobExecution({ thingName, jobId: "m5-job-2", status: iotjobs.model.JobStatus.SUCCEEDED, expectedVersion: started.execution?.versionNumber });
        assert.ok(updated.timestamp, "accepted");
        await assert.rejects(client.updateJobExecution({ thingName, jobId: "m5-job-2", status: iotjobs.model.JobStatus.FAILED }), (error: Error & { modeledError?: { code?: string } }) => {
          assert.equal(error.modeledError?.code, "InvalidStateTransition");
          return true;
        });
      } finally {
        client.close();
      }
    });
  });
});
