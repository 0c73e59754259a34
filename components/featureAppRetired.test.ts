/** FeatureApp on AWS (Pulumi mocks, two program runs): the second run's build renames the
 * channel devices publish on, and its device policies keep a publish-only right on the old
 * channel's up topic for devices still on the first build (core/policy/retiredChannels.ts),
 * decided from the first run's state (RetiredChannelsState). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { evaluatePolicies, topicArn, topicFilterArn, type NamedPolicy, type PolicyAction } from "../core/policy";
import { topics } from "../core/contracts/topics";
import { FeatureApp } from "./featureApp";
import { MOCK_ACCOUNT, MOCK_REGION, RETIRED_CHANNELS_TYPE, settled, useAwsMocks, valueOf, type AwsMocks } from "./testing/mockAws";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");
const APP = "tank";
const THING = "tank-1";
const app = (channel: string) => `export function App(api: any) {
  const c = api.newCommsChannel("${channel}", { direction: "device-to-server" });
  api.mcu.setInterval(() => c.pushMessageToServer(1), 1000);
}
`;

describe("FeatureApp: a renamed channel stays publishable for devices on the previous build (Pulumi mocks, two runs)", function () {
  this.timeout(120_000);
  let dir: string;
  let entry: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-retired-aws-"));
    entry = path.join(dir, "app.ts");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(channel: string, previous?: AwsMocks): Promise<AwsMocks> {
    fs.writeFileSync(entry, app(channel));
    const mocks = await useAwsMocks({}, [], previous);
    const feature = new FeatureApp(APP, { entry, fleet: { devices: [THING] }, dashboardBundleDir: FIXTURE_BUNDLE });
    await valueOf(feature.jobId);
    await settled(mocks);
    return mocks;
  }

  const policiesOf = (mocks: AwsMocks): NamedPolicy[] => mocks.ofType("aws:iot/policy:Policy").map((p) => ({ name: p.inputs.name, document: JSON.parse(p.inputs.policy) }));
  const may = (mocks: AwsMocks, action: PolicyAction, resource: string) => evaluatePolicies(policiesOf(mocks), { action, resource, context: { thingName: THING, clientId: THING } }).allowed;
  const up = (channel: string) => topicArn(MOCK_REGION, MOCK_ACCOUNT, topics.up(APP, THING, channel));

  it("the second run's policies let devices publish on the old channel's up topic, nothing more; the third change lets it lapse", async () => {
    const first = await run("level");
    assert.equal(may(first, "iot:Publish", up("level")), true);
    assert.deepEqual(first.one(RETIRED_CHANNELS_TYPE).inputs.channels, [{ name: "level", direction: "device-to-server" }]);

    const second = await run("tank", first);
    assert.equal(may(second, "iot:Publish", up("tank")), true);
    assert.equal(may(second, "iot:Publish", up("level")), true, "the retired channel's publish-only right");
    assert.equal(may(second, "iot:Subscribe", topicFilterArn(MOCK_REGION, MOCK_ACCOUNT, topics.down(APP, THING, "level"))), false);
    assert.equal(may(second, "iot:Receive", up("level")), false);
    assert.equal(may(second, "iot:Publish", topicArn(MOCK_REGION, MOCK_ACCOUNT, topics.up(APP, "tank-2", "level"))), false, "another thing's topic");

    const same = await run("tank", second);
    assert.equal(may(same, "iot:Publish", up("level")), true, "a run without a channel change keeps it");

    const third = await run("gauge", same);
    assert.equal(may(third, "iot:Publish", up("level")), false, "lapsed at the next channel change");
    assert.equal(may(third, "iot:Publish", up("tank")), true, "tank is retired now");
  });
});
