/** The approvals API Lambda called directly with function-URL events, over the same (faked)
 * DynamoDB table the pre-provisioning hook Lambda reads and writes: a board asks, is listed as
 * pending, a viewer's approve is refused without touching the table, an operator's lets the
 * board's next request through. */
import assert from "node:assert/strict";
import { decodeApprovalAnswer, decodeApprovalsPage } from "../../core/contracts/approvalsApi";
import { mintDashboardToken } from "../../core/contracts/dashboardToken";
import { FLEET_STATUS_TOKEN_HEADER } from "../../core/contracts/fleetStatus";
import { bundleLambda } from "../../components/authorizerBundle";
import { fakeApprovalsTable } from "../provisioningHook/fakeApprovalsDynamoDb";
import { createPreProvisioningHook } from "../provisioningHook/handler";
import { createApprovalsApi, type ApprovalsApiEvent } from "./handler";

const APP = "grow";
const KEY = Buffer.alloc(32, 9);
const NOW = Date.UTC(2026, 0, 1);
const viewer = mintDashboardToken(KEY, APP, 60_000, NOW);
const operator = mintDashboardToken(KEY, APP, 60_000, NOW, "operator");

const request = (method: string, rawPath: string, query = "", token: string | null = viewer): ApprovalsApiEvent => ({
  rawPath,
  rawQueryString: query,
  headers: token === null ? {} : { [FLEET_STATUS_TOKEN_HEADER]: token },
  requestContext: { http: { method } },
});

describe("approvals API Lambda (handler called directly, DynamoDB faked)", () => {
  it("lists the board the hook refused as pending; a viewer's approve is refused, an operator's lets the board in", async () => {
    const { items, sent, table } = fakeApprovalsTable();
    const log: string[] = [];
    const hook = createPreProvisioningHook({ context: { app: APP }, approvals: table, now: () => NOW });
    const api = createApprovalsApi({ app: APP, table, loadKey: async () => KEY, now: () => NOW + 5000, log: (l) => log.push(l) });
    const ask = () => hook({ claimCertificateId: "claim1", clientId: "sf-grow-claim-x", parameters: { SerialNumber: "sn-7" } });
    assert.deepEqual(await ask(), { allowProvisioning: false });
    items.set("sn-1", { serial: { S: "sn-1" }, state: { S: "approved" }, decidedAt: { N: String(NOW - 1) } });

    const listed = await api(request("GET", "/api/approvals"));
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(decodeApprovalsPage(JSON.parse(listed.body)).devices, [
      { serial: "sn-7", state: "pending", firstSeen: NOW },
      { serial: "sn-1", state: "approved", decidedAt: NOW - 1 },
    ]);

    const writesBefore = sent.filter((c) => c === "UpdateItemCommand").length;
    const refused = await api(request("POST", "/api/approvals/approve", "serial=sn-7", viewer));
    assert.equal(refused.statusCode, 403);
    assert.match(JSON.parse(refused.body).error, /viewer link: to approve or deny a pending device you need an operator link \(the "operator" link snapfleet dev prints; for a deployment: snapfleet dashboard-link --role operator\)/);
    assert.equal(sent.filter((c) => c === "UpdateItemCommand").length, writesBefore, "a viewer's request writes nothing");
    assert.equal(items.get("sn-7")?.state.S, "pending");

    const approved = await api(request("POST", "/api/approvals/approve", "serial=sn-7", operator));
    assert.equal(approved.statusCode, 200, approved.body);
    assert.deepEqual(decodeApprovalAnswer(JSON.parse(approved.body)), { serial: "sn-7", state: "approved", firstSeen: NOW, decidedAt: NOW + 5000 });
    assert.equal(items.get("sn-7")?.expiresAt, undefined, "a decided board no longer expires");
    assert.deepEqual(await ask(), { allowProvisioning: true, parameterOverrides: {} });
    // The approval is used up: listed as joined (not pending), the next ask is refused; the
    // operator approves again for a board that lost its identity.
    const afterJoin = decodeApprovalsPage(JSON.parse((await api(request("GET", "/api/approvals"))).body)).devices;
    assert.deepEqual(afterJoin.find((d) => d.serial === "sn-7"), { serial: "sn-7", state: "joined", firstSeen: NOW, decidedAt: NOW + 5000, joinedAt: NOW });
    assert.deepEqual(await ask(), { allowProvisioning: false });
    const again = await api(request("POST", "/api/approvals/approve", "serial=sn-7", operator));
    assert.equal(decodeApprovalAnswer(JSON.parse(again.body)).state, "approved");
    assert.deepEqual(await ask(), { allowProvisioning: true, parameterOverrides: {} });
    log.splice(2);
    assert.deepEqual(log, ["approvals API: api/approvals/approve?serial=sn-7 answered 403", "approvals API: api/approvals/approve?serial=sn-7 answered 200"]);

    // Deny before the board ever asked: it is refused when it does.
    const denied = await api(request("POST", "/api/approvals/deny", "serial=sn-8", operator));
    assert.equal(JSON.parse(denied.body).device.state, "denied");
    assert.deepEqual(await hook({ parameters: { SerialNumber: "sn-8" } }), { allowProvisioning: false });
  });

  it("refuses a missing or forged token, the wrong method, a bad or reserved serial, and says what to send", async () => {
    const { table, items } = fakeApprovalsTable();
    const api = createApprovalsApi({ app: APP, table, loadKey: async () => KEY, now: () => NOW });
    const answer = async (event: ApprovalsApiEvent) => {
      const result = await api(event);
      return [result.statusCode, JSON.parse(result.body).error as string, result.headers.allow] as const;
    };
    assert.deepEqual((await answer(request("GET", "/api/approvals", "", null))).slice(0, 1), [401]);
    const forged = mintDashboardToken(Buffer.alloc(32, 1), APP, 60_000, NOW, "operator");
    assert.match((await answer(request("POST", "/api/approvals/approve", "serial=sn-1", forged)))[1], /signature is wrong/);
    assert.deepEqual(await answer(request("GET", "/api/approvals/approve", "serial=sn-1", operator)), [405, "/api/approvals/approve takes POST (it decides about a board), not GET", "POST"]);
    assert.deepEqual((await answer(request("POST", "/api/approvals", "", operator))).slice(0, 1), [405]);
    assert.deepEqual(await answer(request("POST", "/api/approvals/approve", "", operator)), [400, "/api/approvals/approve needs ?serial=<the board's serial>", undefined]);
    assert.match((await answer(request("POST", "/api/approvals/approve", "serial=SN%201", operator)))[1], /^serial name "SN 1" is invalid/);
    assert.match((await answer(request("POST", "/api/approvals/approve", "serial=sf-grow-server", operator)))[1], /reserved for the app's server/);
    assert.deepEqual((await answer(request("GET", "/api/approvals/list", "", operator))).slice(0, 1), [404]);
    assert.equal(items.size, 0, "nothing refused was written");
  });

  it("bundles without the SDK", async function () {
    this.timeout(20_000);
    const code = await bundleLambda("approvalsApi");
    assert.match(code, /require\("@aws-sdk\/client-dynamodb"\)/);
    const module = { exports: {} as Record<string, unknown> };
    new Function("module", "exports", "require", code)(module, module.exports, require);
    assert.equal(typeof module.exports.handler, "function");
  });
});
