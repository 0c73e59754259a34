import assert from "node:assert/strict";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { JOB_CANCEL_PATH, JOB_EXECUTIONS_PATH, JOBS_API_PATH } from "../core/contracts/jobsApi";
import { FLEET_STATUS_PATH } from "../core/contracts/fleetStatus";
import { matchesPattern } from "../core/policy";
import { DashboardSite } from "./dashboardSite";
import { FleetStatusApi } from "./fleetStatusApi";
import { JobsApi, jobsApiStatements } from "./jobsApi";
import { cloudFrontMatches } from "./testing/cloudFrontPaths";
import { MOCK_ACCOUNT, MOCK_REGION, settled, useAwsMocks, valueOf, type AwsMocks } from "./testing/mockAws";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");
const KEY_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key";

describe("JobsApi (Pulumi mocks)", function () {
  this.timeout(30_000);
  let mocks: AwsMocks;

  before(async () => {
    mocks = await useAwsMocks();
    const fleetStatus = new FleetStatusApi("gs-fleet-status", { app: "grow-station", code: "exports.list = async () => ({})", keySecretArn: KEY_SECRET, keyVersionId: "v1" });
    const jobs = new JobsApi("gs-jobs-api", { app: "grow-station", region: MOCK_REGION, account: MOCK_ACCOUNT, code: "exports.handler = async () => ({})", keySecretArn: KEY_SECRET, keyVersionId: "v1" });
    const site = new DashboardSite("gs-dashboard", { app: "grow-station", bundleDir: FIXTURE_BUNDLE, manifestJson: "{}", webSnapshotBase64: "", configJson: "{}", apis: [jobs.route, fleetStatus.route] });
    jobs.allowDistribution(site.distribution.arn);
    await valueOf(site.url as pulumi.Output<string>);
    await settled(mocks);
  });

  it("gives the Lambda only this app's jobs: list, read, cancel; and the token key", () => {
    const statements = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", "gs-jobs-api-access").inputs.policy).Statement as { Action: string[]; Resource: string }[];
    assert.deepEqual(statements, jobsApiStatements({ app: "grow-station", region: MOCK_REGION, account: MOCK_ACCOUNT }, KEY_SECRET));
    const allowed = (action: string, resource: string) => statements.some((s) => s.Action.includes(action) && matchesPattern(s.Resource, resource));
    const job = (id: string) => `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}:job/${id}`;
    assert.ok(allowed("iot:CancelJob", job("grow-station-0123abcd")));
    assert.ok(allowed("iot:DescribeJob", job("grow-station-0123abcd")));
    assert.ok(!allowed("iot:CancelJob", job("billing-app-0123abcd")), "another app's job");
    assert.ok(!allowed("iot:DeleteJob", job("grow-station-0123abcd")));
    assert.ok(!allowed("iot:CreateJob", job("grow-station-0123abcd")));
    assert.ok(!allowed("iot:CancelJobExecution", `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}:thing/gh-1`));
    assert.ok(!statements.some((s) => s.Action.some((a) => a.includes("*"))), "no action wildcards");
    const fn = mocks.one("aws:lambda/function:Function", "grow-station-jobs");
    assert.equal(fn.inputs.handler, "index.handler");
    assert.equal(fn.inputs.environment.variables.SNAPFLEET_DASHBOARD_KEY_SECRET_ARN, KEY_SECRET);
  });

  it("serves /api/jobs* on the dashboard's domain ahead of the fleet-status API, uncached, POST allowed, through CloudFront only", () => {
    assert.equal(mocks.one("aws:lambda/functionUrl:FunctionUrl", "gs-jobs-api").inputs.authorizationType, "AWS_IAM");
    const cdn = mocks.one("aws:cloudfront/distribution:Distribution");
    const behaviors = cdn.inputs.orderedCacheBehaviors as { pathPattern: string; targetOriginId: string; allowedMethods: string[]; cachePolicyId: string }[];
    const route = (requestPath: string) => behaviors.find((b) => cloudFrontMatches(b.pathPattern, requestPath))?.targetOriginId;
    for (const p of [JOBS_API_PATH, JOB_EXECUTIONS_PATH, JOB_CANCEL_PATH]) assert.equal(route(`/${p}`), "jobs-api", p);
    assert.equal(route(`/${FLEET_STATUS_PATH}`), "fleet-status-api");
    const jobs = behaviors.find((b) => b.targetOriginId === "jobs-api")!;
    assert.ok(jobs.allowedMethods.includes("POST"));
    assert.equal(jobs.cachePolicyId, "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "CachingDisabled");
    const origin = cdn.inputs.origins.find((o: { originId: string }) => o.originId === "jobs-api");
    assert.equal(origin.domainName, `gs-jobs-api-url.lambda-url.${MOCK_REGION}.on.aws`);
    const permissions = mocks.ofType("aws:lambda/permission:Permission").filter((p) => p.name.startsWith("gs-jobs-api"));
    assert.deepEqual(permissions.map((p) => p.inputs.action).sort(), ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]);
    for (const p of permissions) assert.match(p.inputs.sourceArn, /cloudfront\/distribution:Distribution\/gs-dashboard-cdn$/);
  });
});
