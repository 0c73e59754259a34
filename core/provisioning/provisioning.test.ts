/** The onboarding-by-claim decisions on their own (core/provisioning/): who may become a thing,
 * what the claim certificate may do, the template AWS gets, and the approvals API's answers.
 * End to end (broker, SQLite, the board's SDK) in local/provisioning/claimProvisioning.test.ts;
 * these run in milliseconds, so the mutation run (`npm run test:mutation -- provisioning`) can
 * afford them per mutant. */
import assert from "node:assert/strict";
import { APPROVALS_API_PATH, APPROVE_PATH, DENY_PATH, type ApprovalRecord } from "../contracts/approvalsApi";
import type { TokenCheck } from "../contracts/dashboardToken";
import { stageGroupName, stageOfThing, type RolloutStage } from "../jobs/stagedRollout";
import { clientArn, evaluatePolicies, topicArn, topicFilterArn, type AuthorizationRequest } from "../policy";
import { decideProvisioning, serialOf, STAGE_GROUP_PARAMETER, type ApprovalState } from "./approval";
import { answerApprovalsRequest, isApprovalsApiPath, type ApprovalsApiRequest, type ApprovalsSource } from "./approvalsApiRequest";
import { CREATE_KEYS_TOPIC, OWNERSHIP_TOKEN_TTL_MS, provisioningTemplateName, registerThingTopic, SERIAL_PARAMETER, templateOfRegisterTopic } from "./claimApi";
import { claimPolicy, claimPolicyName } from "./claimPolicy";
import { provisioningTemplateBody } from "./template";

const APP = "tank";
const states = (table: Record<string, ApprovalState>) => (serial: string) => table[serial];

describe("the pre-provisioning check: a board becomes a thing only when an operator approved its serial", () => {
  it("an approved serial becomes the thing's name, with no parameter overrides without staged rollouts", () => {
    assert.deepEqual(decideProvisioning({ [SERIAL_PARAMETER]: "sn-1" }, states({ "sn-1": "approved" }), { app: APP }), {
      allowProvisioning: true,
      thingName: "sn-1",
      parameterOverrides: {},
    });
  });

  it("an unknown board is refused and listed as pending, with the command that approves it", () => {
    const decision = decideProvisioning({ [SERIAL_PARAMETER]: "sn-2" }, states({}), { app: APP });
    assert.deepEqual(decision, {
      allowProvisioning: false,
      reason: 'board "sn-2" is waiting for an operator\'s approval (snapfleet devices approve sn-2)',
      pendingSerial: "sn-2",
    });
  });

  it("a board still pending stays pending; a denied one is refused and not listed again", () => {
    const pending = decideProvisioning({ [SERIAL_PARAMETER]: "sn-3" }, states({ "sn-3": "pending" }), { app: APP });
    assert.equal(pending.allowProvisioning, false);
    assert.equal(!pending.allowProvisioning && pending.pendingSerial, "sn-3");
    const denied = decideProvisioning({ [SERIAL_PARAMETER]: "sn-4" }, states({ "sn-4": "denied" }), { app: APP });
    assert.deepEqual(denied, { allowProvisioning: false, reason: 'board "sn-4" was denied by an operator' });
  });

  it("a joined board's approval is used up: refused, not listed as pending again, and told how to approve again", () => {
    assert.deepEqual(decideProvisioning({ [SERIAL_PARAMETER]: "sn-5" }, states({ "sn-5": "joined" }), { app: APP }), {
      allowProvisioning: false,
      reason: 'board "sn-5" already joined the fleet with its approval, which lets one board through; if that board lost its identity, approve it again (snapfleet devices approve sn-5)',
    });
  });

  it("with staged rollouts, the approved board joins the stage group its serial falls in (the same stage a device made by fleet.devices gets)", () => {
    const stages: RolloutStage[] = [{ percent: 5, waitMinutes: 30 }, { percent: 50, waitMinutes: 30 }, { percent: 100 }];
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const serial = `sn-${i}`;
      const decision = decideProvisioning({ [SERIAL_PARAMETER]: serial }, () => "approved", { app: APP, thingGroup: "tank-fleet", stages });
      assert.ok(decision.allowProvisioning);
      const group = decision.parameterOverrides[STAGE_GROUP_PARAMETER];
      assert.equal(group, stageGroupName("tank-fleet", stageOfThing(serial, stages)));
      seen.add(group);
    }
    assert.ok(seen.size >= 2, "60 serials spread over more than one stage");
    // Stages without a fleet group, or a group without stages: no stage group to join.
    for (const context of [{ app: APP, stages }, { app: APP, thingGroup: "tank-fleet" }, { app: APP, thingGroup: "tank-fleet", stages: [] }]) {
      const decision = decideProvisioning({ [SERIAL_PARAMETER]: "sn-1" }, () => "approved", context);
      assert.ok(decision.allowProvisioning);
      assert.deepEqual(decision.parameterOverrides, {});
    }
  });

  it("no serial, a serial that isn't a string, or one that can't be a thing name: refused before any approval is read, nothing listed", () => {
    const asked: string[] = [];
    const stateOf = (serial: string) => (asked.push(serial), "approved" as const);
    for (const [parameters, words] of [
      [undefined, `RegisterThing needs parameters.${SERIAL_PARAMETER}, the board's serial number`],
      [null, `RegisterThing needs parameters.${SERIAL_PARAMETER}`],
      ["sn-1", `RegisterThing needs parameters.${SERIAL_PARAMETER}`],
      [{}, `RegisterThing needs parameters.${SERIAL_PARAMETER}`],
      [{ [SERIAL_PARAMETER]: 42 }, `RegisterThing needs parameters.${SERIAL_PARAMETER}`],
      [{ [SERIAL_PARAMETER]: "SN 1" }, `parameters.${SERIAL_PARAMETER}: serial name "SN 1" is invalid`],
      [{ [SERIAL_PARAMETER]: "" }, `parameters.${SERIAL_PARAMETER}: serial name "" is invalid`],
    ] as const) {
      const decision = decideProvisioning(parameters, stateOf, { app: APP });
      assert.equal(decision.allowProvisioning, false, JSON.stringify(parameters));
      assert.ok(!decision.allowProvisioning && decision.reason.startsWith(words), `${JSON.stringify(parameters)}: ${!decision.allowProvisioning && decision.reason}`);
      assert.ok(!decision.allowProvisioning && decision.pendingSerial === undefined);
    }
    assert.deepEqual(asked, []);
  });

  it("a serial that is a client id the server, a dashboard or a claim connects with is refused (it could kick them off), whatever its approval", () => {
    for (const serial of [`sf-${APP}-server`, `sf-${APP}-dashboard-x1`, `sf-${APP}-claim-sn-1`]) {
      const parsed = serialOf({ [SERIAL_PARAMETER]: serial }, APP);
      assert.deepEqual(parsed, { problem: `parameters.${SERIAL_PARAMETER}: serial "${serial}" is a client id reserved for the app's server, dashboards or claims (it becomes the thing name)` });
      assert.equal(decideProvisioning({ [SERIAL_PARAMETER]: serial }, () => "approved", { app: APP }).allowProvisioning, false);
    }
    // Another app's reserved names are fine thing names here.
    assert.deepEqual(serialOf({ [SERIAL_PARAMETER]: "sf-other-server" }, APP), { serial: "sf-other-server" });
  });
});

describe("the fleet provisioning MQTT API's names (AWS's topics, the one template per app)", () => {
  it("the certificate ownership token lives one hour (AWS: \"expires after one hour\", fleet-provision-api.html)", () => {
    assert.equal(OWNERSHIP_TOKEN_TTL_MS, 3_600_000);
  });

  it("RegisterThing's topic names the template, and only that topic gives one back", () => {
    assert.equal(CREATE_KEYS_TOPIC, "$aws/certificates/create/json");
    assert.equal(provisioningTemplateName(APP), "sf-tank-claim");
    assert.equal(registerThingTopic("sf-tank-claim"), "$aws/provisioning-templates/sf-tank-claim/provision/json");
    assert.equal(templateOfRegisterTopic("$aws/provisioning-templates/sf-tank-claim/provision/json"), "sf-tank-claim");
    for (const topic of [
      "$aws/provisioning-templates/sf-tank-claim/provision/json/accepted",
      "$aws/provisioning-templates/sf-tank-claim/provision/cbor",
      "$aws/provisioning-templates//provision/json",
      "$aws/provisioning-templates/a/b/provision/json",
      "x$aws/provisioning-templates/t/provision/json",
      CREATE_KEYS_TOPIC,
    ]) {
      assert.equal(templateOfRegisterTopic(topic), undefined, topic);
    }
  });
});

describe("the claim policy: connect as a claim, ask for an identity, hear only the answers", () => {
  const region = "eu-west-1";
  const account = "123456789012";
  const policy = claimPolicy({ app: APP, region, account });
  const register = registerThingTopic(provisioningTemplateName(APP));
  const allows = (action: AuthorizationRequest["action"], resource: string, clientId = "sf-tank-claim-sn-1") =>
    evaluatePolicies([policy], { action, resource, context: { clientId } }).allowed;

  it("is named after the app", () => {
    assert.equal(policy.name, claimPolicyName(APP));
    assert.equal(claimPolicyName(APP), "sf-tank-claim");
  });

  it("connects only with a claim client id of this app", () => {
    assert.ok(allows("iot:Connect", clientArn(region, account, "sf-tank-claim-sn-1")));
    for (const id of ["sn-1", "sf-tank-server", "sf-tank-dashboard-1", "sf-other-claim-sn-1"]) assert.ok(!allows("iot:Connect", clientArn(region, account, id)), id);
  });

  it("publishes only the two requests, for this app's template", () => {
    assert.ok(allows("iot:Publish", topicArn(region, account, CREATE_KEYS_TOPIC)));
    assert.ok(allows("iot:Publish", topicArn(region, account, register)));
    for (const topic of [`${CREATE_KEYS_TOPIC}/accepted`, `${register}/accepted`, `${register}/rejected`, registerThingTopic("sf-other-claim"), "sf/tank/sn-1/t"]) {
      assert.ok(!allows("iot:Publish", topicArn(region, account, topic)), topic);
    }
  });

  it("subscribes to and receives the four answers, and nothing of the fleet", () => {
    for (const topic of [`${CREATE_KEYS_TOPIC}/accepted`, `${CREATE_KEYS_TOPIC}/rejected`, `${register}/accepted`, `${register}/rejected`]) {
      assert.ok(allows("iot:Subscribe", topicFilterArn(region, account, topic)), topic);
      assert.ok(allows("iot:Receive", topicArn(region, account, topic)), topic);
    }
    for (const topic of ["$aws/certificates/create/+", "sf/tank/+/_status", "$aws/things/sn-1/jobs/notify-next", `${registerThingTopic("sf-other-claim")}/accepted`]) {
      assert.ok(!allows("iot:Subscribe", topicFilterArn(region, account, topic)), topic);
      assert.ok(!allows("iot:Receive", topicArn(region, account, topic)), topic);
    }
  });
});

describe("the provisioning template AWS gets", () => {
  const parse = (staged: boolean) =>
    JSON.parse(provisioningTemplateBody({ app: APP, thingGroup: "tank-fleet", policyNames: ["sf-tank-base", "sf-tank-ch-1"], staged })) as {
      Parameters: Record<string, { Type: string }>;
      Resources: Record<string, { Type: string; Properties: Record<string, unknown>; OverrideSettings?: unknown }>;
    };

  it("a thing named by the serial in the fleet's group, its certificate activated, every device policy attached by name", () => {
    const template = parse(false);
    assert.deepEqual(template.Parameters, { [SERIAL_PARAMETER]: { Type: "String" }, "AWS::IoT::Certificate::Id": { Type: "String" } });
    assert.deepEqual(template.Resources.thing, {
      Type: "AWS::IoT::Thing",
      OverrideSettings: { AttributePayload: "MERGE", ThingGroups: "MERGE" },
      Properties: { ThingName: { Ref: SERIAL_PARAMETER }, AttributePayload: { app: APP }, ThingGroups: ["tank-fleet"] },
    });
    assert.deepEqual(template.Resources.certificate, { Type: "AWS::IoT::Certificate", Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" } });
    assert.deepEqual(template.Resources.policy0, { Type: "AWS::IoT::Policy", Properties: { PolicyName: "sf-tank-base" } });
    assert.deepEqual(template.Resources.policy1, { Type: "AWS::IoT::Policy", Properties: { PolicyName: "sf-tank-ch-1" } });
    assert.deepEqual(Object.keys(template.Resources), ["thing", "certificate", "policy0", "policy1"]);
  });

  it("with staged rollouts, the thing also joins the stage group the hook names", () => {
    const template = parse(true);
    assert.deepEqual(template.Parameters[STAGE_GROUP_PARAMETER], { Type: "String" });
    assert.deepEqual(template.Resources.thing.Properties.ThingGroups, ["tank-fleet", { Ref: STAGE_GROUP_PARAMETER }]);
  });
});

describe("the approvals API's answers (local dashboard server and the AWS Lambda)", () => {
  const record = (serial: string, state: ApprovalRecord["state"]): ApprovalRecord => ({ serial, state });
  function source(role: "viewer" | "operator" | "invalid", fail?: Error): ApprovalsSource & { decisions: [string, string][] } {
    const decisions: [string, string][] = [];
    return {
      decisions,
      verifyToken: (token): TokenCheck => (role === "invalid" || token !== "t" ? { valid: false, reason: "expired" } : { valid: true, expiresAt: 0, role }),
      list: async () => {
        if (fail) throw fail;
        return [record("sn-1", "pending")];
      },
      decide: async (serial, state) => {
        if (fail) throw fail;
        decisions.push([serial, state]);
        return record(serial, state);
      },
    };
  }
  const request = (method: string, path: string, query: Record<string, string> = {}, token: string | undefined = "t"): ApprovalsApiRequest => ({
    method,
    path,
    token,
    query: new URLSearchParams(query),
  });
  const answer = async (r: ApprovalsApiRequest, s: ApprovalsSource) => {
    const response = await answerApprovalsRequest(r, s, APP);
    return { ...response, body: JSON.parse(response.body) as Record<string, unknown> };
  };

  it("knows its three paths and nothing else", () => {
    for (const path of [APPROVALS_API_PATH, APPROVE_PATH, DENY_PATH]) assert.ok(isApprovalsApiPath(path), path);
    for (const path of ["api/approvals/", "api/approvals/list", "api/jobs", `/${APPROVALS_API_PATH}`]) assert.ok(!isApprovalsApiPath(path), path);
  });

  it("a viewer lists the boards (GET, and HEAD like GET)", async () => {
    for (const method of ["GET", "HEAD"]) {
      const response = await answer(request(method, APPROVALS_API_PATH), source("viewer"));
      assert.deepEqual(response, { status: 200, body: { devices: [record("sn-1", "pending")] } });
    }
  });

  it("an operator approves and denies, and the decision is recorded for that serial", async () => {
    const s = source("operator");
    assert.deepEqual(await answer(request("POST", APPROVE_PATH, { serial: "sn-1" }), s), { status: 200, body: { device: record("sn-1", "approved") } });
    assert.deepEqual(await answer(request("POST", DENY_PATH, { serial: "sn-2" }), s), { status: 200, body: { device: record("sn-2", "denied") } });
    assert.deepEqual(s.decisions, [["sn-1", "approved"], ["sn-2", "denied"]]);
  });

  it("a viewer's approve or deny is refused with 403, saying how to get an operator link, and nothing is written", async () => {
    const s = source("viewer");
    for (const path of [APPROVE_PATH, DENY_PATH]) {
      const response = await answer(request("POST", path, { serial: "sn-1" }), s);
      assert.equal(response.status, 403);
      assert.match(String(response.body.error), /viewer link: to approve or deny a pending device you need an operator link \(the "operator" link snapfleet dev prints; for a deployment: snapfleet dashboard-link --role operator\)/);
    }
    assert.deepEqual(s.decisions, []);
  });

  it("a refused token gets 401 with the reason, on every path, before anything is read", async () => {
    for (const [path, method] of [[APPROVALS_API_PATH, "GET"], [APPROVE_PATH, "POST"], [DENY_PATH, "POST"]]) {
      const s = source("operator", new Error("must not be reached"));
      assert.deepEqual(await answer(request(method, path, { serial: "sn-1" }, "wrong"), s), { status: 401, body: { error: "dashboard token refused: expired" } });
      const withoutToken = { ...request(method, path, { serial: "sn-1" }), token: undefined };
      assert.deepEqual(await answer(withoutToken, s), { status: 401, body: { error: "dashboard token refused: expired" } });
    }
  });

  it("the wrong method is 405 with the methods the path takes", async () => {
    const s = source("operator");
    assert.deepEqual(await answer(request("POST", APPROVALS_API_PATH), s), { status: 405, allow: "GET, HEAD", body: { error: "/api/approvals takes GET, not POST" } });
    for (const [path, method] of [[APPROVE_PATH, "GET"], [DENY_PATH, "HEAD"], [APPROVE_PATH, "PUT"]]) {
      assert.deepEqual(await answer(request(method, path, { serial: "sn-1" }), s), {
        status: 405,
        allow: "POST",
        body: { error: `/${path} takes POST (it decides about a board), not ${method}` },
      });
    }
    assert.deepEqual(s.decisions, []);
  });

  it("an unknown path is 404", async () => {
    assert.deepEqual(await answer(request("GET", "api/approvals/all"), source("operator")), { status: 404, body: { error: "no such approvals API path: /api/approvals/all" } });
  });

  it("approve or deny without a serial, or with one that can't become a thing, is 400 and writes nothing", async () => {
    const s = source("operator");
    assert.deepEqual(await answer(request("POST", APPROVE_PATH), s), { status: 400, body: { error: "/api/approvals/approve needs ?serial=<the board's serial>" } });
    const bad = await answer(request("POST", DENY_PATH, { serial: "SN 1" }), s);
    assert.equal(bad.status, 400);
    assert.match(String(bad.body.error), /^serial name "SN 1" is invalid: .* \(it becomes the thing name\)$/);
    const reserved = await answer(request("POST", APPROVE_PATH, { serial: "sf-tank-server" }), s);
    assert.deepEqual(reserved, { status: 400, body: { error: 'serial "sf-tank-server" is a client id reserved for the app\'s server, dashboards or claims (it becomes the thing name)' } });
    assert.deepEqual(s.decisions, []);
  });

  it("a store that fails is 500 with its message, for the list and for a decision", async () => {
    const s = source("operator", new Error("table not found"));
    assert.deepEqual(await answer(request("GET", APPROVALS_API_PATH), s), { status: 500, body: { error: "approvals could not be read or written: table not found" } });
    assert.deepEqual(await answer(request("POST", APPROVE_PATH, { serial: "sn-1" }), s), { status: 500, body: { error: "approvals could not be read or written: table not found" } });
  });
});
