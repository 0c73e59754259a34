import assert from "node:assert/strict";
import type { ChannelDecl } from "../contracts/manifest";
import { topics } from "../contracts/topics";
import { clientArn, devicePolicyDocuments, evaluatePolicies, MAX_POLICIES_PER_CERTIFICATE, MAX_POLICY_DOCUMENT_CHARS, policyDocumentSize, topicArn, topicFilterArn, type NamedPolicy, type PolicyAction } from "./index";
import { retiredChannels } from "./retiredChannels";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const APP = "tank";
const channel = (name: string, direction: ChannelDecl["direction"] = "device-to-server"): ChannelDecl => ({ name, qos: 1, direction, replay: 0 });

describe("retired channels: publish-only rights kept for devices still on the previous build", () => {
  const v1 = [channel("level"), channel("mode", "both"), channel("cmd", "server-to-device")];

  it("retires a channel devices could publish on that the new build removes, renames or makes server-to-device", () => {
    assert.deepEqual(retiredChannels(v1, [channel("mode", "both"), channel("cmd", "server-to-device")], []), ["level"], "removed");
    assert.deepEqual(retiredChannels(v1, [channel("tank"), channel("mode", "both"), channel("cmd", "server-to-device")], []), ["level"], "renamed");
    assert.deepEqual(retiredChannels(v1, [channel("level"), channel("mode", "server-to-device"), channel("cmd", "server-to-device")], []), ["mode"], "made server-to-device");
  });

  it("retires nothing devices never published on, nor anything on a first build", () => {
    assert.deepEqual(retiredChannels(v1, [channel("level"), channel("mode", "both")], []), [], "a server-to-device channel removed");
    assert.deepEqual(retiredChannels(v1, [...v1, channel("tank")], []), [], "a channel added");
    assert.deepEqual(retiredChannels(undefined, v1, []), [], "a first build");
  });

  it("keeps the retired set while the channels devices publish on stay the same", () => {
    const v2 = [channel("tank"), channel("mode", "both")];
    const retired = retiredChannels(v1, v2, []);
    assert.deepEqual(retired, ["level"]);
    assert.deepEqual(retiredChannels(v2, v2, retired), ["level"], "a build that changes code only");
    assert.deepEqual(retiredChannels(v2, [channel("tank", "both"), channel("mode", "both"), channel("cmd2", "server-to-device")], retired), ["level"], "a direction widened, a server-to-device channel added: devices publish where they did");
  });

  it("recomputes it at the next channel change, so a right lives for one change", () => {
    const v2 = [channel("tank"), channel("mode", "both")];
    assert.deepEqual(retiredChannels(v2, [channel("gauge"), channel("mode", "both")], ["level"]), ["tank"], "level lapses, tank is retired");
    assert.deepEqual(retiredChannels(v2, [...v2, channel("extra")], ["level"]), [], "a channel added lapses level too");
  });

  it("a retired channel declared again is a normal channel", () => {
    assert.deepEqual(retiredChannels([channel("tank")], [channel("tank"), channel("level")], ["level"]), []);
    assert.deepEqual(retiredChannels([channel("tank")], [channel("tank")], ["level"]), ["level"], "unchanged: kept");
  });
});

describe("device policies with retired channels", () => {
  const base = { app: APP, region: REGION, account: ACCOUNT };
  const me = "tank-1";
  const decide = (policies: readonly NamedPolicy[], action: PolicyAction, resource: string) => evaluatePolicies(policies, { action, resource, context: { thingName: me, clientId: me } }).allowed;

  it("grant publish on the retired channel's up topic of the device itself, and nothing else", () => {
    const policies = devicePolicyDocuments({ ...base, channels: [channel("tank")], retired: ["level"] });
    const up = topics.up(APP, me, "level");
    assert.equal(decide(policies, "iot:Publish", topicArn(REGION, ACCOUNT, up)), true, "publish on its up topic");
    assert.equal(decide(policies, "iot:Subscribe", topicFilterArn(REGION, ACCOUNT, up)), false, "no subscribe");
    assert.equal(decide(policies, "iot:Receive", topicArn(REGION, ACCOUNT, up)), false, "no receive");
    for (const t of [topics.down(APP, me, "level"), topics.broadcastDown(APP, "level")]) {
      for (const action of ["iot:Publish", "iot:Receive"] as const) assert.equal(decide(policies, action, topicArn(REGION, ACCOUNT, t)), false, `${action} ${t}`);
      assert.equal(decide(policies, "iot:Subscribe", topicFilterArn(REGION, ACCOUNT, t)), false, `subscribe ${t}`);
    }
    assert.equal(decide(policies, "iot:Publish", topicArn(REGION, ACCOUNT, topics.up(APP, "tank-2", "level"))), false, "another thing's up topic");
    assert.equal(decide(policies, "iot:Publish", topicArn(REGION, ACCOUNT, topics.up(APP, me, "other"))), false, "a channel neither declared nor retired");
    assert.equal(decide(policies, "iot:Connect", clientArn(REGION, ACCOUNT, me)), true, "the base policy is still there");
  });

  it("a retired channel declared server-to-device keeps its down rights and gains publish on up", () => {
    const policies = devicePolicyDocuments({ ...base, channels: [channel("mode", "server-to-device")], retired: ["mode"] });
    assert.equal(decide(policies, "iot:Publish", topicArn(REGION, ACCOUNT, topics.up(APP, me, "mode"))), true);
    assert.equal(decide(policies, "iot:Receive", topicArn(REGION, ACCOUNT, topics.down(APP, me, "mode"))), true);
    assert.equal(decide(policies, "iot:Publish", topicArn(REGION, ACCOUNT, topics.down(APP, me, "mode"))), false);
  });

  it("no retired channels: the documents are byte-identical to those of a build without the argument", () => {
    const channels = [channel("tank"), channel("mode", "both")];
    assert.deepEqual(devicePolicyDocuments({ ...base, channels, retired: [] }), devicePolicyDocuments({ ...base, channels }));
  });

  it("thirty channels renamed in one build still fit AWS's limits; forty don't, and the error says what to do", () => {
    const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(2, "0")}`);
    const renamed = (n: number) => {
      const next = names("new", n).map((name) => channel(name, "both"));
      return { next, retired: retiredChannels(names("old", n).map((name) => channel(name, "both")), next, []) };
    };
    const thirty = renamed(30);
    assert.equal(thirty.retired.length, 30);
    const policies = devicePolicyDocuments({ ...base, channels: thirty.next, retired: thirty.retired });
    assert.ok(policies.length <= MAX_POLICIES_PER_CERTIFICATE, `${policies.length} policies`);
    for (const { name, document } of policies) assert.ok(policyDocumentSize(document) <= MAX_POLICY_DOCUMENT_CHARS, `${name}: ${policyDocumentSize(document)}`);
    for (const name of thirty.retired) assert.equal(decide(policies, "iot:Publish", topicArn(REGION, ACCOUNT, topics.up(APP, me, name))), true, name);
    const forty = renamed(40);
    assert.throws(
      () => devicePolicyDocuments({ ...base, channels: forty.next, retired: forty.retired }),
      /declares 40 channels and keeps devices the right to publish on 40 retired ones \(README, "Renaming a channel"\).*at most 10 policies to a certificate.*retired ones included: take fewer channels away in one build/,
    );
  });

  it("refuses a retired channel name that isn't a channel name", () => {
    assert.throws(() => devicePolicyDocuments({ ...base, channels: [], retired: ["a/#"] }), /channel/);
  });
});
