import assert from "node:assert/strict";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FLEET_STATUS_PATH } from "../core/contracts/fleetStatus";
import { topics } from "../core/contracts/topics";
import { topicMatches } from "../core/contracts/topicFilter";
import { DashboardSite } from "./dashboardSite";
import { FleetStatusApi, fleetStatusRuleName, fleetStatusRuleSql } from "./fleetStatusApi";
import { MOCK_REGION, settled, useAwsMocks, valueOf, type AwsMocks } from "./testing/mockAws";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");
const KEY_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key";

describe("FleetStatusApi (Pulumi mocks)", function () {
  this.timeout(30_000);
  let mocks: AwsMocks;
  let api: FleetStatusApi;
  let site: DashboardSite;

  before(async () => {
    mocks = await useAwsMocks();
    api = new FleetStatusApi("gs-fleet-status", { app: "grow-station", code: "exports.record = exports.list = async () => ({})", keySecretArn: KEY_SECRET, keyVersionId: "v1" });
    site = new DashboardSite("gs-dashboard", { app: "grow-station", bundleDir: FIXTURE_BUNDLE, manifestJson: "{}", webSnapshotBase64: "", configJson: "{}", apis: [api.route] });
    api.allowDistribution(site.distribution.arn);
    await valueOf(site.url);
    await settled(mocks);
  });

  it("records every status message through a topic rule into a table keyed by thing", () => {
    const table = mocks.one("aws:dynamodb/table:Table", "gs-fleet-status");
    assert.deepEqual([table.inputs.hashKey, table.inputs.billingMode, table.inputs.attributes], ["thing", "PAY_PER_REQUEST", [{ name: "thing", type: "S" }]]);
    const rule = mocks.one("aws:iot/topicRule:TopicRule", "gs-fleet-status");
    assert.equal(rule.inputs.name, "sf_grow_station_fleet_status");
    assert.equal(rule.inputs.name, fleetStatusRuleName("grow-station"));
    assert.match(rule.inputs.name, /^[a-zA-Z0-9_]+$/, "AWS's rule name pattern");
    assert.equal(rule.inputs.sql, fleetStatusRuleSql("grow-station"));
    // The FROM filter is the status topic of every thing, and nothing else.
    const from = /FROM '([^']+)'/.exec(rule.inputs.sql)![1];
    assert.ok(topicMatches(from, topics.status("grow-station", "gh-1")));
    assert.ok(!topicMatches(from, topics.up("grow-station", "gh-1", "temperature")));
    assert.ok(!topicMatches(from, topics.status("other-app", "gh-1")));
    assert.match(rule.inputs.sql, /encode\(\*, 'base64'\) AS payload, topic\(3\) AS thing, timestamp\(\) AS receivedAt/);
    const recorder = mocks.one("aws:lambda/function:Function", "recorder");
    assert.equal(recorder.inputs.handler, "index.record");
    assert.equal(rule.inputs.lambdas[0].functionArn, `arn:aws:mock:${MOCK_REGION}:123456789012:aws:lambda/function:Function/grow-station-fs-recorder`);
    const invoke = mocks.one("aws:lambda/permission:Permission", "rule-invoke");
    assert.deepEqual([invoke.inputs.principal, invoke.inputs.action], ["iot.amazonaws.com", "lambda:InvokeFunction"]);
    assert.match(invoke.inputs.sourceArn, /topicRule/);
  });

  it("gives each Lambda only what it needs", () => {
    const statements = (role: string) => JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", `${role}-access`).inputs.policy).Statement;
    assert.deepEqual(statements("recorder").map((s: { Action: string[] }) => s.Action), [["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]]);
    assert.deepEqual(statements("reader").map((s: { Action: string[]; Resource: string }) => [s.Action, s.Resource.includes("dynamodb/table") || s.Resource === KEY_SECRET]), [
      [["dynamodb:Scan"], true],
      [["secretsmanager:GetSecretValue"], true],
    ]);
    const reader = mocks.one("aws:lambda/function:Function", "reader");
    assert.equal(reader.inputs.handler, "index.list");
    assert.equal(reader.inputs.environment.variables.SNAPFLEET_DASHBOARD_KEY_SECRET_ARN, KEY_SECRET);
  });

  it("serves the API on the dashboard's own domain, through CloudFront only, uncached", () => {
    assert.equal(mocks.one("aws:lambda/functionUrl:FunctionUrl").inputs.authorizationType, "AWS_IAM");
    const oac = mocks.one("aws:cloudfront/originAccessControl:OriginAccessControl", "grow-station-fs");
    assert.equal(oac.inputs.originAccessControlOriginType, "lambda");
    const cdn = mocks.one("aws:cloudfront/distribution:Distribution");
    const apiOrigin = cdn.inputs.origins.find((o: { originId: string }) => o.originId === "fleet-status-api");
    assert.equal(apiOrigin.domainName, `gs-fleet-status-url.lambda-url.${MOCK_REGION}.on.aws`);
    assert.equal(apiOrigin.originAccessControlId, "grow-station-fs-oac-id");
    assert.equal(apiOrigin.customOriginConfig.originProtocolPolicy, "https-only");
    const [behavior] = cdn.inputs.orderedCacheBehaviors;
    assert.equal(behavior.targetOriginId, "fleet-status-api");
    // The page asks for `api/fleet-status` relative to its own path, which is the site root.
    assert.ok(new RegExp(`^${behavior.pathPattern.replace("*", ".*")}$`).test(`/${FLEET_STATUS_PATH}`));
    assert.equal(behavior.cachePolicyId, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "CachingDisabled");
    assert.deepEqual(behavior.allowedMethods, ["GET", "HEAD"]);
    const permissions = mocks.ofType("aws:lambda/permission:Permission").filter((p) => p.inputs.principal === "cloudfront.amazonaws.com");
    assert.deepEqual(permissions.map((p) => p.inputs.action).sort(), ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]);
    for (const p of permissions) assert.match(p.inputs.sourceArn, /cloudfront\/distribution:Distribution\/gs-dashboard-cdn$/);
  });

  it("leaves a site without an API as it was", async () => {
    const plainSite = new DashboardSite("plain", { app: "grow-station", bundleDir: FIXTURE_BUNDLE, manifestJson: "{}", webSnapshotBase64: "", configJson: "{}" });
    await valueOf(plainSite.url as pulumi.Output<string>);
    await settled(mocks);
    const cdn = mocks.one("aws:cloudfront/distribution:Distribution", "plain");
    assert.equal(cdn.inputs.origins.length, 1);
    assert.deepEqual(cdn.inputs.orderedCacheBehaviors, []);
  });
});
