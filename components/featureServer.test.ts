import assert from "node:assert/strict";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { topics } from "../core/contracts/topics";
import { matchesPattern } from "../core/policy";
import { topicMatches } from "../core/contracts/topicFilter";
import { writeApp } from "../test/support/tempFeatures";
import { FeatureServer, historyLambdaFiles, historyRuleSql, serverLambdaFiles, serverRuleSql, settingsRuleSql } from "./featureServer";
import { shadowTopics } from "../core/shadow/shadowTopics";
import fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { MOCK_ACCOUNT, MOCK_REGION, settled, useAwsMocks, valueOf, type AwsMocks } from "./testing/mockAws";

const GROUP_ARN = `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}:thinggroup/greenhouse-fleet`;
const KEY_SECRET = `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:key`;

describe("FeatureServer (Pulumi mocks)", function () {
  this.timeout(60_000);
  let mocks: AwsMocks;
  let build: CompileResult;
  let server: FeatureServer;

  before(async () => {
    build = await compileFeatures({
      entry: writeApp(`  const t = api.newCommsChannel<number>("temperature", { history: { days: 7 } });
  const heater = api.newCommsChannel<boolean>("heater");
  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });
  api.server.onDevice(() => t.addEventListener("messageFromDevice", (v) => heater.sendToDevice(v < setpoint.value)));`),
    });
    mocks = await useAwsMocks();
    server = new FeatureServer("greenhouse-server", {
      app: "greenhouse",
      channels: build.manifest.channels,
      settings: build.manifest.settings,
      hasServerCode: true,
      manifest: build.manifest,
      serverSnapshot: build.snapshots.server,
      serverCode: "exports.server = async () => 'ok'",
      historyCode: "exports.handler = async () => ({})",
      wasmFile: path.resolve(__dirname, "..", "core", "engine", "microvium.wasm"),
      thingGroupName: "greenhouse-fleet",
      thingGroupArn: GROUP_ARN,
      region: MOCK_REGION,
      account: MOCK_ACCOUNT,
      keySecretArn: KEY_SECRET,
      keyVersionId: "v1",
    });
    await valueOf(server.alertsTopicArn!);
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
    assert.deepEqual(Object.keys(fn.inputs.environment.variables).sort(), ["SNAPFLEET_ALERTS_TOPIC_ARN", "SNAPFLEET_SERVER_HANDLED_TABLE", "SNAPFLEET_SERVER_STATE_TABLE", "SNAPFLEET_THING_GROUP"]);
    const invoke = mocks.one("aws:lambda/permission:Permission", "greenhouse-server-rule-invoke");
    assert.equal(invoke.inputs.principal, "iot.amazonaws.com");
    assert.match(invoke.inputs.sourceArn, /topicRule:TopicRule\/greenhouse-server-rule$/);
  });

  it("tells the server Lambda of each settings shadow change through a rule on that shadow's update/documents only", () => {
    const rule = mocks.one("aws:iot/topicRule:TopicRule", "greenhouse-server-settings-rule");
    assert.equal(rule.inputs.sql, settingsRuleSql("greenhouse"));
    assert.equal(rule.inputs.name, "sf_greenhouse_settings");
    const from = /FROM '([^']+)'/.exec(rule.inputs.sql)![1];
    assert.ok(topicMatches(from, shadowTopics.response("gh-1", "greenhouse-settings", "update", "documents")));
    assert.ok(!topicMatches(from, shadowTopics.response("gh-1", "greenhouse-settings", "update", "delta")));
    assert.ok(!topicMatches(from, shadowTopics.response("gh-1", "other-settings", "update", "documents")));
    assert.match(rule.inputs.sql, /'settings' AS change/);
    assert.equal(rule.inputs.lambdas[0].functionArn, `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:aws:lambda/function:Function/greenhouse-srv-fn`);
    const invoke = mocks.one("aws:lambda/permission:Permission", "greenhouse-server-settings-invoke");
    assert.match(invoke.inputs.sourceArn, /topicRule:TopicRule\/greenhouse-server-settings-rule$/);
  });

  it("gives the server Lambda only its tables, this app's down and alert topics, this app's settings shadows, its thing group and the alerts topic", () => {
    const statements = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", "greenhouse-server-access").inputs.policy).Statement as { Effect: "Allow"; Action: string[]; Resource: string | string[] }[];
    assert.deepEqual(statements.map((s) => s.Action), [["dynamodb:GetItem", "dynamodb:PutItem"], ["iot:Publish"], ["iot:GetThingShadow", "iot:UpdateThingShadow"], ["iot:ListThingsInThingGroup"], ["sns:Publish"]]);
    assert.deepEqual(statements[0].Resource, [
      `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:aws:dynamodb/table:Table/greenhouse-server-state`,
      `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:aws:dynamodb/table:Table/greenhouse-server-handled`,
    ]);
    // Run through the policy evaluator, as the device policies are.
    const allowed = (action: string, resource: string) => statements.some((s) => s.Action.includes(action) && [s.Resource].flat().some((r) => matchesPattern(r, resource)));
    const iot = `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}`;
    assert.ok(allowed("iot:Publish", `${iot}:topic/${topics.down("greenhouse", "gh-1", "heater")}`));
    assert.ok(allowed("iot:Publish", `${iot}:topic/${topics.alert("greenhouse", "gh-1")}`));
    assert.ok(!allowed("iot:Publish", `${iot}:topic/${topics.up("greenhouse", "gh-1", "temperature")}`), "never as a device");
    assert.ok(!allowed("iot:Publish", `${iot}:topic/${topics.down("other", "gh-1", "heater")}`), "another app's device");
    assert.ok(allowed("iot:UpdateThingShadow", `${iot}:thing/gh-1/greenhouse-settings`));
    assert.ok(!allowed("iot:UpdateThingShadow", `${iot}:thing/gh-1`), "the classic shadow");
    assert.ok(!allowed("iot:UpdateThingShadow", `${iot}:thing/gh-1/other-settings`), "another app's settings");
    assert.ok(!allowed("iot:DeleteThingShadow", `${iot}:thing/gh-1/greenhouse-settings`));
    assert.equal(statements[3].Resource, GROUP_ARN);
    assert.ok(!statements.some((s) => s.Action.some((a) => a.includes("*")) || [s.Resource].flat().includes("*")), "no wildcard action or resource");
  });

  it("drops repeats with a TTL'd table of handled messages", () => {
    const handled = mocks.one("aws:dynamodb/table:Table", "greenhouse-server-handled");
    assert.deepEqual([handled.inputs.hashKey, handled.inputs.billingMode, handled.inputs.ttl], ["key", "PAY_PER_REQUEST", { attributeName: "expiresAt", enabled: true }]);
    const state = mocks.one("aws:dynamodb/table:Table", "greenhouse-server-state");
    assert.deepEqual([state.inputs.hashKey, state.inputs.billingMode], ["vm", "PAY_PER_REQUEST"]);
  });

  it("keeps history in a table with TTL, written by one rule per history channel, read by a token-checked history API; outputs the alerts topic", async () => {
    const table = mocks.one("aws:dynamodb/table:Table", "greenhouse-server-history");
    assert.deepEqual(table.inputs.ttl, { attributeName: "expiresAt", enabled: true });
    assert.deepEqual([table.inputs.hashKey, table.inputs.rangeKey], ["pk", "t"]);
    const rule = mocks.one("aws:iot/topicRule:TopicRule", "history-temperature");
    assert.equal(rule.inputs.sql, historyRuleSql("greenhouse", build.manifest.channels.find((c) => c.name === "temperature")!));
    assert.match(rule.inputs.sql, /CASE abs\(t - timestamp\(\)\) <= 86400000 WHEN true THEN t ELSE timestamp\(\) END AS t/);
    assert.match(rule.inputs.sql, /floor\(timestamp\(\) \/ 1000\) \+ 604800 AS expiresAt FROM 'sf\/greenhouse\/\+\/temperature\/up'$/);
    assert.equal(mocks.ofType("aws:iot/topicRule:TopicRule").filter((r) => r.name.includes("history")).length, 1, "no rule for the heater channel, which keeps no history");
    const writer = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", "greenhouse-server-history-access").inputs.policy).Statement;
    assert.deepEqual(writer, [{ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:aws:dynamodb/table:Table/greenhouse-server-history` }]);

    const reader = mocks.one("aws:lambda/function:Function", "greenhouse-srv-hist-api");
    assert.equal(reader.inputs.handler, "index.handler");
    assert.equal(reader.inputs.environment.variables.SNAPFLEET_DASHBOARD_KEY_SECRET_ARN, KEY_SECRET);
    const readerRights = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", "greenhouse-server-history-api-access").inputs.policy).Statement;
    assert.deepEqual(readerRights.map((s: { Action: string[] }) => s.Action), [["dynamodb:Query"], ["secretsmanager:GetSecretValue"]]);
    assert.equal(mocks.one("aws:lambda/functionUrl:FunctionUrl", "history-url").inputs.authorizationType, "AWS_IAM");
    assert.deepEqual(
      { pattern: server.historyRoute!.pathPattern, origin: server.historyRoute!.originId, methods: server.historyRoute!.allowedMethods },
      { pattern: "/api/history*", origin: "history-api", methods: ["GET", "HEAD"] },
    );
    assert.match(await valueOf(server.alertsTopicArn!), /sns\/topic:Topic\/greenhouse-srv-alerts$/);
  });

  it("puts beside each Lambda's code what its index.ts reads: the build's manifest, snapshot and engine; the channels' days", async () => {
    const text = (asset: pulumi.asset.Asset) => (asset as pulumi.asset.StringAsset).text as unknown as Promise<string>;
    const file = (asset: pulumi.asset.Asset) => (asset as pulumi.asset.FileAsset).path as unknown as Promise<string>;
    const files = serverLambdaFiles({ serverCode: "exports.server = 1", wasmFile: "/engine.wasm", serverSnapshot: build.snapshots.server }, build.manifest);
    assert.deepEqual(Object.keys(files).sort(), ["index.js", "manifest.json", "microvium.wasm", "server.snap"]);
    assert.deepEqual(JSON.parse(await text(files["manifest.json"])), build.manifest);
    assert.equal(await file(files["microvium.wasm"]), "/engine.wasm");
    assert.deepEqual(new Uint8Array(fs.readFileSync(await file(files["server.snap"]))), build.snapshots.server);
    const history = historyLambdaFiles({ historyCode: "exports.handler = 1", channels: build.manifest.channels });
    assert.deepEqual(JSON.parse(await text(history["channels.json"])), [{ name: "temperature", history: { days: 7 } }, { name: "heater" }]);
  });

  it("creates only the history half for an app without server code", async () => {
    const onlyHistory = await compileFeatures({ entry: writeApp(`  const t = api.newCommsChannel<number>("level", { history: { days: 2 } });\n  api.mcu.setInterval(() => t.pushMessageToServer(1), 1000);`) });
    const before = mocks.resources.length;
    const half = new FeatureServer("tank-server", {
      app: "tank",
      channels: onlyHistory.manifest.channels,
      hasServerCode: false,
      manifest: onlyHistory.manifest,
      serverSnapshot: onlyHistory.snapshots.server,
      serverCode: "",
      historyCode: "exports.handler = async () => ({})",
      wasmFile: path.resolve(__dirname, "..", "core", "engine", "microvium.wasm"),
      thingGroupName: "tank",
      thingGroupArn: GROUP_ARN,
      region: MOCK_REGION,
      account: MOCK_ACCOUNT,
      keySecretArn: KEY_SECRET,
      keyVersionId: "v1",
    });
    await settled(mocks);
    const added = mocks.resources.slice(before);
    assert.equal(half.alertsTopicArn, undefined);
    assert.ok(!added.some((r) => r.type === "aws:sns/topic:Topic" || r.name.includes("-state") || r.name.includes("-handled")), added.map((r) => r.name).join(", "));
    assert.deepEqual(added.filter((r) => r.type === "aws:lambda/function:Function").map((r) => r.name), ["tank-srv-hist-api"]);
  });
});
