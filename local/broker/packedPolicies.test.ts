/** The local broker enforces the same packed device policies AWS gets (core/policy/packing.ts):
 * an app with more channels than one-policy-per-channel allowed (9) runs locally, every channel's
 * rights hold, and they stay the device's own. */
import assert from "node:assert/strict";
import { devicePolicyDocuments } from "../../core/policy";
import { topics } from "../../core/contracts/topics";
import { brokerPerSuite } from "../../test/support/brokerPerSuite";
import { channelManifest } from "../../test/support/channelManifest";
import { connectSdkDevice } from "../../test/support/sdkDevice";

const APP = "grow";
const CHANNELS = Array.from({ length: 20 }, (_, i) => ({ name: `soil-moisture-${i}`, qos: 1 as const, direction: "both" as const, replay: 0 }));
const LAST = CHANNELS[CHANNELS.length - 1].name;

describe("LocalBroker with packed device policies (20 channels)", function () {
  this.timeout(20_000);
  const suite = brokerPerSuite("broker-packed", { app: APP, manifest: channelManifest(APP, CHANNELS), log: () => {} });
  const { refusals, open } = suite;

  const connectedDevice = (thing: string) => connectSdkDevice(suite.broker, thing, (c) => open.push(() => c.disconnect()));

  it("uses the same documents AWS gets: fewer than one per channel", () => {
    const policies = devicePolicyDocuments({ app: APP, region: "eu-west-1", account: "123456789012", channels: CHANNELS });
    assert.ok(policies.length < 1 + CHANNELS.length && policies.length <= 10, `${policies.length} policies`);
  });

  it("lets a device use the last channel both ways, and refuses it another thing's down", async () => {
    const a = await connectedDevice("a");
    const got: string[] = [];
    for (const filter of [topics.down(APP, "a", LAST), topics.broadcastDown(APP, LAST)]) await a.subscribe(filter, 1, (topic) => void got.push(topic));
    await a.publish(topics.up(APP, "a", LAST), "41", 1);
    await a.publish(topics.up(APP, "a", CHANNELS[0].name), "12", 1);
    suite.broker.aedes.publish({ cmd: "publish", topic: topics.down(APP, "a", LAST), payload: Buffer.from("on"), qos: 1, retain: false, dup: false }, () => {});
    for (let i = 0; i < 50 && got.length < 1; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(got, [topics.down(APP, "a", LAST)]);
    assert.equal(refusals.length, 0, `no refusal for the device's own channels: ${JSON.stringify(refusals)}`);
    await a.subscribe(topics.down(APP, "b", LAST), 1).catch(() => undefined);
    const refusal = refusals.find((r) => r.action === "iot:Subscribe");
    assert.ok(refusal && /default deny.*sf-grow-device-channels-\d/.test(refusal.reason), `another thing's down is refused, naming the packed policies: ${JSON.stringify(refusals)}`);
  });
});
