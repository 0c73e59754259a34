import assert from "node:assert/strict";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { topics } from "../core/contracts/topics";
import { topicMatches } from "../local/broker/replayStore";
import { writeApp } from "../test/support/tempFeatures";
import { FeatureServer, historyRuleSql, serverRuleSql } from "./featureServer";
import { MOCK_ACCOUNT, MOCK_REGION, settled, useAwsMocks, valueOf, type AwsMocks } from "./testing/mockAws";

const GROUP_ARN = `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}:thinggroup/greenhouse-fleet`;

describe("FeatureServer (Pulumi mocks)", function () {
  this.timeout(60_000);
  let mocks: AwsMocks;
  let build: CompileResult;
  let server: FeatureServer;

  before(async () => {
    build = await compileFeatures({
      entry: writeApp(`  const t = api.newCommsChannel<number>("temperature", { history: { days: 7 } });
  const heater = api.newCommsChannel<boolean>("heater");
  api.server.onDevice(() => t.addEventListener("messageFromDevice", (v) => heater.sendToDevice(v < 20)));`),
    });
    mocks = await useAwsMocks();
    server = new FeatureServer("greenhouse-server", {
      app: "greenhouse",
      manifest: build.manifest,
      serverSnapshot: build.snapshots.server,
      code: "exports.server = async () => 'ok'",
      wasmFile: path.resolve(__dirname, "..", "core", "engine", "microvium.wasm"),
      thingGroupName: "greenhouse-fleet",
      thingGroupArn: GROUP_ARN,
      region: MOCK_REGION,
      account: MOCK_ACCOUNT,
    });
    await valueOf(server.alertsTopicArn);
    await settled(mocks);
  });

  it("triggers the server Lambda from a rule on the app's device channels only", () => {
    const rule = mocks.one("aws:iot/topicRule:TopicRule", "greenhouse-server-rule");
    assert.equal(rule.inputs.sql, serverRuleSql("greenhouse"));
    const from = /FROM '([^']+)'/.exec(rule.inputs.sql)![1];
    assert.ok(topicMatches(from, topics.up("greenhouse", "gh-1", "temperature")));
    assert.ok(!topicMatches(from, topics.down("greenhouse", "gh-1", "heater")));
    assert.ok(!topicMatches(from, topics.up("other", "gh-1", "temperature")));
    assert.match(rule.inputs.sql, /WHERE topic\(4\) <> '_log' AND topic\(4\) <> '_alert'$/);
    const fn = mocks.one("aws:lambda/function:Function", "greenhouse-srv-fn");
    assert.equal(fn.inputs.handler, "index.server");
    assert.deepEqual(Object.keys(fn.inputs.environment.variables).sort(), ["SNAPFLEET_ALERTS_TOPIC_ARN", "SNAPFLEET_SERVER_STATE_TABLE", "SNAPFLEET_THING_GROUP"]);
    const invoke = mocks.one("aws:lambda/permission:Permission", "rule-invoke");
    assert.equal(invoke.inputs.principal, "iot.amazonaws.com");
  });

  it("gives the Lambda only its state table, this app's down and alert topics, its thing group and the alerts topic", () => {
    const statements = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", "greenhouse-server-access").inputs.policy).Statement as { Action: string[]; Resource: string | string[] }[];
    assert.deepEqual(statements.map((s) => s.Action), [["dynamodb:GetItem", "dynamodb:PutItem"], ["iot:Publish"], ["iot:ListThingsInThingGroup"], ["sns:Publish"]]);
    assert.deepEqual(statements[1].Resource, [`arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}:topic/sf/greenhouse/*/*/down`, `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}:topic/sf/greenhouse/*/_alert/up`]);
    assert.equal(statements[2].Resource, GROUP_ARN);
    const table = mocks.one("aws:dynamodb/table:Table", "greenhouse-server-state");
    assert.deepEqual([table.inputs.hashKey, table.inputs.billingMode], ["vm", "PAY_PER_REQUEST"]);
  });

  it("keeps history in a table with TTL, written by one rule per history channel, and outputs the alerts topic", async () => {
    const table = mocks.one("aws:dynamodb/table:Table", "greenhouse-server-history");
    assert.deepEqual(table.inputs.ttl, { attributeName: "expiresAt", enabled: true });
    assert.deepEqual([table.inputs.hashKey, table.inputs.rangeKey], ["pk", "t"]);
    const rule = mocks.one("aws:iot/topicRule:TopicRule", "history-temperature");
    assert.equal(rule.inputs.sql, historyRuleSql("greenhouse", build.manifest.channels[0]));
    assert.match(rule.inputs.sql, /floor\(t \/ 1000\) \+ 604800 AS expiresAt FROM 'sf\/greenhouse\/\+\/temperature\/up'/);
    assert.equal(mocks.ofType("aws:iot/topicRule:TopicRule").filter((r) => r.name.includes("history")).length, 1, "no rule for the heater channel, which keeps no history");
    assert.match(await valueOf(server.alertsTopicArn), /sns/);
  });
});
