/** The local broker refuses what AWS IoT Core refuses (docs/aws-iot.md, "The message broker"):
 * retained messages only for exact-match subscriptions, no QoS 2, no payload over 128 KB, no
 * MQTT 3.1, `${iot:Connection.Thing.ThingName}` only for a client id naming a thing attached to
 * the certificate, and only registered things of the fleet connect. Real clients over the real
 * listeners: the device SDK's MQTT 3.1.1 client and mqtt.js over mutual TLS, mqtt.js over WebSocket. */
import assert from "node:assert/strict";
import type { mqtt as crt } from "aws-iot-device-sdk-v2";
import mqtt from "mqtt";
import type { IdentityFiles } from "../certificates";
import { ThingRegistry } from "../registry";
import { brokerPerSuite } from "../../test/support/brokerPerSuite";
import { channelManifest } from "../../test/support/channelManifest";
import { connectDashboard } from "../../test/support/dashboardClient";
import { mqttsOptions } from "../../test/support/mqttsClient";
import { connectSdkDevice } from "../../test/support/sdkDevice";
import { waitFor } from "../../test/support/waitFor";
import { MAX_PAYLOAD_BYTES } from "./mqttLimits";
import { sdkConnection } from "./sdkConnection";

const APP = "grow";
const manifest = channelManifest(APP, [{ name: "temperature", qos: 1, direction: "both", replay: 0 }]);

describe("LocalBroker refuses what AWS IoT Core refuses", function () {
  this.timeout(20000);
  const suite = brokerPerSuite("strict", { app: APP, manifest });
  const { refusals, open } = suite;

  function sdkDevice(identity: IdentityFiles, clientId: string): crt.MqttClientConnection {
    const connection = sdkConnection({ host: "127.0.0.1", port: suite.broker.mqttsPort, caCertPem: suite.broker.caCertPem, ...identity, clientId });
    open.push(() => connection.disconnect());
    return connection;
  }

  const connectedDevice = (thing: string) => connectSdkDevice(suite.broker, thing, (c) => open.push(() => c.disconnect()));

  /** mqtt.js over mutual TLS, as a hand-written device client would connect. */
  function mqttsClient(identity: IdentityFiles, clientId: string, extra: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
    const client = mqtt.connect(mqttsOptions(suite.broker, clientId, identity, { connectTimeout: 5000, ...extra }));
    open.push(() => client.endAsync(true));
    return new Promise((resolve, reject) => {
      client.once("connect", () => resolve(client));
      client.once("error", reject);
      client.once("close", () => reject(new Error("connection closed before CONNACK")));
    });
  }

  async function dashboard(extra: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
    const client = await connectDashboard(suite.broker, extra);
    open.push(() => client.endAsync(true));
    return client;
  }

  function interrupted(connection: crt.MqttClientConnection): Promise<void> {
    return new Promise((resolve) => connection.once("interrupt", () => resolve()));
  }

  function collect(client: mqtt.MqttClient): Array<{ topic: string; payload: string; retain: boolean }> {
    const got: Array<{ topic: string; payload: string; retain: boolean }> = [];
    client.on("message", (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
    return got;
  }

  /** Lets in-flight deliveries land before asserting that something did not arrive. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

  describe("retained messages", () => {
    it("are delivered on SUBSCRIBE to the exact topic only, not to a wildcard filter", async () => {
      const a = await connectedDevice("ret-a");
      await a.publish("sf/grow/ret-a/_status", '{"online":true}', 1, true);
      await a.disconnect();

      const wildcard = await dashboard();
      const viaWildcard = collect(wildcard);
      await wildcard.subscribeAsync("sf/grow/+/_status", { qos: 1 });
      const exact = await dashboard();
      const viaExact = collect(exact);
      await exact.subscribeAsync("sf/grow/ret-a/_status", { qos: 1 });
      await waitFor("the retained status on the exact subscription", () => viaExact.length === 1);
      await settle();
      assert.deepEqual(viaExact, [{ topic: "sf/grow/ret-a/_status", payload: '{"online":true}', retain: true }]);
      assert.deepEqual(viaWildcard, [], "AWS delivers no retained message to a wildcard subscription");

      // Live messages still reach the wildcard subscription (without the retain flag).
      const again = await connectedDevice("ret-a");
      await again.publish("sf/grow/ret-a/_status", '{"online":false}', 1, true);
      await waitFor("the live status on the wildcard subscription", () => viaWildcard.length === 1);
      assert.deepEqual(viaWildcard, [{ topic: "sf/grow/ret-a/_status", payload: '{"online":false}', retain: false }]);
    });
  });

  describe("QoS 2", () => {
    it("a QoS 2 publish from the device SDK closes the connection and delivers nothing", async () => {
      const watcher = await dashboard();
      const seen = collect(watcher);
      await watcher.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 });
      const a = await connectedDevice("q2-a");
      const closed = interrupted(a);
      a.publish("sf/grow/q2-a/temperature/up", "exactly once?", 2).catch(() => undefined);
      await closed;
      await settle();
      assert.deepEqual(seen, []);
      const refusal = refusals.find((r) => r.action === "mqtt");
      assert.equal(refusal?.outcome, "connection closed");
      assert.match(refusal?.reason ?? "", /QoS 2 publish on "sf\/grow\/q2-a\/temperature\/up": AWS IoT Core supports QoS 0 and 1 only/);
      // QoS 1 is fine.
      const b = await connectedDevice("q2-b");
      await b.publish("sf/grow/q2-b/temperature/up", "at least once", 1);
      await waitFor("the message at the dashboard", () => seen.length === 1);
    });

    it("a QoS 2 subscription gets no SUBACK: the connection is closed", async () => {
      const client = await mqttsClient(await suite.broker.provisionDevice("q2-sub"), "q2-sub");
      const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
      const result = client.subscribeAsync("sf/grow/q2-sub/temperature/down", { qos: 2 }).then(
        (granted) => `granted ${JSON.stringify(granted)}`,
        (error: Error) => `failed: ${error.message}`,
      );
      await closed;
      assert.ok(refusals.some((r) => r.action === "mqtt" && /QoS 2 subscription/.test(r.reason)), JSON.stringify(refusals));
      assert.doesNotMatch(await Promise.race([result, settle().then(() => "no answer")]), /granted/);
    });
  });

  describe("payload size", () => {
    it(`accepts a ${MAX_PAYLOAD_BYTES}-byte payload and closes the connection of a device that sends one byte more`, async () => {
      const watcher = await dashboard();
      const seen = collect(watcher);
      await watcher.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 });
      const a = await connectedDevice("big-a");
      await a.publish("sf/grow/big-a/temperature/up", "x".repeat(MAX_PAYLOAD_BYTES), 1);
      await waitFor("the message at the dashboard", () => seen.length === 1);
      assert.equal(seen[0].payload.length, MAX_PAYLOAD_BYTES);

      const closed = interrupted(a);
      a.publish("sf/grow/big-a/temperature/up", "y".repeat(MAX_PAYLOAD_BYTES + 1), 1).catch(() => undefined);
      await closed;
      await settle();
      assert.equal(seen.length, 1, "the oversized message was not delivered");
      assert.match(refusals.find((r) => r.action === "mqtt")?.reason ?? "", /payload of 131073 bytes .* exceeds AWS IoT Core's 131072-byte \(128 KB\) limit/);
    });
  });

  describe("protocol level", () => {
    it("refuses MQTT 3.1 (protocol level 3) with CONNACK 'unacceptable protocol version', over TLS and WebSocket", async () => {
      const identity = await suite.broker.provisionDevice("old-mqtt");
      await assert.rejects(mqttsClient(identity, "old-mqtt", { protocolId: "MQIsdp", protocolVersion: 3 }), /Unacceptable protocol version/i);
      await assert.rejects(dashboard({ protocolId: "MQIsdp", protocolVersion: 3 }), /Unacceptable protocol version/i);
      const mqttRefusals = refusals.filter((r) => r.action === "mqtt");
      assert.equal(mqttRefusals.length, 2);
      assert.match(mqttRefusals[0].reason, /MQTT 3\.1 \(protocol level 3\) is not supported/);
      // MQTT 3.1.1 from the same certificate is fine.
      await mqttsClient(identity, "old-mqtt");
    });
  });

  describe("thing name and registry", () => {
    it("resolves the thing name from the client id when it names a thing attached to the certificate, not from the certificate's CN", async () => {
      const identity = await suite.broker.provisionDevice("cn-a");
      // The same certificate attached to a second thing (a non-exclusive attachment on AWS).
      await suite.broker.registry.attach("cn-b", identity.certPem);
      const watcher = await dashboard();
      const seen = collect(watcher);
      await watcher.subscribeAsync("sf/grow/+/temperature/up", { qos: 1 });

      const asB = sdkDevice(identity, "cn-b");
      await asB.connect();
      await asB.publish("sf/grow/cn-b/temperature/up", "as b", 1);
      await waitFor("the message at the dashboard", () => seen.length === 1);
      assert.equal(seen[0].topic, "sf/grow/cn-b/temperature/up");
      // The CN's thing is not who this connection is.
      const closed = interrupted(asB);
      asB.publish("sf/grow/cn-a/temperature/up", "as a?", 1).catch(() => undefined);
      await closed;
      assert.ok(refusals.some((r) => r.action === "iot:Publish" && r.principal === 'thing "cn-b"'), JSON.stringify(refusals));
    });

    it("leaves the thing name unset for a client id that names no attached thing, so thing policies deny", async () => {
      const identity = await suite.broker.provisionDevice("cn-c");
      await assert.rejects(sdkDevice(identity, "not-a-thing").connect());
      const refusal = refusals.find((r) => r.action === "iot:Connect");
      assert.equal(refusal?.principal, 'certificate of thing "cn-c" (client id names none of them)');
      assert.equal(refusal?.resource, "arn:aws:iot:local:000000000000:client/not-a-thing");
    });

    it("refuses a certificate the local CA signed for a thing that is not registered, and a thing removed from the fleet", async () => {
      const unregistered = await suite.broker.pki.deviceIdentity("ghost");
      await assert.rejects(sdkDevice(unregistered, "ghost").connect());
      const refusal = refusals.find((r) => r.action === "authenticate");
      assert.match(refusal?.reason ?? "", /certificate issued for "ghost" is not attached to any registered thing of the fleet/);

      const member = await connectedDevice("leaver");
      await member.disconnect();
      await suite.broker.registry.remove("leaver");
      await assert.rejects(sdkDevice(await suite.broker.pki.deviceIdentity("leaver"), "leaver").connect());
    });

    it("accepts a thing another process registered in the same state dir", async () => {
      const identity = await suite.broker.pki.deviceIdentity("late");
      const otherProcess = await ThingRegistry.open(suite.stateDir);
      await otherProcess.attach("late", identity.certPem);
      const connection = sdkDevice(identity, "late");
      await connection.connect();
      await connection.publish("sf/grow/late/temperature/up", "hi", 1);
      assert.deepEqual(refusals, []);
    });
  });
});
