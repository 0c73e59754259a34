import assert from "node:assert/strict";
import type { ChannelDecl } from "../contracts/manifest";
import { topics } from "../contracts/topics";
import {
  clientArn,
  devicePolicyDocuments,
  evaluatePolicies,
  MAX_POLICIES_PER_CERTIFICATE,
  MAX_POLICY_DOCUMENT_CHARS,
  packChannelGrants,
  packedDocument,
  policyDocumentSize,
  topicArn,
  topicFilterArn,
  type NamedPolicy,
  type PolicyAction,
} from "./index";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const APP = "tank";
const DIRECTIONS: ChannelDecl["direction"][] = ["both", "device-to-server", "server-to-device"];
const channel = (name: string, direction: ChannelDecl["direction"] = "both"): ChannelDecl => ({ name, qos: 1, direction, replay: 0 });
const fortyChannels = Array.from({ length: 40 }, (_, i) => channel(`ch-${String(i).padStart(2, "0")}`));
const policiesFor = (channels: readonly ChannelDecl[], app = APP) => devicePolicyDocuments({ app, region: REGION, account: ACCOUNT, channels });

/** What a device may do on every topic of the given channels, of itself and of another thing. */
function rights(policies: readonly NamedPolicy[], channels: readonly ChannelDecl[], app = APP): string[] {
  const me = "tank-1";
  const out: string[] = [];
  const check = (action: PolicyAction, resource: string, label: string) => {
    const decision = evaluatePolicies(policies, { action, resource, context: { thingName: me, clientId: me } });
    if (decision.allowed) out.push(label);
  };
  for (const thing of [me, "tank-2"]) {
    check("iot:Connect", clientArn(REGION, ACCOUNT, thing), `Connect ${thing}`);
    for (const { name } of channels) {
      for (const topic of [topics.up(app, thing, name), topics.down(app, thing, name), topics.broadcastDown(app, name)]) {
        for (const action of ["iot:Publish", "iot:Receive"] as const) check(action, topicArn(REGION, ACCOUNT, topic), `${action} ${topic}`);
        check("iot:Subscribe", topicFilterArn(REGION, ACCOUNT, topic), `iot:Subscribe ${topic}`);
      }
    }
  }
  return out.sort();
}

describe("device policy packing (AWS: 10 policies per certificate, 2,048 characters per document)", () => {
  it("an app with 40 channels gets at most 10 policies, each at most 2,048 characters", () => {
    const policies = policiesFor(fortyChannels);
    assert.ok(policies.length <= MAX_POLICIES_PER_CERTIFICATE, `${policies.length} policies`);
    assert.ok(policies.length < 1 + fortyChannels.length, "channels share documents");
    for (const { name, document } of policies) assert.ok(policyDocumentSize(document) <= MAX_POLICY_DOCUMENT_CHARS, `${name}: ${policyDocumentSize(document)}`);
    assert.deepEqual(
      policies.map((p) => p.name),
      ["sf-tank-device-base", ...policies.slice(1).map((_, i) => `sf-tank-device-channels-${i + 1}`)],
    );
  });

  it("packed documents grant exactly what one document per channel would, in every direction", () => {
    const channels = fortyChannels.map((c, i) => ({ ...c, direction: DIRECTIONS[i % 3] }));
    const packed = policiesFor(channels);
    const [base] = packed;
    // The reference: each channel packed alone (one document per channel, as before packing).
    const oneEach = [base, ...channels.flatMap((c) => policiesFor([c]).slice(1))];
    assert.ok(oneEach.length > MAX_POLICIES_PER_CERTIFICATE, "the reference would not fit on a certificate");
    const expected = rights(oneEach, channels);
    assert.deepEqual(rights(packed, channels), expected);
    // Sanity: the reference grants something for each channel, and nothing of the other thing.
    assert.ok(expected.length >= 40 && !expected.some((r) => r.includes("tank-2")), expected.join("\n"));
  });

  it("is deterministic: the same channels give byte-identical documents", () => {
    const a = policiesFor(fortyChannels).map((p) => JSON.stringify(p));
    const b = policiesFor(fortyChannels.map((c) => ({ ...c }))).map((p) => JSON.stringify(p));
    assert.deepEqual(b, a);
  });

  it("a channel added at the end changes only the last document (or adds one)", () => {
    for (let n = 1; n < 40; n++) {
      const before = policiesFor(fortyChannels.slice(0, n));
      const after = policiesFor(fortyChannels.slice(0, n + 1));
      const changed = after.filter((p, i) => JSON.stringify(p) !== JSON.stringify(before[i]));
      assert.ok(changed.length === 1 && changed[0] === after[after.length - 1], `adding channel ${n + 1}: changed ${changed.map((p) => p.name).join(", ")}`);
    }
  });

  it("an app whose channels need more than 10 policies fails at build time, naming the numbers and what to do", () => {
    const many = Array.from({ length: 50 }, (_, i) => channel(`soil-moisture-sensor-${i}`));
    assert.throws(() => policiesFor(many, "grow-station"), /app "grow-station" declares 50 channels; their device rights fill \d+ IoT policies.*at most 10 policies to a certificate.*With these names \d+ channels fit: declare fewer channels.*shorten the app and channel names/);
  });

  it("refuses one channel whose rights alone exceed a document, naming it", () => {
    const huge = { channel: "huge", grants: [{ actions: ["iot:Publish" as const], resources: [topicArn(REGION, ACCOUNT, "x".repeat(2100))] }] };
    assert.throws(() => packChannelGrants([huge], { app: APP, policyName: (i) => `p-${i}`, otherPolicies: 1 }), /channel "huge" of app "tank" alone needs a \d+-character IoT policy; AWS allows 2048/);
  });

  const grant = (name: string, resource: string, actions: PolicyAction[] = ["iot:Publish"]) => ({ channel: name, grants: [{ actions, resources: [resource] }] });
  const pack = (channels: ReturnType<typeof grant>[], otherPolicies = 1) => packChannelGrants(channels, { app: APP, policyName: (i) => `p-${i}`, otherPolicies });

  it("next-fit at the limit: two channels that make exactly 2,048 characters share a document, one more character splits them", () => {
    const first = grant("a", "x".repeat(900));
    const sizeWith = (n: number) => policyDocumentSize(packedDocument([first, grant("b", "y".repeat(n))]));
    const fill = 900 + (2048 - sizeWith(900));
    assert.equal(sizeWith(fill), 2048);
    assert.deepEqual(pack([first, grant("b", "y".repeat(fill))]).map((p) => p.name), ["p-0"]);
    assert.deepEqual(pack([first, grant("b", "y".repeat(fill + 1))]).map((p) => p.name), ["p-0", "p-1"]);
  });

  it("a certificate carries exactly 10 policies: 9 full documents beside the base fit, a 10th document doesn't", () => {
    // Each channel needs over half a document, so each gets its own.
    const big = (i: number) => grant(`c${i}`, `${i}`.padEnd(1100, "x"));
    const nine = Array.from({ length: 9 }, (_, i) => big(i));
    assert.equal(pack(nine).length, 9);
    assert.throws(() => pack(nine, 2), /declares 9 channels; their device rights fill 9 IoT policies.*plus 2 base policy makes 11.*With these names 8 channels fit/);
    assert.throws(() => pack([...nine, big(9)]), /declares 10 channels.*makes 11.*With these names 9 channels fit/);
  });

  it("a channel that grants nothing takes no room, and statements are one per action list, in first-seen order", () => {
    assert.deepEqual(pack([{ channel: "none", grants: [{ actions: ["iot:Publish"], resources: [] }] }]), []);
    const document = packedDocument([grant("a", "r1"), grant("b", "r2", ["iot:Subscribe", "iot:Receive"]), grant("c", "r3"), { channel: "d", grants: [{ actions: ["iot:Receive"], resources: [] }] }]);
    assert.deepEqual(document, {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["iot:Publish"], Resource: ["r1", "r3"] },
        { Effect: "Allow", Action: ["iot:Subscribe", "iot:Receive"], Resource: ["r2"] },
      ],
    });
  });

  it("one channel whose rights make exactly 2,048 characters fits a document of its own; one character more is refused", () => {
    const sizeAlone = (n: number) => policyDocumentSize(packedDocument([grant("solo", "z".repeat(n))]));
    const fill = 1000 + (2048 - sizeAlone(1000));
    assert.equal(sizeAlone(fill), 2048);
    assert.deepEqual(pack([grant("solo", "z".repeat(fill))]).map((p) => policyDocumentSize(p.document)), [2048]);
    assert.throws(() => pack([grant("solo", "z".repeat(fill + 1))]), /channel "solo" of app "tank" alone needs a 2049-character IoT policy; AWS allows 2048/);
  });
});
