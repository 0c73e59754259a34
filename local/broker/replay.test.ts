import assert from "node:assert/strict";
import mqtt from "mqtt";
import { topicMatches } from "../../core/contracts/topicFilter";
import { ReplayStore } from "./replayStore";
import { brokerPerSuite } from "../../test/support/brokerPerSuite";
import { channelManifest } from "../../test/support/channelManifest";
import { connectDashboard } from "../../test/support/dashboardClient";
import { connectSdkDevice } from "../../test/support/sdkDevice";

const APP = "grow";
const manifest = channelManifest(APP, [
  { name: "temperature", qos: 1, direction: "device-to-server", replay: 3 },
  { name: "humidity", qos: 1, direction: "device-to-server", replay: 0 },
]);

describe("LocalBroker: store and forward (channel replay)", function () {
  this.timeout(15000);
  const suite = brokerPerSuite("replay", { app: APP, manifest });
  const { refusals, open } = suite;

  const device = (thing: string) => connectSdkDevice(suite.broker, thing, (c) => open.push(() => c.disconnect()));

  async function dashboard(clientId: string): Promise<mqtt.MqttClient> {
    const client = await connectDashboard(suite.broker, { clientId });
    open.push(() => client.endAsync(true));
    return client;
  }

  it("a new subscriber gets the last N messages of each matching up topic, in order, then live ones", async () => {
    const a = await device("a");
    for (let i = 1; i <= 5; i++) await a.publish("sf/grow/a/temperature/up", `t${i}`, 1);
    for (let i = 1; i <= 2; i++) await a.publish("sf/grow/a/humidity/up", `h${i}`, 1);

    const dash = await dashboard("sf-grow-dashboard-1");
    const got: string[] = [];
    dash.on("message", (topic, payload) => got.push(`${topic.split("/")[3]}:${payload}`));
    await dash.subscribeAsync("sf/grow/+/+/up", { qos: 1 });
    await a.publish("sf/grow/a/temperature/up", "t6", 1);
    const deadline = Date.now() + 5000;
    while (got.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    // humidity has replay 0: nothing kept, so only the live message after subscribing would come.
    assert.deepEqual(got, ["temperature:t3", "temperature:t4", "temperature:t5", "temperature:t6"]);
  });

  it("replays nothing to a client whose subscription the policy refuses", async () => {
    refusals.length = 0;
    const b = await device("b");
    const got: string[] = [];
    const granted = await b.subscribe("sf/grow/a/temperature/up", 1, (_t, p) => got.push(Buffer.from(p).toString()));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(granted.qos as number, 128);
    assert.deepEqual(got, []);
    assert.ok(refusals.some((r) => r.action === "iot:Subscribe" && r.clientId === "b"), JSON.stringify(refusals));
  });
});

describe("ReplayStore", () => {
  const store = () => new ReplayStore(() => manifest);
  const packet = (topic: string, payload: string, qos: 0 | 1 = 1) => ({ cmd: "publish" as const, topic, payload: Buffer.from(payload), qos, retain: false, dup: false });

  it("keeps the last N per topic, only for up topics of channels with replay > 0 of this app", () => {
    const s = store();
    for (let i = 1; i <= 4; i++) s.record(packet("sf/grow/a/temperature/up", `t${i}`));
    s.record(packet("sf/grow/a/humidity/up", "h"));
    s.record(packet("sf/grow/a/temperature/down", "d"));
    s.record(packet("sf/other/a/temperature/up", "o"));
    s.record(packet("sf/grow/a/_log/up", "l"));
    assert.deepEqual(s.topics, ["sf/grow/a/temperature/up"]);
    const replay = s.matching([{ topic: "sf/grow/a/#", qos: 1 }]);
    assert.deepEqual(replay.map((m) => m.payload.toString()), ["t2", "t3", "t4"]);
  });

  it("keeps a retransmitted envelope once", () => {
    const s = store();
    const envelope = '{"id":"b1:7","v":21.5,"t":0}';
    s.record(packet("sf/grow/a/temperature/up", envelope));
    s.record({ ...packet("sf/grow/a/temperature/up", envelope), dup: true });
    s.record(packet("sf/grow/a/temperature/up", '{"id":"b1:8","v":22,"t":0}'));
    assert.deepEqual(s.matching([{ topic: "sf/grow/a/temperature/up", qos: 1 }]).map((m) => m.id), ["b1:7", "b1:8"]);
  });

  it("delivers at the lower of stored and granted QoS, and skips refused grants (0x80, MQTT 5 codes from 0x80 up)", () => {
    const s = store();
    s.record(packet("sf/grow/a/temperature/up", "x", 1));
    assert.deepEqual(s.matching([{ topic: "sf/grow/+/temperature/up", qos: 0 }]).map((m) => m.grantedQos), [0]);
    assert.deepEqual(s.matching([{ topic: "sf/grow/+/temperature/up", qos: 128 as 0 }]), []);
    // MQTT 5 refusals: 0x87 Not authorized, 0x9E shared subscriptions not supported.
    assert.deepEqual(s.matching([{ topic: "sf/grow/+/temperature/up", qos: 0x87 as 0 }]), []);
    assert.deepEqual(s.matching([{ topic: "sf/grow/+/temperature/up", qos: 0x9e as 0 }]), []);
    assert.deepEqual(s.matching([{ topic: "sf/grow/b/temperature/up", qos: 1 }]), []);
  });

  it("matches MQTT filters", () => {
    assert.equal(topicMatches("sf/+/a/#", "sf/grow/a/t/up"), true);
    assert.equal(topicMatches("sf/grow/#", "sf/grow"), true);
    assert.equal(topicMatches("sf/+/up", "sf/a/b/up"), false);
    assert.equal(topicMatches("sf/a", "sf/a/b"), false);
    assert.equal(topicMatches("#", "$aws/things/a/jobs/notify"), false);
  });
});
