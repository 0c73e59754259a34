import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { evaluatePolicies, topicArn, topicFilterArn, clientArn, type PolicyDocument } from "../core/policy";
import { CREATE_KEYS_TOPIC, provisioningTemplateName, registerThingTopic } from "../core/provisioning/claimApi";
import { readHookContext, PROVISIONING_HOOK_ENV } from "../lambda/provisioningHook/index";
import { FeatureApp } from "./featureApp";
import { THINGS_REGISTRATION_POLICY_ARN } from "./claimProvisioning";
import { cloudFrontMatches } from "./testing/cloudFrontPaths";
import { MOCK_ACCOUNT, MOCK_REGION, settled, useAwsMocks, valueOf, type AwsMocks } from "./testing/mockAws";
import { APPROVALS_API_PATH, APPROVE_PATH, DENY_PATH } from "../core/contracts/approvalsApi";
import { FLEET_STATUS_PATH } from "../core/contracts/fleetStatus";
import { APPROVALS_API_ENV } from "../lambda/approvalsApi/index";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");

const dashboardConfigOf = (mocks: AwsMocks) =>
  JSON.parse(mocks.ofType("aws:s3/bucketObjectv2:BucketObjectv2").find((o) => o.inputs.key === "dashboard-config.json")!.inputs.content) as { onboarding?: boolean };

describe("FeatureApp fleet.claimBatches: onboarding by claim on AWS (Pulumi mocks)", function () {
  this.timeout(60_000);
  let entry: string;
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-featureapp-claims-"));
    entry = path.join(dir, "app.ts");
    fs.writeFileSync(entry, `export function App(api: any) {\n  const level = api.newCommsChannel("level", { qos: 1 });\n  api.mcu.setInterval(() => level.pushMessageToServer(1), 1000);\n}\n`);
  });
  after(() => fs.rmSync(path.dirname(entry), { recursive: true, force: true }));

  it("makes the template with the hook, a claim certificate per batch with the claim policy, and the approvals table", async () => {
    const mocks = await useAwsMocks();
    const app = new FeatureApp("tank", { entry, fleet: { claimBatches: ["batch-1", "batch-2"] }, ota: { stages: [{ percent: 10, waitMinutes: 5 }, { percent: 100 }] }, dashboardBundleDir: FIXTURE_BUNDLE });
    await valueOf(app.jobId);
    await settled(mocks);

    const template = mocks.one("aws:iot/provisioningTemplate:ProvisioningTemplate");
    assert.equal(template.inputs.name, provisioningTemplateName("tank"));
    assert.equal(template.inputs.type, "FLEET_PROVISIONING");
    assert.deepEqual(template.inputs.preProvisioningHook, { targetArn: `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:aws:lambda/function:Function/tank-cl-hook`, payloadVersion: "2020-04-01" });
    const body = JSON.parse(template.inputs.templateBody);
    const devicePolicies = mocks.ofType("aws:iot/policy:Policy").map((p) => p.inputs.name).filter((n: string) => n.includes("device"));
    assert.deepEqual(Object.values(body.Resources).filter((r: any) => r.Type === "AWS::IoT::Policy").map((r: any) => r.Properties.PolicyName), devicePolicies);
    assert.deepEqual(body.Resources.thing.Properties.ThingName, { Ref: "SerialNumber" });
    assert.deepEqual(body.Resources.thing.Properties.ThingGroups, ["tank", { Ref: "StageGroup" }]);
    assert.equal(body.Resources.certificate.Properties.Status, "ACTIVE");
    const provisioningRole = mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").find((a) => a.inputs.policyArn === THINGS_REGISTRATION_POLICY_ARN);
    assert.ok(provisioningRole, "the provisioning role has AWSIoTThingsRegistration");

    const hook = mocks.one("aws:lambda/function:Function", "cl-hook");
    assert.equal(hook.inputs.timeout, 5);
    assert.deepEqual(readHookContext(hook.inputs.environment.variables), { app: "tank", thingGroup: "tank", stages: [{ percent: 10, waitMinutes: 5 }, { percent: 100 }] });
    assert.match(hook.inputs.environment.variables[PROVISIONING_HOOK_ENV.table], /approvals/);
    const invoke = mocks.ofType("aws:lambda/permission:Permission").find((p) => p.inputs.principal === "iot.amazonaws.com")!;
    assert.equal(invoke.inputs.sourceAccount, MOCK_ACCOUNT);
    const table = mocks.one("aws:dynamodb/table:Table", "approvals");
    assert.deepEqual([table.inputs.hashKey, table.inputs.ttl], ["serial", { attributeName: "expiresAt", enabled: true }]);
    const hookAccess = JSON.parse(mocks.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.includes("hook-access"))!.inputs.policy);
    // Read, add pending, use an approval up (approved → joined): on the approvals table only.
    assert.deepEqual(hookAccess.Statement, [{ Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], Resource: hookAccess.Statement[0].Resource }]);
    assert.match(hookAccess.Statement[0].Resource, /approvals/);

    assert.equal(mocks.ofType("aws:iot/certificate:Certificate").length, 2, "one claim per batch (no devices listed)");
    const claimPolicy = mocks.one("aws:iot/policy:Policy", "claim-policy");
    assert.equal(mocks.ofType("aws:iot/policyAttachment:PolicyAttachment").filter((a) => a.name.includes("claim-policy")).length, 2);
    // The attached document, evaluated: the provisioning requests yes, anything of the fleet no.
    const document = JSON.parse(claimPolicy.inputs.policy) as PolicyDocument;
    const allows = (action: "iot:Publish" | "iot:Subscribe" | "iot:Receive" | "iot:Connect", resource: string, clientId = "sf-tank-claim-sn-1") =>
      evaluatePolicies([{ name: "claim", document }], { action, resource, context: { clientId } }).allowed;
    const r = MOCK_REGION;
    const a = MOCK_ACCOUNT;
    assert.ok(allows("iot:Connect", clientArn(r, a, "sf-tank-claim-sn-1")));
    assert.ok(!allows("iot:Connect", clientArn(r, a, "sn-1")), "a claim can't take a device's client id");
    assert.ok(allows("iot:Publish", topicArn(r, a, CREATE_KEYS_TOPIC)));
    assert.ok(allows("iot:Publish", topicArn(r, a, registerThingTopic("sf-tank-claim"))));
    assert.ok(!allows("iot:Publish", topicArn(r, a, `${CREATE_KEYS_TOPIC}/accepted`)), "a claim can't forge answers");
    assert.ok(!allows("iot:Publish", topicArn(r, a, registerThingTopic("other-template"))));
    assert.ok(allows("iot:Subscribe", topicFilterArn(r, a, `${registerThingTopic("sf-tank-claim")}/accepted`)));
    assert.ok(!allows("iot:Subscribe", topicFilterArn(r, a, "sf/tank/+/_status")));
    assert.ok(!allows("iot:Publish", topicArn(r, a, "sf/tank/sn-1/level/up")));

    // The onboarding panel's API: the same table, scan and update only, operators checked in the Lambda.
    const approvalsFn = mocks.one("aws:lambda/function:Function", "tank-appr-fn");
    assert.match(approvalsFn.inputs.environment.variables[APPROVALS_API_ENV.table], /approvals/);
    const approvalsAccess = JSON.parse(mocks.one("aws:iam/rolePolicy:RolePolicy", "tank-approvals-api-access").inputs.policy).Statement as { Action: string[]; Resource: string }[];
    assert.deepEqual(approvalsAccess[0].Action, ["dynamodb:Scan", "dynamodb:UpdateItem"]);
    assert.match(approvalsAccess[0].Resource, /aws:dynamodb\/table:Table\/tank-claims-approvals$/);
    assert.deepEqual(approvalsAccess.slice(1).map((st) => st.Action), [["secretsmanager:GetSecretValue"]]);
    assert.equal(mocks.one("aws:lambda/functionUrl:FunctionUrl", "tank-approvals-api").inputs.authorizationType, "AWS_IAM");
    const cdn = mocks.one("aws:cloudfront/distribution:Distribution");
    const behaviors = cdn.inputs.orderedCacheBehaviors as { pathPattern: string; targetOriginId: string; allowedMethods: string[] }[];
    const route = (requestPath: string) => behaviors.find((b) => cloudFrontMatches(b.pathPattern, requestPath))?.targetOriginId;
    for (const p of [APPROVALS_API_PATH, APPROVE_PATH, DENY_PATH]) assert.equal(route(`/${p}`), "approvals-api", p);
    assert.equal(route(`/${FLEET_STATUS_PATH}`), "fleet-status-api");
    assert.ok(behaviors.find((b) => b.targetOriginId === "approvals-api")!.allowedMethods.includes("POST"));
    const approvalsPermissions = mocks.ofType("aws:lambda/permission:Permission").filter((p) => p.name.startsWith("tank-approvals-api"));
    assert.deepEqual(approvalsPermissions.map((p) => p.inputs.action).sort(), ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]);
    assert.equal(dashboardConfigOf(mocks).onboarding, true, "the page shows the onboarding panel");

    const claims = await valueOf(app.claims);
    assert.deepEqual(Object.keys(claims).sort(), ["batch-1", "batch-2"]);
    assert.match(claims["batch-1"].certificatePem, /mock tank-claims-batch-1-claim/);
    assert.ok(await (app.claims as any).isSecret, "the claims output is secret");
  });

  it("no claim batches: no template, hook or claim", async () => {
    const mocks = await useAwsMocks();
    const app = new FeatureApp("tank", { entry, dashboardBundleDir: FIXTURE_BUNDLE });
    await valueOf(app.jobId);
    await settled(mocks);
    assert.equal(mocks.ofType("aws:iot/provisioningTemplate:ProvisioningTemplate").length, 0);
    assert.equal(mocks.ofType("aws:lambda/function:Function").filter((f) => f.name.includes("appr")).length, 0, "no approvals API");
    assert.equal(dashboardConfigOf(mocks).onboarding, undefined, "no onboarding panel");
    assert.deepEqual(await valueOf(app.claims), {});
  });

  it("bad batch names fail the preview by field", async () => {
    await useAwsMocks();
    assert.throws(() => new FeatureApp("tank", { entry, fleet: { claimBatches: ["ok", "Bad Batch", "ok"] }, dashboardBundleDir: FIXTURE_BUNDLE }), (e: Error) => {
      assert.match(e.message, /fleet\.claimBatches\[1\]: batch name "Bad Batch" is invalid/);
      assert.match(e.message, /fleet\.claimBatches\[2\]: "ok" is listed twice/);
      return true;
    });
  });
});
