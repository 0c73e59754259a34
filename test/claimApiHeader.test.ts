/** The C device's fleet provisioning names come from the TypeScript contract (scripts/claimApiHeader.mjs). */
import assert from "node:assert/strict";
import path from "node:path";
import * as claimApi from "../core/provisioning/claimApi";
import * as clientIds from "../core/policy/clientIds";
import * as approval from "../core/provisioning/approval";
import * as names from "../core/contracts/names";

const ROOT = path.join(__dirname, "..");

describe("the claim API header for the C device (scripts/claimApiHeader.mjs)", () => {
  let claimApiHeader: (modules: object) => string;
  before(async () => {
    ({ claimApiHeader } = await import(path.join(ROOT, "scripts/claimApiHeader.mjs") as string));
  });

  it("renders each name from the TypeScript functions, %s where the app, serial or template goes", () => {
    const header = claimApiHeader({ ...claimApi, ...clientIds, ...approval, ...names });
    // cString's C literal back to its text: `\xNN""` escapes (a quote among them), ASCII otherwise.
    const format = (name: string) =>
      new RegExp(`#define ${name} "(.*)"\n`)
        .exec(header)![1]
        .replace(/\\x([0-9a-f]{2})""/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    const fill = (text: string, ...values: string[]) => values.reduce((t, v) => t.replace("%s", v), text);
    assert.equal(format("SF_CLAIM_CREATE_KEYS_TOPIC"), claimApi.CREATE_KEYS_TOPIC);
    assert.equal(format("SF_CLAIM_SERIAL_PARAMETER"), claimApi.SERIAL_PARAMETER);
    assert.equal(fill(format("SF_CLAIM_REGISTER_TOPIC_FORMAT"), "sf-tank-claim"), claimApi.registerThingTopic("sf-tank-claim"));
    assert.equal(fill(format("SF_CLAIM_TEMPLATE_FORMAT"), "tank"), claimApi.provisioningTemplateName("tank"));
    assert.equal(fill(format("SF_CLAIM_CLIENT_ID_FORMAT"), "tank", "sn-1"), `${clientIds.claimClientIdPrefix("tank")}sn-1`);
    assert.equal(fill(format("SF_DASHBOARD_CLIENT_ID_PREFIX_FORMAT"), "tank"), clientIds.dashboardClientIdPrefix("tank"));
    assert.equal(fill(format("SF_SERVER_CLIENT_ID_FORMAT"), "tank"), clientIds.serverClientId("tank"));
    assert.equal(fill(format("SF_CLAIM_SERIAL_NAME_PROBLEM_FORMAT"), "SN_1"), approval.claimSerialProblem("tank", "SN_1"));
    assert.equal(fill(format("SF_CLAIM_SERIAL_RESERVED_FORMAT"), "sf-tank-server"), approval.claimSerialProblem("tank", "sf-tank-server"));
    assert.match(header, new RegExp(`#define SF_NAME_MAX_LENGTH ${names.NAME_MAX_LENGTH}\n`));
  });

  it("refuses a rendering whose format would read the wrong arguments", () => {
    assert.throws(() => claimApiHeader({ ...claimApi, ...clientIds, ...approval, ...names, provisioningTemplateName: (app: string) => `sf-${app}-claim-100%` }), /SF_CLAIM_TEMPLATE_FORMAT .* must hold 1 %s and no other %/);
    assert.throws(() => claimApiHeader({ ...claimApi, ...clientIds, ...approval, ...names, registerThingTopic: () => "$aws/provisioning-templates/x/provision/json" }), /SF_CLAIM_REGISTER_TOPIC_FORMAT/);
  });
});
