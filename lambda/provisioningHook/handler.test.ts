/** The pre-provisioning hook Lambda called directly with AWS's hook input, against a stand-in for
 * DynamoDB (GetItem, and PutItem with its condition: fakeApprovalsDynamoDb.ts) holding the
 * operator's approvals. */
import assert from "node:assert/strict";
import { bundleLambda } from "../../components/authorizerBundle";
import { PENDING_TTL_SECONDS } from "./dynamoApprovals";
import { fakeApprovalsTable } from "./fakeApprovalsDynamoDb";
import { createPreProvisioningHook, type PreProvisioningEvent } from "./handler";
import { PROVISIONING_HOOK_ENV, readHookContext } from "./index";

const NOW = Date.UTC(2026, 0, 1);
const event = (parameters: Record<string, string> | undefined): PreProvisioningEvent => ({
  claimCertificateId: "claim123",
  certificateId: "cert456",
  certificatePem: "-----BEGIN CERTIFICATE-----",
  templateArn: "arn:aws:iot:eu-west-1:123456789012:provisioningtemplate/sf-grow-claim",
  clientId: "sf-grow-claim-sn-1",
  parameters,
});

describe("pre-provisioning hook Lambda (handler called directly, DynamoDB faked)", () => {
  it("refuses an unknown board and lists it as pending; an operator's approval lets the next request through", async () => {
    const { items, table } = fakeApprovalsTable();
    const log: string[] = [];
    const hook = createPreProvisioningHook({ context: { app: "grow" }, approvals: table, now: () => NOW, log: (l) => log.push(l) });
    assert.deepEqual(await hook(event({ SerialNumber: "sn-1" })), { allowProvisioning: false });
    assert.deepEqual(items.get("sn-1"), { serial: { S: "sn-1" }, state: { S: "pending" }, firstSeen: { N: String(NOW) }, expiresAt: { N: String(NOW / 1000 + PENDING_TTL_SECONDS) }, claimCertificateId: { S: "claim123" } });
    assert.match(log[0], /refused \(client sf-grow-claim-sn-1, claim claim123\): board "sn-1" is waiting for an operator's approval/);
    // Asking again changes nothing; the operator approves (UpdateItem in the console or CLI).
    await hook(event({ SerialNumber: "sn-1" }));
    items.set("sn-1", { serial: { S: "sn-1" }, state: { S: "approved" } });
    assert.deepEqual(await hook(event({ SerialNumber: "sn-1" })), { allowProvisioning: true, parameterOverrides: {} });
    assert.equal(items.get("sn-1")?.state.S, "joined");
  });

  it("an approval lets one board through: the hook uses it up (approved → joined), so the same serial asking again is refused", async () => {
    const { items, table } = fakeApprovalsTable();
    const log: string[] = [];
    const hook = createPreProvisioningHook({ context: { app: "grow" }, approvals: table, now: () => NOW, log: (l) => log.push(l) });
    items.set("sn-1", { serial: { S: "sn-1" }, state: { S: "approved" }, decidedAt: { N: "5" } });
    assert.deepEqual(await hook(event({ SerialNumber: "sn-1" })), { allowProvisioning: true, parameterOverrides: {} });
    assert.deepEqual(items.get("sn-1"), { serial: { S: "sn-1" }, state: { S: "joined" }, decidedAt: { N: "5" }, joinedAt: { N: String(NOW) } });
    assert.deepEqual(await hook(event({ SerialNumber: "sn-1" })), { allowProvisioning: false });
    assert.equal(items.get("sn-1")?.state.S, "joined", "refused, not listed as pending");
    assert.match(log[1], /refused .*: board "sn-1" already joined the fleet with its approval/);
  });

  it("two asks racing with the same approved serial: both read approved, only the one whose conditional update succeeds is allowed", async () => {
    const { items, table } = fakeApprovalsTable();
    items.set("sn-2", { serial: { S: "sn-2" }, state: { S: "approved" } });
    const hook = createPreProvisioningHook({ context: { app: "grow" }, approvals: table, now: () => NOW });
    const results = await Promise.all([hook(event({ SerialNumber: "sn-2" })), hook(event({ SerialNumber: "sn-2" }))]);
    assert.deepEqual(results.map((r) => r.allowProvisioning).sort(), [false, true]);
    assert.equal(items.get("sn-2")?.state.S, "joined");
  });

  it("refuses a denied board without touching its item, and a request without a valid serial", async () => {
    const { items, table } = fakeApprovalsTable();
    const hook = createPreProvisioningHook({ context: { app: "grow" }, approvals: table, now: () => NOW });
    items.set("sn-9", { serial: { S: "sn-9" }, state: { S: "denied" } });
    assert.deepEqual(await hook(event({ SerialNumber: "sn-9" })), { allowProvisioning: false });
    assert.deepEqual(items.get("sn-9"), { serial: { S: "sn-9" }, state: { S: "denied" } });
    for (const parameters of [undefined, {}, { SerialNumber: "SN 9" }, { SerialNumber: "sf-grow-server" }]) {
      assert.deepEqual(await hook(event(parameters as Record<string, string> | undefined)), { allowProvisioning: false });
    }
    assert.equal(items.size, 1, "nothing invalid is listed");
  });

  it("with staged rollouts, names the approved board's stage group for the template", async () => {
    const { items, table } = fakeApprovalsTable();
    items.set("sn-1", { serial: { S: "sn-1" }, state: { S: "approved" } });
    const stages = [{ percent: 50, waitMinutes: 10 }, { percent: 100 }];
    const hook = createPreProvisioningHook({ context: { app: "grow", thingGroup: "grow", stages }, approvals: table });
    const result = await hook(event({ SerialNumber: "sn-1" }));
    assert.equal(result.allowProvisioning, true);
    assert.match(result.parameterOverrides?.StageGroup ?? "", /^grow-stage-[12]$/);
  });

  it("reads its context from the environment, refusing a broken one by name, and bundles without the SDK", async function () {
    this.timeout(20_000);
    assert.deepEqual(readHookContext({ [PROVISIONING_HOOK_ENV.context]: JSON.stringify({ app: "grow" }) }), { app: "grow" });
    assert.throws(() => readHookContext({}), /SNAPFLEET_PROVISIONING is not set/);
    assert.throws(() => readHookContext({ [PROVISIONING_HOOK_ENV.context]: JSON.stringify({ app: "grow", stages: [{ percent: 20 }] }) }), /the last stage must be 100/);
    const code = await bundleLambda("provisioningHook");
    assert.match(code, /require\("@aws-sdk\/client-dynamodb"\)/);
    const module = { exports: {} as Record<string, unknown> };
    new Function("module", "exports", "require", code)(module, module.exports, require);
    assert.equal(typeof module.exports.handler, "function");
  });
});
