import assert from "node:assert/strict";
import type { ChannelDecl } from "../contracts/manifest";
import { jobTopics, topics } from "../contracts/topics";
import { compilePattern, matchesPattern } from "./match";
import {
  assertPolicyFits,
  clientArn,
  CLIENT_ID_VARIABLE,
  CompiledPolicies,
  dashboardClientId,
  dashboardPolicyDocument,
  dashboardSettingsPolicyDocument,
  DEFAULT_DENY_REASON,
  devicePolicyDocuments,
  evaluatePolicies,
  isReservedClientId,
  MAX_POLICY_DOCUMENT_CHARS,
  type NamedPolicy,
  type PolicyAction,
  type PolicyDocument,
  policyDocumentSize,
  type PolicyStatement,
  serverPolicyDocument,
  serverSettingsPolicyDocument,
  topicArn,
  THING_NAME_VARIABLE,
  topicFilterArn,
  variableResolver,
} from "./index";
import { operatorPublishTopics } from "../contracts/dashboardRoles";

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const APP = "grow";
const topic = (t: string) => topicArn(REGION, ACCOUNT, t);
const filter = (f: string) => topicFilterArn(REGION, ACCOUNT, f);
const client = (id: string) => clientArn(REGION, ACCOUNT, id);

const channel = (name: string, direction: ChannelDecl["direction"] = "both"): ChannelDecl => ({ name, qos: 1, direction, replay: 0 });
const CHANNELS = [channel("temp"), channel("sensor", "device-to-server"), channel("cmd", "server-to-device")];

function doc(...statements: Array<["Allow" | "Deny", string[], string[]]>): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements.map(([Effect, Action, Resource]) => ({ Effect, Action, Resource })) };
}

interface Row {
  name: string;
  policies: Array<PolicyDocument | NamedPolicy>;
  action: PolicyAction;
  resource: string;
  thingName?: string;
  clientId?: string;
  allowed: boolean;
  /** Part of the reason the decision must give. */
  reason?: string;
}

function runTable(rows: Row[]): void {
  for (const row of rows) {
    it(`${row.allowed ? "allows" : "denies"}: ${row.name}`, () => {
      const context = { thingName: row.thingName, clientId: row.clientId ?? row.thingName ?? "some-client" };
      const decision = evaluatePolicies(row.policies, { action: row.action, resource: row.resource, context });
      assert.equal(decision.allowed, row.allowed, decision.reason);
      // What the broker uses per connection decides the same, with the same reason.
      assert.deepEqual(new CompiledPolicies(row.policies, context).decide(row.action, row.resource), decision);
      if (row.reason) assert.ok(decision.reason.includes(row.reason), `reason "${decision.reason}" lacks "${row.reason}"`);
    });
  }
}

describe("policy evaluation (AWS IoT semantics)", () => {
  const allowAB = doc(["Allow", ["iot:Publish"], [topic("a/b")]]);
  const named = (name: string, document: PolicyDocument): NamedPolicy => ({ name, document });
  runTable([
    { name: "exact topic", policies: [allowAB], action: "iot:Publish", resource: topic("a/b"), allowed: true, reason: "policy #0 Statement[0]" },
    { name: "nothing granted", policies: [], action: "iot:Publish", resource: topic("a/b"), allowed: false, reason: DEFAULT_DENY_REASON },
    { name: "other action on an allowed topic", policies: [allowAB], action: "iot:Receive", resource: topic("a/b"), allowed: false, reason: DEFAULT_DENY_REASON },
    { name: "topic vs topicfilter resource type", policies: [allowAB], action: "iot:Publish", resource: filter("a/b"), allowed: false },
    { name: "other account", policies: [allowAB], action: "iot:Publish", resource: topicArn(REGION, "999999999999", "a/b"), allowed: false },
    {
      name: "explicit Deny in a later policy beats an Allow",
      policies: [named("open", doc(["Allow", ["iot:*"], ["*"]])), named("closed", doc(["Deny", ["iot:Publish"], [topic("a/*")]]))],
      action: "iot:Publish",
      resource: topic("a/b"),
      allowed: false,
      reason: 'denied by policy "closed" Statement[0]',
    },
    {
      name: "explicit Deny before the Allow in the same policy",
      policies: [doc(["Deny", ["iot:Publish"], [topic("a/b")]], ["Allow", ["iot:Publish"], [topic("a/b")]])],
      action: "iot:Publish",
      resource: topic("a/b"),
      allowed: false,
    },
    {
      name: "a Deny on other resources leaves the Allow alone",
      policies: [doc(["Deny", ["iot:Publish"], [topic("a/c")]], ["Allow", ["iot:Publish"], [topic("a/b")]])],
      action: "iot:Publish",
      resource: topic("a/b"),
      allowed: true,
      reason: "Statement[1]",
    },
    {
      name: "an Allow with a Condition the evaluator can't check (fail closed)",
      policies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iot:Publish"], Resource: [topic("a/b")], Condition: { Bool: { x: "true" } } } as PolicyStatement] }],
      action: "iot:Publish",
      resource: topic("a/b"),
      allowed: false,
    },
    {
      name: "a Deny with a Condition applies unconditionally (fail closed)",
      policies: [{ Version: "2012-10-17", Statement: [allowAB.Statement[0], { Effect: "Deny", Action: ["iot:Publish"], Resource: [topic("a/b")], Condition: {} } as PolicyStatement] }],
      action: "iot:Publish",
      resource: topic("a/b"),
      allowed: false,
    },
    { name: "`*` crosses levels", policies: [doc(["Allow", ["iot:Publish"], [topic("a/*")]])], action: "iot:Publish", resource: topic("a/b/c/d"), allowed: true },
    { name: "`*` in the middle crosses levels", policies: [doc(["Allow", ["iot:Publish"], [topic("a/*/d")]])], action: "iot:Publish", resource: topic("a/b/c/d"), allowed: true },
    { name: "`*` needs the rest to match", policies: [doc(["Allow", ["iot:Publish"], [topic("a/*/d")]])], action: "iot:Publish", resource: topic("a/b/c/e"), allowed: false },
    { name: "`?` is one character", policies: [doc(["Allow", ["iot:Publish"], [topic("a/?")]])], action: "iot:Publish", resource: topic("a/b"), allowed: true },
    { name: "`?` is not two characters", policies: [doc(["Allow", ["iot:Publish"], [topic("a/?")]])], action: "iot:Publish", resource: topic("a/bc"), allowed: false },
    { name: "`?` is not zero characters", policies: [doc(["Allow", ["iot:Publish"], [topic("a/?")]])], action: "iot:Publish", resource: topic("a/"), allowed: false },
    { name: "`+` is literal: filter `a/+` granted by name", policies: [doc(["Allow", ["iot:Subscribe"], [filter("a/+")]])], action: "iot:Subscribe", resource: filter("a/+"), allowed: true },
    { name: "`+` is literal: not a level wildcard", policies: [doc(["Allow", ["iot:Subscribe"], [filter("a/+")]])], action: "iot:Subscribe", resource: filter("a/b"), allowed: false },
    { name: "`+` is literal: `a/b` grants no `a/+`", policies: [doc(["Allow", ["iot:Subscribe"], [filter("a/b")]])], action: "iot:Subscribe", resource: filter("a/+"), allowed: false },
    { name: "`#` is literal", policies: [doc(["Allow", ["iot:Publish", "iot:Subscribe"], [topic("a/#"), filter("a/#")]])], action: "iot:Publish", resource: topic("a/b/c"), allowed: false },
    { name: "resources are case-sensitive", policies: [allowAB], action: "iot:Publish", resource: topic("A/b"), allowed: false },
    { name: "action wildcard `iot:*`", policies: [doc(["Allow", ["iot:*"], [topic("a/b")]])], action: "iot:Receive", resource: topic("a/b"), allowed: true },
    { name: "action names are case-insensitive", policies: [doc(["Allow", ["IOT:publish"], [topic("a/b")]])], action: "iot:Publish", resource: topic("a/b"), allowed: true },
    { name: "action pattern `iot:Pub*`", policies: [doc(["Allow", ["iot:Pub*"], [topic("a/b")]])], action: "iot:Subscribe", resource: filter("a/b"), allowed: false },
    {
      name: "thing-name variable: own topic",
      policies: [doc(["Allow", ["iot:Publish"], [topic("t/${iot:Connection.Thing.ThingName}/x")]])],
      action: "iot:Publish",
      resource: topic("t/dev-1/x"),
      thingName: "dev-1",
      allowed: true,
    },
    {
      name: "thing-name variable: another thing's topic",
      policies: [doc(["Allow", ["iot:Publish"], [topic("t/${iot:Connection.Thing.ThingName}/x")]])],
      action: "iot:Publish",
      resource: topic("t/dev-2/x"),
      thingName: "dev-1",
      allowed: false,
    },
    {
      name: "no thing attached: the variable does not resolve to empty",
      policies: [doc(["Allow", ["iot:Publish"], [topic("t/${iot:Connection.Thing.ThingName}")]])],
      action: "iot:Publish",
      resource: topic("t/"),
      clientId: "dev-1",
      allowed: false,
    },
    {
      name: "no thing attached: the variable text is not matched literally",
      policies: [doc(["Allow", ["iot:Publish"], [topic("t/${iot:Connection.Thing.ThingName}")]])],
      action: "iot:Publish",
      resource: topic("t/${iot:Connection.Thing.ThingName}"),
      clientId: "dev-1",
      allowed: false,
    },
    {
      name: "no thing attached: a Deny naming the variable does not apply either",
      policies: [doc(["Allow", ["iot:Publish"], [topic("t/*")]], ["Deny", ["iot:Publish"], [topic("t/${iot:Connection.Thing.ThingName}")]])],
      action: "iot:Publish",
      resource: topic("t/dev-1"),
      clientId: "dev-1",
      allowed: true,
    },
    {
      name: "client-id variable",
      policies: [doc(["Allow", ["iot:Publish"], [topic("c/${iot:ClientId}/x")]])],
      action: "iot:Publish",
      resource: topic("c/web-7/x"),
      clientId: "web-7",
      allowed: true,
    },
    {
      name: "client-id variable: someone else's",
      policies: [doc(["Allow", ["iot:Publish"], [topic("c/${iot:ClientId}/x")]])],
      action: "iot:Publish",
      resource: topic("c/web-8/x"),
      clientId: "web-7",
      allowed: false,
    },
    {
      name: "a variable's value is literal: client id `*` is no wildcard",
      policies: [doc(["Allow", ["iot:Publish"], [topic("c/${iot:ClientId}")]])],
      action: "iot:Publish",
      resource: topic("c/anything"),
      clientId: "*",
      allowed: false,
    },
    {
      name: "unknown variables never match",
      policies: [doc(["Allow", ["iot:Publish"], [topic("c/${iot:Connection.Thing.Attributes[x]}")]])],
      action: "iot:Publish",
      resource: topic("c/"),
      thingName: "dev-1",
      allowed: false,
    },
    { name: "`${*}` is a literal star", policies: [doc(["Allow", ["iot:Publish"], [topic("a/${*}")]])], action: "iot:Publish", resource: topic("a/*"), allowed: true },
    { name: "`${*}` is not a wildcard", policies: [doc(["Allow", ["iot:Publish"], [topic("a/${*}")]])], action: "iot:Publish", resource: topic("a/b"), allowed: false },
    {
      name: "Connect with the client id the variable names",
      policies: [doc(["Allow", ["iot:Connect"], [client("${iot:Connection.Thing.ThingName}")]])],
      action: "iot:Connect",
      resource: client("dev-1"),
      thingName: "dev-1",
      allowed: true,
    },
    {
      name: "Connect with a wrong client id",
      policies: [doc(["Allow", ["iot:Connect"], [client("${iot:Connection.Thing.ThingName}")]])],
      action: "iot:Connect",
      resource: client("dev-2"),
      thingName: "dev-1",
      clientId: "dev-2",
      allowed: false,
    },
  ]);
});

describe("device policies", () => {
  const device = devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS });
  const A = "dev-a";
  const B = "dev-b";
  const asA = { policies: device, thingName: A };

  it("are one base policy plus the channels packed into as few documents as fit, with the documented names", () => {
    assert.deepEqual(device.map((p) => p.name), ["sf-grow-device-base", "sf-grow-device-channels-1"]);
  });

  runTable([
    { ...asA, name: "A connects as A", action: "iot:Connect", resource: client(A), allowed: true },
    { ...asA, name: "A connects as B", action: "iot:Connect", resource: client(B), clientId: B, allowed: false },
    { policies: device, name: "certificate without a thing connects", action: "iot:Connect", resource: client(A), clientId: A, allowed: false },
    { ...asA, name: "A publishes its up", action: "iot:Publish", resource: topic(topics.up(APP, A, "temp")), allowed: true },
    { ...asA, name: "A publishes B's up", action: "iot:Publish", resource: topic(topics.up(APP, B, "temp")), allowed: false },
    { ...asA, name: "A publishes another app's up", action: "iot:Publish", resource: topic(topics.up("other", A, "temp")), allowed: false },
    { ...asA, name: "A publishes its status", action: "iot:Publish", resource: topic(topics.status(APP, A)), allowed: true },
    { ...asA, name: "A retains its status", action: "iot:RetainPublish", resource: topic(topics.status(APP, A)), allowed: true },
    { ...asA, name: "A retains an up", action: "iot:RetainPublish", resource: topic(topics.up(APP, A, "temp")), allowed: false },
    { ...asA, name: "A publishes its log", action: "iot:Publish", resource: topic(topics.log(APP, A)), allowed: true },
    { ...asA, name: "A publishes B's status", action: "iot:Publish", resource: topic(topics.status(APP, B)), allowed: false },
    { ...asA, name: "A publishes its own down", action: "iot:Publish", resource: topic(topics.down(APP, A, "temp")), allowed: false },
    { ...asA, name: "A publishes a broadcast", action: "iot:Publish", resource: topic(topics.broadcastDown(APP, "temp")), allowed: false },
    { ...asA, name: "A subscribes its down", action: "iot:Subscribe", resource: filter(topics.down(APP, A, "temp")), allowed: true },
    { ...asA, name: "A receives its down", action: "iot:Receive", resource: topic(topics.down(APP, A, "temp")), allowed: true },
    { ...asA, name: "A subscribes B's down", action: "iot:Subscribe", resource: filter(topics.down(APP, B, "temp")), allowed: false },
    { ...asA, name: "A receives B's down", action: "iot:Receive", resource: topic(topics.down(APP, B, "temp")), allowed: false },
    { ...asA, name: "A subscribes the broadcast down", action: "iot:Subscribe", resource: filter(topics.broadcastDown(APP, "temp")), allowed: true },
    { ...asA, name: "A receives the broadcast down", action: "iot:Receive", resource: topic(topics.broadcastDown(APP, "temp")), allowed: true },
    { ...asA, name: "A subscribes every thing's down via `+`", action: "iot:Subscribe", resource: filter(`sf/${APP}/+/temp/down`), allowed: false },
    { ...asA, name: "A subscribes `#`", action: "iot:Subscribe", resource: filter(`sf/${APP}/#`), allowed: false },
    { ...asA, name: "A receives B's up", action: "iot:Receive", resource: topic(topics.up(APP, B, "temp")), allowed: false },
    { ...asA, name: "device-to-server: A publishes up", action: "iot:Publish", resource: topic(topics.up(APP, A, "sensor")), allowed: true },
    { ...asA, name: "device-to-server: A subscribes its down", action: "iot:Subscribe", resource: filter(topics.down(APP, A, "sensor")), allowed: false },
    { ...asA, name: "device-to-server: A receives its down", action: "iot:Receive", resource: topic(topics.down(APP, A, "sensor")), allowed: false },
    { ...asA, name: "device-to-server: A subscribes the broadcast", action: "iot:Subscribe", resource: filter(topics.broadcastDown(APP, "sensor")), allowed: false },
    { ...asA, name: "server-to-device: A publishes up", action: "iot:Publish", resource: topic(topics.up(APP, A, "cmd")), allowed: false },
    { ...asA, name: "server-to-device: A subscribes its down", action: "iot:Subscribe", resource: filter(topics.down(APP, A, "cmd")), allowed: true },
    { ...asA, name: "jobs: A starts its next job", action: "iot:Publish", resource: topic(jobTopics.startNext(A)), allowed: true },
    { ...asA, name: "jobs: A updates its job", action: "iot:Publish", resource: topic(jobTopics.jobUpdate(A, "job-1")), allowed: true },
    { ...asA, name: "jobs: A updates B's job", action: "iot:Publish", resource: topic(jobTopics.jobUpdate(B, "job-1")), allowed: false },
    { ...asA, name: "jobs: A forges an accepted response", action: "iot:Publish", resource: topic(`${jobTopics.startNext(A)}/accepted`), allowed: false },
    { ...asA, name: "jobs: A subscribes notify-next", action: "iot:Subscribe", resource: filter(jobTopics.notifyNext(A)), allowed: true },
    { ...asA, name: "jobs: A subscribes start-next/+ (SDK v2 request-response)", action: "iot:Subscribe", resource: filter(`${jobTopics.startNext(A)}/+`), allowed: true },
    { ...asA, name: "jobs: A receives an update response", action: "iot:Receive", resource: topic(`${jobTopics.jobUpdate(A, "job-1")}/accepted`), allowed: true },
    { ...asA, name: "jobs: A receives a request topic", action: "iot:Receive", resource: topic(jobTopics.startNext(A)), allowed: false },
    { ...asA, name: "jobs: A subscribes B's notify-next", action: "iot:Subscribe", resource: filter(jobTopics.notifyNext(B)), allowed: false },
    { ...asA, name: "jobs: A receives B's notify-next", action: "iot:Receive", resource: topic(jobTopics.notifyNext(B)), allowed: false },
  ]);
});

describe("dashboard and server policies", () => {
  const dashboard = [{ name: "sf-grow-dashboard", document: dashboardPolicyDocument({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS }) }];
  const scoped = [dashboardPolicyDocument({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS, things: ["dev-a"] })];
  const server = [serverPolicyDocument({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS })];
  const web = { policies: dashboard, clientId: "sf-grow-dashboard-tab1" };
  runTable([
    { ...web, name: "dashboard connects with its client id", action: "iot:Connect", resource: client("sf-grow-dashboard-tab1"), allowed: true },
    { ...web, name: "dashboard connects as a device", action: "iot:Connect", resource: client("dev-a"), clientId: "dev-a", allowed: false },
    { ...web, name: "dashboard connects as the server", action: "iot:Connect", resource: client("sf-grow-server"), clientId: "sf-grow-server", allowed: false },
    { ...web, name: "dashboard subscribes every thing's up of a channel", action: "iot:Subscribe", resource: filter(`sf/${APP}/+/temp/up`), allowed: true },
    { ...web, name: "dashboard subscribes every thing's status", action: "iot:Subscribe", resource: filter(`sf/${APP}/+/_status`), allowed: true },
    { ...web, name: "dashboard subscribes every thing's log", action: "iot:Subscribe", resource: filter(`sf/${APP}/+/_log/up`), allowed: true },
    { ...web, name: "dashboard receives an up", action: "iot:Receive", resource: topic(topics.up(APP, "dev-a", "temp")), allowed: true },
    { ...web, name: "dashboard receives a log", action: "iot:Receive", resource: topic(topics.log(APP, "dev-a")), allowed: true },
    { ...web, name: "dashboard subscribes `#`", action: "iot:Subscribe", resource: filter(`sf/${APP}/#`), allowed: false },
    { ...web, name: "dashboard subscribes downs", action: "iot:Subscribe", resource: filter(`sf/${APP}/+/temp/down`), allowed: false },
    { ...web, name: "dashboard receives another app's up", action: "iot:Receive", resource: topic(topics.up("other", "dev-a", "temp")), allowed: false },
    { ...web, name: "dashboard publishes up (impersonation)", action: "iot:Publish", resource: topic(topics.up(APP, "dev-a", "temp")), allowed: false },
    { ...web, name: "dashboard publishes a status", action: "iot:Publish", resource: topic(topics.status(APP, "dev-a")), allowed: false },
    { ...web, name: "dashboard publishes a log", action: "iot:Publish", resource: topic(topics.log(APP, "dev-a")), allowed: false },
    { ...web, name: "dashboard sends down", action: "iot:Publish", resource: topic(topics.down(APP, "dev-a", "temp")), allowed: true },
    { ...web, name: "dashboard retains a down", action: "iot:RetainPublish", resource: topic(topics.down(APP, "dev-a", "temp")), allowed: false },
    { ...web, name: "dashboard broadcasts down", action: "iot:Publish", resource: topic(topics.broadcastDown(APP, "cmd")), allowed: true },
    { ...web, name: "dashboard sends down on a device-to-server channel", action: "iot:Publish", resource: topic(topics.down(APP, "dev-a", "sensor")), allowed: false },
    { ...web, name: "dashboard publishes a jobs request", action: "iot:Publish", resource: topic(jobTopics.startNext("dev-a")), allowed: false },
    { ...web, name: "dashboard publishes a job update", action: "iot:Publish", resource: topic(jobTopics.jobUpdate("dev-a", "job-1")), allowed: false },
    { ...web, name: "dashboard subscribes jobs topics", action: "iot:Subscribe", resource: filter("$aws/things/+/jobs/notify-next"), allowed: false },
    { ...web, name: "dashboard receives jobs topics", action: "iot:Receive", resource: topic(jobTopics.notifyNext("dev-a")), allowed: false },
    { policies: scoped, clientId: "sf-grow-dashboard-x", name: "scoped dashboard reads its thing", action: "iot:Subscribe", resource: filter(topics.up(APP, "dev-a", "temp")), allowed: true },
    { policies: scoped, clientId: "sf-grow-dashboard-x", name: "scoped dashboard reads all things", action: "iot:Subscribe", resource: filter(`sf/${APP}/+/temp/up`), allowed: false },
    { policies: scoped, clientId: "sf-grow-dashboard-x", name: "scoped dashboard commands another thing", action: "iot:Publish", resource: topic(topics.down(APP, "dev-b", "temp")), allowed: false },
    { policies: scoped, clientId: "sf-grow-dashboard-x", name: "scoped dashboard broadcasts", action: "iot:Publish", resource: topic(topics.broadcastDown(APP, "temp")), allowed: false },
    { policies: scoped, clientId: "sf-grow-dashboard-x", name: "scoped dashboard commands its thing", action: "iot:Publish", resource: topic(topics.down(APP, "dev-a", "cmd")), allowed: true },
    { policies: server, clientId: "sf-grow-server", name: "server connects", action: "iot:Connect", resource: client("sf-grow-server"), allowed: true },
    { policies: server, clientId: "sf-grow-server-2", name: "server connects with another id", action: "iot:Connect", resource: client("sf-grow-server-2"), allowed: false },
    { policies: server, clientId: "sf-grow-server", name: "server publishes up", action: "iot:Publish", resource: topic(topics.up(APP, "dev-a", "temp")), allowed: false },
    { policies: server, clientId: "sf-grow-server", name: "server receives up", action: "iot:Receive", resource: topic(topics.up(APP, "dev-a", "temp")), allowed: true },
  ]);
});

/** Every topic and filter core/contracts/topics.ts can produce around one device, plus wildcard filters. */
function candidateResources(thing: string, other: string, channels: string[]): Array<{ action: PolicyAction; resource: string; label: string }> {
  const names = new Set<string>();
  for (const t of [thing, other]) {
    names.add(topics.status(APP, t)).add(topics.log(APP, t));
    for (const c of channels) names.add(topics.up(APP, t, c)).add(topics.down(APP, t, c));
    for (const make of [jobTopics.base, jobTopics.notify, jobTopics.notifyNext, jobTopics.get, jobTopics.startNext]) names.add(make(t));
    for (const request of [jobTopics.get(t), jobTopics.startNext(t), jobTopics.jobGet(t, "job-1"), jobTopics.jobUpdate(t, "job-1")]) {
      names.add(request).add(`${request}/accepted`).add(`${request}/rejected`);
    }
  }
  for (const c of channels) names.add(topics.broadcastDown(APP, c));
  const filters = new Set(names);
  for (const c of channels) {
    filters.add(`sf/${APP}/+/${c}/down`).add(`sf/${APP}/+/${c}/up`).add(`sf/${APP}/${thing}/${c}/#`).add(`sf/${APP}/${thing}/+/down`);
  }
  filters.add(`sf/${APP}/#`).add("#").add(`$aws/things/${thing}/jobs/+/update/accepted`).add(`$aws/things/${thing}/jobs/start-next/+`);
  const out: Array<{ action: PolicyAction; resource: string; label: string }> = [];
  for (const t of names) {
    out.push({ action: "iot:Publish", resource: topic(t), label: `Publish ${t}` });
    out.push({ action: "iot:RetainPublish", resource: topic(t), label: `RetainPublish ${t}` });
    out.push({ action: "iot:Receive", resource: topic(t), label: `Receive ${t}` });
  }
  for (const f of filters) out.push({ action: "iot:Subscribe", resource: filter(f), label: `Subscribe ${f}` });
  for (const id of [thing, other]) out.push({ action: "iot:Connect", resource: client(id), label: `Connect ${id}` });
  return out;
}

function allowedSet(policies: NamedPolicy[], thing: string, candidates: ReturnType<typeof candidateResources>): string[] {
  return candidates
    .filter((c) => evaluatePolicies(policies, { action: c.action, resource: c.resource, context: { thingName: thing, clientId: thing } }).allowed)
    .map((c) => c.label)
    .sort();
}

describe("device policies grant exactly the topics of core/contracts/topics.ts", () => {
  const A = "dev-a";
  const B = "dev-b";
  for (const direction of ["both", "device-to-server", "server-to-device"] as const) {
    it(`channel policy, direction ${direction}`, () => {
      const [, channelPolicy] = devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: [channel("temp", direction)] });
      const expected: string[] = [];
      if (direction !== "server-to-device") expected.push(`Publish ${topics.up(APP, A, "temp")}`);
      if (direction !== "device-to-server") {
        for (const t of [topics.down(APP, A, "temp"), topics.broadcastDown(APP, "temp")]) expected.push(`Subscribe ${t}`, `Receive ${t}`);
      }
      assert.deepEqual(allowedSet([channelPolicy], A, candidateResources(A, B, ["temp", "other"])), expected.sort());
    });
  }

  it("base policy", () => {
    const [base] = devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: [channel("temp")] });
    const requests = [jobTopics.get(A), jobTopics.startNext(A), jobTopics.jobGet(A, "job-1"), jobTopics.jobUpdate(A, "job-1")];
    const responses = requests.flatMap((r) => [`${r}/accepted`, `${r}/rejected`]);
    const ownJobFilters = [jobTopics.notify(A), jobTopics.notifyNext(A), ...requests, ...responses];
    const expected = [
      `Connect ${A}`,
      ...[topics.status(APP, A), topics.log(APP, A), ...requests].map((t) => `Publish ${t}`),
      `RetainPublish ${topics.status(APP, A)}`,
      ...[topics.status(APP, A), jobTopics.notify(A), jobTopics.notifyNext(A), ...responses].map((t) => `Receive ${t}`),
      // Subscribing is allowed on the thing's whole jobs tree; Receive decides what arrives. And
      // on its own status, to answer a late "offline" (never another thing's).
      ...[...ownJobFilters, `$aws/things/${A}/jobs/+/update/accepted`, `$aws/things/${A}/jobs/start-next/+`, topics.status(APP, A)].map((f) => `Subscribe ${f}`),
    ];
    assert.deepEqual(allowedSet([base], A, candidateResources(A, B, ["temp"])), expected.sort());
  });
});

describe("policy limits", () => {
  const longApp = "a".repeat(63);

  it("keeps device documents within AWS's size limit for the longest names", () => {
    // 63-character app; channel names as long as the 128-character policy name allows.
    const channels = Array.from({ length: 9 }, (_, i) => channel(`${"c".repeat(45)}-${i}`));
    for (const { name, document } of devicePolicyDocuments({ app: longApp, region: "ap-southeast-2", account: ACCOUNT, channels })) {
      assert.ok(policyDocumentSize(document) <= MAX_POLICY_DOCUMENT_CHARS, `${name}: ${policyDocumentSize(document)}`);
    }
  });

  it("keeps dashboard and server documents within the limit for 9 channels with realistic names", () => {
    const app = "grow-station-deluxe";
    const channels = Array.from({ length: 9 }, (_, i) => channel(`soil-moisture-sensor-${i}`));
    for (const document of [
      dashboardPolicyDocument({ app, region: "ap-southeast-2", account: ACCOUNT, channels }),
      serverPolicyDocument({ app, region: "ap-southeast-2", account: ACCOUNT, channels }),
    ]) {
      assert.ok(policyDocumentSize(document) <= MAX_POLICY_DOCUMENT_CHARS, String(policyDocumentSize(document)));
    }
  });

  it("refuses a document over 2048 characters, naming the policy", () => {
    const things = Array.from({ length: 30 }, (_, i) => `greenhouse-device-${i}`);
    assert.throws(
      () => dashboardPolicyDocument({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS, things }),
      /IoT policy "sf-grow-dashboard" is \d+ characters .*at most 2048/,
    );
  });

  it("refuses more channels than AWS lets a certificate carry policies for, at build time, saying what to do", () => {
    const many = Array.from({ length: 60 }, (_, i) => channel(`channel-${i}`));
    assert.throws(
      () => devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: many }),
      /declares 60 channels.*fill 1\d IoT policies.*at most 10 policies to a certificate.*With these names \d+ channels fit: declare fewer channels/,
    );
  });

  it("keeps policy names within AWS's 128 characters for the longest app and channel names", () => {
    const channels = Array.from({ length: 9 }, (_, i) => channel(`${"c".repeat(60)}-${i}`));
    for (const { name } of devicePolicyDocuments({ app: longApp, region: REGION, account: ACCOUNT, channels })) assert.ok(name.length <= 128, name);
  });

  it("refuses invalid names instead of widening the policy", () => {
    assert.throws(() => devicePolicyDocuments({ app: "gr*w", region: REGION, account: ACCOUNT, channels: [] }), /app name "gr\*w" is invalid/);
    assert.throws(() => devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: [channel("a/b")] }), /channel name "a\/b" is invalid/);
    assert.throws(() => devicePolicyDocuments({ app: APP, region: "*", account: ACCOUNT, channels: [] }), /policy region "\*" is invalid/);
    assert.throws(() => devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: [channel("x"), channel("x")] }), /channel "x" is declared twice/);
    assert.throws(() => dashboardPolicyDocument({ app: APP, region: REGION, account: ACCOUNT, channels: [], things: ["+"] }), /thing name "\+" is invalid/);
  });
});

describe("policy pattern matching against AWS's wildcard rules", () => {
  // AWS IoT Core policies: "*" matches any combination of characters, "?" any single character,
  // MQTT's "+" and "#" are literal (https://docs.aws.amazon.com/iot/latest/developerguide/pub-sub-policy.html).
  // The oracle is an independent spelling of that rule (a regular expression over code points),
  // compared with both the interpreter's matcher and the one compiled per connection.
  const oracle = (pattern: string, value: string): boolean => {
    const body = Array.from(pattern, (c) => (c === "*" ? "[\\s\\S]*" : c === "?" ? "[\\s\\S]" : c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&"))).join("");
    return new RegExp(`^${body}$`, "u").test(value);
  };
  const all = (pieces: string[], length: number): string[] => (length === 0 ? [""] : all(pieces, length - 1).flatMap((s) => pieces.map((p) => s + p)));
  const upTo = (pieces: string[], max: number) => Array.from({ length: max + 1 }, (_, n) => all(pieces, n)).flat();

  function compare(patterns: string[], values: string[]): number {
    let matches = 0;
    for (const pattern of patterns) {
      const compiled = compilePattern(pattern)!;
      for (const value of values) {
        const expected = oracle(pattern, value);
        assert.equal(matchesPattern(pattern, value), expected, `interpreter: pattern ${JSON.stringify(pattern)} on ${JSON.stringify(value)}`);
        assert.equal(compiled(value), expected, `compiled: pattern ${JSON.stringify(pattern)} on ${JSON.stringify(value)}`);
        if (expected) matches++;
      }
    }
    return matches;
  }

  it("`*` is any run (empty too), `?` exactly one character, everything else literal: every pattern up to 5 over a, b, *, ? on every value up to 4", () => {
    const matches = compare(upTo(["a", "b", "*", "?"], 5), upTo(["a", "b"], 4));
    assert.ok(matches > 5_000, `only ${matches} matching pairs: the comparison proves little`);
  });

  it("`?` is one code point: an emoji is one character, and a lone surrogate in a pattern never matches half of a pair", () => {
    const matches = compare(upTo(["a", "*", "?", "😀", "\uD83D"], 3), upTo(["a", "😀", "\uD83D"], 3));
    assert.ok(matches > 100, `only ${matches} matching pairs`);
    assert.equal(matchesPattern("a/?", "a/😀"), true);
    assert.equal(compilePattern("a\uD83D*")!("a😀"), false);
  });

  it("MQTT wildcards and regex characters are literal", () => {
    for (const [pattern, value, expected] of [
      ["a/+", "a/+", true],
      ["a/+", "a/b", false],
      ["a/#", "a/b", false],
      ["a.b", "axb", false],
      ["a.b", "a.b", true],
      ["(a)|b", "(a)|b", true],
      ["", "", true],
      ["", "a", false],
    ] as const) {
      assert.equal(matchesPattern(pattern, value), expected, `${pattern} on ${value}`);
      assert.equal(compilePattern(pattern)!(value), expected, `compiled ${pattern} on ${value}`);
    }
  });

  it("policy variables: a value is literal text, an empty or unknown one never matches, ${*} ${?} ${$} are the characters, an unclosed ${ is text", () => {
    // https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-variables.html (and IAM's
    // "Special characters": ${*}, ${?}, ${$}).
    const vars = (values: Record<string, string>) => (name: string) => values[name];
    for (const check of [matchesPattern, (p: string, v: string, r?: (n: string) => string | undefined) => compilePattern(p, r)?.(v) ?? false]) {
      assert.equal(check("t/${id}/x", "t/d-1/x", vars({ id: "d-1" })), true);
      assert.equal(check("t/${id}/x", "t/d-2/x", vars({ id: "d-1" })), false);
      assert.equal(check("t/${id}", "t/anything", vars({ id: "*" })), false, "a value's * is no wildcard");
      assert.equal(check("t/${id}", "t/*", vars({ id: "*" })), true);
      assert.equal(check("t/${id}", "t/a", vars({ id: "?" })), false, "a value's ? is no wildcard");
      assert.equal(check("t/${id}", "t/", vars({ id: "" })), false, "an empty value doesn't resolve");
      assert.equal(check("t/${id}*", "t/x", vars({})), false, "an unknown variable never matches, even with a wildcard");
      assert.equal(check("t/${*}", "t/*", vars({})), true);
      assert.equal(check("t/${*}", "t/a", vars({})), false);
      assert.equal(check("t/${?}", "t/?", vars({})), true);
      assert.equal(check("t/${?}", "t/a", vars({})), false);
      assert.equal(check("t/${$}x", "t/$x", vars({})), true);
      assert.equal(check("t/${id", "t/${id", vars({ id: "v" })), true, "no closing brace: literal text");
      assert.equal(check("t/${id", "t/v", vars({ id: "v" })), false);
      assert.equal(check("${a}${b}", "xy", vars({ a: "x", b: "y" })), true);
      assert.equal(check("${a}-*", "😀-z", vars({ a: "😀" })), true);
      assert.equal(check("${a}?", "😀z", vars({ a: "😀" })), true, "a value's emoji is one character");
    }
    assert.equal(compilePattern("t/${missing}"), undefined, "a pattern whose variable has no value compiles to nothing");
  });

  it("the interpreter names the first matching pattern, accepts single strings for Action and Resource, and a statement-less document allows nothing", () => {
    const request = { action: "iot:Publish" as const, resource: topic("a/b"), context: { clientId: "c" } };
    const single = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iot:Publish", Resource: topic("a/*") }] } as unknown as PolicyDocument;
    assert.deepEqual(evaluatePolicies([single], request), { allowed: true, reason: `allowed by policy #0 Statement[0] (Allow iot:Publish on ${topic("a/*")})` });
    const two = doc(["Allow", ["iot:Subscribe", "iot:Publish"], [topic("x"), topic("a/?"), topic("a/*")]], ["Allow", ["iot:Publish"], [topic("a/b")]]);
    assert.equal(evaluatePolicies([two], request).reason, `allowed by policy #0 Statement[0] (Allow iot:Publish on ${topic("a/?")})`, "the first allowing statement, its first matching resource");
    const deny = doc(["Allow", ["iot:Publish"], [topic("a/b")]], ["Deny", ["iot:*"], [topic("q"), topic("a/b")]]);
    assert.deepEqual(evaluatePolicies([{ name: "p", document: deny }], request), { allowed: false, reason: `denied by policy "p" Statement[1] (Deny iot:Publish on ${topic("a/b")})` });
    assert.deepEqual(evaluatePolicies([{ Version: "2012-10-17" } as unknown as PolicyDocument], request), { allowed: false, reason: DEFAULT_DENY_REASON });
    assert.deepEqual(evaluatePolicies([{ Version: "2012-10-17", Statement: [{ Effect: "Allow" }] } as unknown as PolicyDocument], request), { allowed: false, reason: DEFAULT_DENY_REASON }, "no Action, no Resource: applies to nothing");
    for (const key of ["NotAction", "NotResource", "Condition"]) {
      const allow = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iot:Publish"], Resource: [topic("a/b")], [key]: ["x"] }] } as unknown as PolicyDocument;
      assert.equal(evaluatePolicies([allow], request).allowed, false, `an Allow with ${key} never applies (fail closed)`);
      const denyWith = { Version: "2012-10-17", Statement: [...doc(["Allow", ["iot:Publish"], [topic("a/b")]]).Statement, { Effect: "Deny", Action: ["iot:Publish"], Resource: [topic("a/b")], [key]: ["x"] }] } as unknown as PolicyDocument;
      assert.equal(evaluatePolicies([denyWith], request).allowed, false, `a Deny with ${key} applies unconditionally`);
    }
    assert.equal(evaluatePolicies([doc(["Allow", ["iot:Publish"], [topic("a/b")]])], { ...request, action: "IOT:PUBLISH" as never }).allowed, true, "action names are case-insensitive on both sides");
    // IAM: Effect is "Allow" or "Deny" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html);
    // anything else, as parsed JSON can hold, grants nothing.
    for (const effect of ["allow", "Permit", ""]) {
      const odd = { Version: "2012-10-17", Statement: [{ Effect: effect, Action: ["iot:Publish"], Resource: [topic("a/b")] }] } as unknown as PolicyDocument;
      assert.deepEqual(evaluatePolicies([odd], request), { allowed: false, reason: DEFAULT_DENY_REASON }, `Effect ${JSON.stringify(effect)}`);
    }
  });

  it("variables resolve to the connection's thing name and client id only", () => {
    const resolve = variableResolver({ thingName: "thing-1", clientId: "client-1" });
    assert.deepEqual(["iot:Connection.Thing.ThingName", "iot:ClientId", "iot:Connection.Thing.Attributes[x]", "iot:ClientID"].map(resolve), ["thing-1", "client-1", undefined, undefined]);
    assert.equal(variableResolver({ clientId: "c" })("iot:Connection.Thing.ThingName"), undefined);
    assert.equal(THING_NAME_VARIABLE, "${iot:Connection.Thing.ThingName}");
    assert.equal(CLIENT_ID_VARIABLE, "${iot:ClientId}");
    assert.equal(clientArn("r", "1", "c"), "arn:aws:iot:r:1:client/c");
    assert.equal(topicFilterArn("r", "1", "a/+"), "arn:aws:iot:r:1:topicfilter/a/+");
  });
});

describe("settings shadow rights, reserved client ids and AWS's policy limits", () => {
  // Device Shadow MQTT topics (https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html).
  const settings = [{ name: "interval", default: 5 }];
  const shadowTopic = (thing: string, rest: string) => `$aws/things/${thing}/shadow/name/${APP}-settings/${rest}`;
  const decide = (policies: Array<PolicyDocument | NamedPolicy>, action: PolicyAction, resource: string, clientId: string, thingName?: string) =>
    evaluatePolicies(policies, { action, resource, context: { clientId, thingName } }).allowed;
  const RECEIVED = ["get/accepted", "get/rejected", "update/rejected"];

  it("a device may get and update its own settings shadow and hear its answers and deltas; nothing of another thing's, no delete, no documents", () => {
    const policies = devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS, settings });
    const me = (action: PolicyAction, resource: string) => decide(policies, action, resource, "dev-a", "dev-a");
    for (const op of ["get", "update"]) assert.equal(me("iot:Publish", topic(shadowTopic("dev-a", op))), true, `publish ${op}`);
    for (const r of [...RECEIVED, "update/delta"]) {
      assert.equal(me("iot:Subscribe", filter(shadowTopic("dev-a", r))), true, `subscribe ${r}`);
      assert.equal(me("iot:Receive", topic(shadowTopic("dev-a", r))), true, `receive ${r}`);
      assert.equal(me("iot:Receive", topic(shadowTopic("dev-b", r))), false, `another thing's ${r}`);
    }
    assert.equal(me("iot:Publish", topic(shadowTopic("dev-a", "delete"))), false);
    assert.equal(me("iot:Receive", topic(shadowTopic("dev-a", "update/documents"))), false);
    assert.equal(me("iot:Publish", topic(shadowTopic("dev-b", "update"))), false);
    assert.equal(me("iot:Publish", topic(`$aws/things/dev-a/shadow/name/other/update`)), false, "another shadow of its own thing");
    const without = devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS });
    assert.equal(decide(without, "iot:Publish", topic(shadowTopic("dev-a", "get")), "dev-a", "dev-a"), false, "no settings, no shadow rights");
    assert.equal(devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS, settings: [] }).length, without.length);
  });

  it("a viewer dashboard reads settings, an operator also changes them; the server host may change them; apps without settings get no settings policy", () => {
    const args = { app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS, settings };
    const viewer = dashboardSettingsPolicyDocument(args)!;
    const operator = dashboardSettingsPolicyDocument({ ...args, role: "operator" })!;
    const server = serverSettingsPolicyDocument(args)!;
    const dash = "sf-grow-dashboard-tab1";
    for (const [document, clientId, mayChange] of [[viewer, dash, false], [operator, dash, true], [server, "sf-grow-server", true]] as const) {
      const may = (action: PolicyAction, resource: string, id: string = clientId) => decide([document], action, resource, id);
      assert.equal(may("iot:Connect", client(clientId)), true);
      assert.equal(may("iot:Connect", client("dev-a"), "dev-a"), false, "never a device's client id");
      assert.equal(may("iot:Publish", topic(shadowTopic("dev-a", "get"))), true);
      assert.equal(may("iot:Publish", topic(shadowTopic("dev-a", "update"))), mayChange, `update (${clientId})`);
      assert.equal(may("iot:Publish", topic(shadowTopic("dev-a", "delete"))), false);
      for (const r of [...RECEIVED, "update/documents"]) {
        assert.equal(may("iot:Subscribe", filter(shadowTopic("dev-a", r))), true, `subscribe ${r}`);
        assert.equal(may("iot:Receive", topic(shadowTopic("dev-a", r))), true, `receive ${r}`);
      }
      assert.equal(may("iot:Receive", topic(shadowTopic("dev-a", "update/delta"))), false, "the delta is the device's");
    }
    const scoped = dashboardSettingsPolicyDocument({ ...args, things: ["dev-a"] })!;
    assert.equal(decide([scoped], "iot:Publish", topic(shadowTopic("dev-a", "get")), dash), true);
    assert.equal(decide([scoped], "iot:Publish", topic(shadowTopic("dev-b", "get")), dash), false, "a dashboard restricted to things sees only theirs");
    assert.equal(dashboardSettingsPolicyDocument({ ...args, settings: [] }), undefined);
    assert.equal(dashboardSettingsPolicyDocument({ ...args, settings: undefined }), undefined);
    assert.equal(serverSettingsPolicyDocument({ ...args, settings: [] }), undefined);
  });

  it("a thing may not be named like the dashboard, server or claim client ids (it would take over their sessions)", () => {
    assert.equal(isReservedClientId("grow", "sf-grow-dashboard-x"), true);
    assert.equal(isReservedClientId("grow", "sf-grow-server"), true);
    assert.equal(isReservedClientId("grow", "sf-grow-claim-123"), true);
    assert.equal(isReservedClientId("grow", "sf-grow-server-2"), false, "only the server's exact id");
    assert.equal(isReservedClientId("grow", "dev-a"), false);
    assert.equal(isReservedClientId("grow", "sf-other-server"), false, "another app's ids are not this app's");
    assert.equal(dashboardClientId("grow", "tab1"), "sf-grow-dashboard-tab1");
  });

  it("AWS's limits at their edges: a 128-character name fits, 129 doesn't; 2,048 characters fit, 2,049 don't; white space isn't counted", () => {
    // https://docs.aws.amazon.com/iot/latest/apireference/API_CreatePolicy.html
    const sized = (n: number): PolicyDocument => {
      const document = doc(["Allow", ["iot:Publish"], [""]]);
      document.Statement[0].Resource = ["x".repeat(n - policyDocumentSize(document))];
      return document;
    };
    assert.equal(policyDocumentSize(sized(2048)), 2048);
    assert.doesNotThrow(() => assertPolicyFits({ name: "n".repeat(128), document: sized(2048) }));
    assert.throws(() => assertPolicyFits({ name: "n".repeat(129), document: sized(200) }), /IoT policy name "n+" is invalid.*it has 129/);
    assert.throws(() => assertPolicyFits({ name: "a/b", document: sized(200) }), /is invalid/);
    assert.throws(() => assertPolicyFits({ name: "", document: sized(200) }), /is invalid/);
    assert.doesNotThrow(() => assertPolicyFits({ name: "a+=,.@_-Z9", document: sized(200) }));
    assert.throws(() => assertPolicyFits({ name: "big", document: sized(2049) }), /IoT policy "big" is 2049 characters/);
    assert.equal(policyDocumentSize(doc(["Allow", ["iot:Publish"], ["a b"]])), policyDocumentSize(doc(["Allow", ["iot:Publish"], ["ab"]])));
  });

  it("refuses scopes and channels that would change an ARN's structure or repeat a channel", () => {
    const base = { app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS };
    assert.throws(() => devicePolicyDocuments({ ...base, region: "eu-west-1:*" }), /policy region "eu-west-1:\*" is invalid/);
    assert.throws(() => serverPolicyDocument({ ...base, account: "*" }), /policy account "\*" is invalid/);
    // Anchored at both ends: a wildcard or separator before the value would widen the ARN too.
    assert.throws(() => serverPolicyDocument({ ...base, account: "*:123456789012" }), /policy account "\*:123456789012" is invalid/);
    assert.throws(() => devicePolicyDocuments({ ...base, region: "*eu-west-1" }), /policy region "\*eu-west-1" is invalid/);
    assert.throws(() => dashboardSettingsPolicyDocument({ ...base, account: 12 as never }), /policy account 12 is invalid/);
    assert.throws(() => serverSettingsPolicyDocument({ ...base, app: "Bad App" }), /app name "Bad App" is invalid/);
    assert.throws(() => devicePolicyDocuments({ ...base, channels: [channel("temp"), channel("temp")] }), /channel "temp" is declared twice/);
    assert.throws(() => dashboardPolicyDocument({ ...base, channels: [channel("a/b")] }), /channel name "a\/b" is invalid/);
    assert.throws(() => serverPolicyDocument({ ...base, channels: [channel("x"), channel("x")] }), /declared twice/);
  });

  it("a device-to-server-only app gives the device no down rights and the dashboard no publish statement at all", () => {
    const ups = [channel("sensor", "device-to-server")];
    const device = devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: ups });
    assert.equal(decide(device, "iot:Publish", topic(topics.up(APP, "dev-a", "sensor")), "dev-a", "dev-a"), true);
    assert.equal(decide(device, "iot:Subscribe", filter(topics.down(APP, "dev-a", "sensor")), "dev-a", "dev-a"), false);
    const dashboard = dashboardPolicyDocument({ app: APP, region: REGION, account: ACCOUNT, channels: ups });
    assert.deepEqual(dashboard.Statement.map((s) => s.Action.join(",")), ["iot:Connect", "iot:Subscribe", "iot:Receive"], "AWS rejects a statement without resources: it is dropped");
    assert.equal(devicePolicyDocuments({ app: APP, region: REGION, account: ACCOUNT, channels: [] }).length, 1, "no channels: the base policy only");
  });
});

describe("least privilege: a document names no resource beyond the rights it exists for", () => {
  // Each resource with its statement's actions, the ARN's region and account dropped.
  const named = (document: PolicyDocument) => document.Statement.flatMap((s) => s.Resource.map((r) => `${s.Action.join(",")} ${r.replace(/^arn:aws:iot:[^:]*:[^:]*:/, "")}`)).sort();
  const args = { app: APP, region: REGION, account: ACCOUNT, channels: CHANNELS };
  const me = THING_NAME_VARIABLE;

  it("device channel documents: up where the device may send, its down and the broadcast where the server may send, nothing else", () => {
    const [, ...channelPolicies] = devicePolicyDocuments(args);
    const downs = ["temp", "cmd"].flatMap((c) => [topics.down(APP, me, c), topics.broadcastDown(APP, c)]);
    const expected = [
      ...["temp", "sensor"].map((c) => `iot:Publish topic/${topics.up(APP, me, c)}`),
      ...downs.flatMap((t) => [`iot:Subscribe,iot:Receive topicfilter/${t}`, `iot:Subscribe,iot:Receive topic/${t}`]),
    ];
    assert.deepEqual(channelPolicies.flatMap((p) => named(p.document)).sort(), expected.sort());
  });

  it("the server and dashboards publish only on the downs of channels the server may send on, plus an operator's own topics", () => {
    const publishes = (document: PolicyDocument) => named(document).filter((g) => g.startsWith("iot:Publish "));
    const downs = ["temp", "cmd"].map((c) => `iot:Publish topic/${topics.down(APP, "*", c)}`);
    assert.deepEqual(publishes(serverPolicyDocument(args)), downs.sort());
    assert.deepEqual(publishes(dashboardPolicyDocument(args)), downs.sort());
    assert.deepEqual(publishes(dashboardPolicyDocument({ ...args, role: "viewer" })), downs.sort());
    const operatorTopics = Object.values(operatorPublishTopics(APP)).flat().map((t) => `iot:Publish topic/${t}`);
    assert.deepEqual(publishes(dashboardPolicyDocument({ ...args, role: "operator" })), [...downs, ...operatorTopics].sort());
  });

  it("settings documents: a viewer publishes only `get`, an operator and the server also `update`; all hear the answers, none the delta", () => {
    // Named shadow topics: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html
    const withSettings = { ...args, settings: [{ name: "interval", default: 5 }] };
    const shadow = (rest: string) => `$aws/things/*/shadow/name/${APP}-settings/${rest}`;
    const heard = ["get/accepted", "get/rejected", "update/documents", "update/rejected"].flatMap((r) => [`iot:Subscribe topicfilter/${shadow(r)}`, `iot:Receive topic/${shadow(r)}`]);
    const expected = (clientId: string, publish: string[]) => [`iot:Connect client/${clientId}`, ...publish.map((p) => `iot:Publish topic/${shadow(p)}`), ...heard].sort();
    assert.deepEqual(named(dashboardSettingsPolicyDocument(withSettings)!), expected("sf-grow-dashboard-*", ["get"]));
    assert.deepEqual(named(dashboardSettingsPolicyDocument({ ...withSettings, role: "operator" })!), expected("sf-grow-dashboard-*", ["get", "update"]));
    assert.deepEqual(named(serverSettingsPolicyDocument(withSettings)!), expected("sf-grow-server", ["get", "update"]));
  });
});
