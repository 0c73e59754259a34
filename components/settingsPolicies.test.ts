/** Settings on AWS (Pulumi mocks): a thermostat with settings gets device policies that grant
 * exactly its own thing's settings shadow topics (packed with the channels within AWS's 2,048
 * characters), and the dashboard's authorizer answers with a policy that reads and sets the
 * settings shadows and nothing more of `$aws`. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dashboardClientIdPrefix, evaluatePolicies, MAX_POLICY_DOCUMENT_CHARS, policyDocumentSize, topicArn, topicFilterArn, type NamedPolicy, type PolicyAction, type PolicyDocument } from "../core/policy";
import { settingsShadowName } from "../core/settings/settingDecl";
import { shadowTopics } from "../core/shadow/shadowTopics";
import { createAuthorizerHandler } from "../lambda/authorizer/handler";
import { fromEnvironment, AUTHORIZER_ENV } from "../lambda/authorizer/index";
import { mintDashboardToken } from "../core/contracts/dashboardToken";
import { FeatureApp } from "./featureApp";
import { MOCK_ACCOUNT, MOCK_REGION, settled, useAwsMocks, valueOf, type AwsMocks } from "./testing/mockAws";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");
const APP = "thermo";
const SHADOW = settingsShadowName(APP);

describe("settings on AWS: least-privilege shadow rights (Pulumi mocks)", function () {
  this.timeout(60_000);
  let dir: string;
  let mocks: AwsMocks;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-settings-aws-"));
    const entry = path.join(dir, "app.ts");
    // Ten channels with long names: the shadow's rights must still pack within AWS's limits.
    const channels = Array.from({ length: 10 }, (_, i) => `  api.newCommsChannel("greenhouse-zone-${i}-temperature");`).join("\n");
    fs.writeFileSync(
      entry,
      `export function App(api: any) {
${channels}
  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });
  api.mcu.onStart(() => api.log("setpoint " + setpoint.value));
  api.registerUiControl((el: any) => el.slider({ min: 5, max: 35, value: setpoint.value }, (v: number) => setpoint.set(v)), { title: "Thermostat" });
}
`,
    );
    mocks = await useAwsMocks();
    const app = new FeatureApp(APP, { entry, fleet: { devices: ["gh-1", "gh-2"] }, dashboardBundleDir: FIXTURE_BUNDLE });
    await valueOf(app.jobId);
    await settled(mocks);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const topic = (t: string) => topicArn(MOCK_REGION, MOCK_ACCOUNT, t);
  const filter = (t: string) => topicFilterArn(MOCK_REGION, MOCK_ACCOUNT, t);

  it("a device may get and update its own settings shadow and hear its answers, nothing of other things' or other shadows", () => {
    const policies: NamedPolicy[] = mocks.ofType("aws:iot/policy:Policy").map((p) => ({ name: p.inputs.name, document: JSON.parse(p.inputs.policy) }));
    for (const p of policies) assert.ok(policyDocumentSize(p.document) <= MAX_POLICY_DOCUMENT_CHARS, `${p.name} fits`);
    const can = (action: PolicyAction, resource: string) => evaluatePolicies(policies, { action, resource, context: { thingName: "gh-1", clientId: "gh-1" } }).allowed;
    for (const op of ["get", "update"] as const) {
      assert.ok(can("iot:Publish", topic(shadowTopics.request("gh-1", SHADOW, op))), op);
      assert.ok(!can("iot:Publish", topic(shadowTopics.request("gh-2", SHADOW, op))), `${op} of another thing`);
      assert.ok(!can("iot:Publish", topic(shadowTopics.request("gh-1", "other", op))), `${op} of another shadow`);
      assert.ok(!can("iot:Publish", topic(shadowTopics.request("gh-1", undefined, op))), `${op} of the classic shadow`);
    }
    assert.ok(!can("iot:Publish", topic(shadowTopics.request("gh-1", SHADOW, "delete"))), "no delete");
    for (const [op, response] of [["get", "accepted"], ["get", "rejected"], ["update", "delta"], ["update", "rejected"]] as const) {
      const t = shadowTopics.response("gh-1", SHADOW, op, response);
      assert.ok(can("iot:Subscribe", filter(t)) && can("iot:Receive", topic(t)), t);
      assert.ok(!can("iot:Receive", topic(shadowTopics.response("gh-2", SHADOW, op, response))), `another thing's ${op}/${response}`);
    }
    assert.ok(!can("iot:Subscribe", filter(shadowTopics.response("gh-1", SHADOW, "update", "documents"))), "documents are not the device's");
    assert.ok(!can("iot:Subscribe", filter(`$aws/things/gh-1/shadow/#`)), "no wildcard over shadows");
  });

  it("the dashboard's authorizer policy reads every device's settings shadow, an operator's also sets it, and nothing else of $aws", async () => {
    const fn = mocks.ofType("aws:lambda/function:Function").find((f) => f.inputs.environment?.variables?.[AUTHORIZER_ENV.app] === APP)!;
    const env = fn.inputs.environment.variables as Record<string, string>;
    assert.deepEqual(JSON.parse(env[AUTHORIZER_ENV.settings]), [{ name: "setpoint", default: 21, min: 5, max: 35 }]);
    // The handler as Lambda builds it from that environment, with a faked key.
    const key = new Uint8Array(32).fill(7);
    const handler = createAuthorizerHandler({ ...configFrom(env), loadKey: async () => key });
    assert.ok(fromEnvironment({ ...env, AWS_REGION: MOCK_REGION }), "the Lambda entry reads the environment");
    for (const role of ["viewer", "operator"] as const) {
      const token = mintDashboardToken(key, APP, 3_600_000, Date.now(), role);
      const answer = await handler({ protocolData: { mqtt: { clientId: `${dashboardClientIdPrefix(APP)}abc`, password: Buffer.from(token).toString("base64") } }, connectionMetadata: { id: "c1" } } as any);
      assert.equal(answer.isAuthenticated, true);
      assert.equal(answer.policyDocuments.length, 2, "the settings rights come as a second document");
      const documents = answer.policyDocuments.map((d) => JSON.parse(d) as PolicyDocument);
      for (const d of documents) assert.ok(policyDocumentSize(d) <= MAX_POLICY_DOCUMENT_CHARS);
      const named = documents.map((document, i) => ({ name: `dashboard-${i}`, document }));
      const can = (action: PolicyAction, resource: string) => evaluatePolicies(named, { action, resource, context: { clientId: `${dashboardClientIdPrefix(APP)}abc` } }).allowed;
      // Changing a setting is an operator's action (core/contracts/dashboardRoles.ts).
      assert.equal(can("iot:Publish", topic(shadowTopics.request("gh-2", SHADOW, "update"))), role === "operator", `${role}: update`);
      assert.ok(can("iot:Publish", topic(shadowTopics.request("gh-2", SHADOW, "get"))));
      assert.ok(!can("iot:Publish", topic(shadowTopics.request("gh-2", SHADOW, "delete"))), "no delete");
      assert.ok(!can("iot:Publish", topic(shadowTopics.request("gh-2", "other", "update"))), "another shadow");
      for (const [op, response] of [["get", "accepted"], ["get", "rejected"], ["update", "documents"], ["update", "rejected"]] as const) {
        assert.ok(can("iot:Subscribe", filter(shadowTopics.response("+", SHADOW, op, response))), `${op}/${response} for the fleet`);
        assert.ok(can("iot:Receive", topic(shadowTopics.response("gh-1", SHADOW, op, response))));
      }
      assert.ok(!can("iot:Subscribe", filter(shadowTopics.response("+", SHADOW, "update", "delta"))), "delta is the device's");
      assert.ok(!can("iot:Subscribe", filter("$aws/things/+/jobs/notify-next")), "no jobs topics");
    }
  });
});

function configFrom(env: Record<string, string>) {
  return { app: env[AUTHORIZER_ENV.app], region: MOCK_REGION, account: env[AUTHORIZER_ENV.account], channels: JSON.parse(env[AUTHORIZER_ENV.channels]), settings: JSON.parse(env[AUTHORIZER_ENV.settings]) };
}
