/** Least-privilege AWS IoT policy documents for the three kinds of MQTT participants. The AWS
 * components attach them and the local broker evaluates them (evaluate.ts), so both clouds
 * enforce the same rules. Topic names come from core/contracts/topics.ts with the thing segment replaced by
 * a policy variable or a wildcard, so a topic layout change can't drift away from the policies. */
import type { ChannelDecl } from "../contracts/manifest";
import { operatorPublishTopics, type DashboardRole } from "../contracts/dashboardRoles";
import type { SettingDecl } from "../settings/settingDecl";
import { deviceSettingsShadowRights, observerSettingsShadowRights } from "./settingsShadowRights";
import { checkName } from "../contracts/names";
import { jobTopics, topics } from "../contracts/topics";
import { clientArn, topicArn, topicFilterArn } from "./arn";
import { deviceMaySend, serverMaySend } from "./channelRights";
import { dashboardClientIdPrefix, serverClientId } from "./clientIds";
import { assertPolicyFits } from "./limits";
import { packChannelGrants, type ChannelGrant } from "./packing";
import type { NamedPolicy, PolicyAction, PolicyDocument, PolicyStatement } from "./types";
import { THING_NAME_VARIABLE } from "./variables";

export interface PolicyScope {
  app: string;
  region: string;
  account: string;
}

export interface DevicePolicyArgs extends PolicyScope {
  channels: readonly ChannelDecl[];
  /** The app's settings: with any, devices (and the dashboard) get the rights of the settings
   * shadow (settingsShadowRights.ts). */
  settings?: readonly SettingDecl[];
  /** Retired channels (retiredChannels.ts): devices keep iot:Publish on their up topic, nothing
   * more, so a device still on the previous build isn't disconnected for publishing there. */
  retired?: readonly string[];
}

export interface DashboardPolicyArgs extends PolicyScope {
  /** Needed for least privilege: the dashboard may only send down on channels the server may send on. */
  channels: readonly ChannelDecl[];
  /** With settings, the dashboard reads and sets the settings shadows (settingsShadowRights.ts). */
  settings?: readonly SettingDecl[];
  /** Restrict the dashboard to these things (and take away broadcast). Omitted: every thing of the app. */
  things?: readonly string[];
  /** An operator dashboard may also publish on the operator-only topics (core/contracts/dashboardRoles.ts). */
  role?: DashboardRole;
}

export type ServerPolicyArgs = DevicePolicyArgs;

export const devicePolicyNames = {
  base: (app: string) => `sf-${app}-device-base`,
  /** The i-th (0-based) packed document of channel rights: named by position, not by channel,
   * so removing a channel re-versions documents but never renames (and re-attaches) them. */
  channels: (app: string, index: number) => `sf-${app}-device-channels-${index + 1}`,
};
export const dashboardPolicyName = (app: string) => `sf-${app}-dashboard`;
export const serverPolicyName = (app: string) => `sf-${app}-server`;

/** Devices get one base policy plus the channels' rights packed into as few documents as fit
 * (packing.ts). Why not one policy: AWS caps a policy document at 2048 characters, and each
 * channel costs 150-900 of them (about 370 for a short-named channel used both ways). AWS attaches at most 10 policies to a certificate, so the
 * channels get 9 documents; an app whose channels need more fails here, at build/preview time.
 * `retired` channels (retiredChannels.ts) get iot:Publish on their up topic only, packed last. */
export function devicePolicyDocuments(args: DevicePolicyArgs): NamedPolicy[] {
  const { app } = args;
  checkScope(args);
  checkChannels(args.channels);
  const retired = new Set(args.retired ?? []);
  for (const name of retired) throwIf(checkName("channel", name));
  const arn = arnsFor(args);
  const thing = THING_NAME_VARIABLE;
  const jobs = jobTopics.base(thing);

  const base = named(devicePolicyNames.base(app), [
    // Client id = thing name: the thing variable only resolves for the certificate's own thing,
    // so a device can neither connect as another device nor without a thing attached.
    allow("iot:Connect", [arn.client(thing)]),
    // Status is retained (AWS requires iot:RetainPublish on top of iot:Publish for that) and is
    // also the last will, which AWS publishes on the device's behalf under the same rights.
    allow(["iot:Publish", "iot:RetainPublish"], [arn.topic(topics.status(app, thing))]),
    allow("iot:Publish", [
      arn.topic(topics.log(app, thing)),
      // Jobs MQTT API requests. `*` stands for the job id (it would cross levels, but only this
      // thing's job topics can match and the jobs service ignores anything it doesn't know).
      arn.topic(jobTopics.get(thing)),
      arn.topic(jobTopics.startNext(thing)),
      arn.topic(jobTopics.jobGet(thing, "*")),
      arn.topic(jobTopics.jobUpdate(thing, "*")),
    ]),
    // aws-iot-device-sdk-v2's iotjobs client subscribes to each response topic (`.../accepted`),
    // its request-response v2 client to `.../{request}/+`; one filter pattern serves both, and
    // keeps the base policy well under the size limit (as in AWS's own Jobs policy example).
    // Plus its own status: a device that is up answers a status saying it is offline (a late last
    // will, an old boot's offline) with its online status again (core/fleetStatus/statusRecord.ts).
    allow("iot:Subscribe", [arn.topicFilter(`${jobs}/*`), arn.topicFilter(topics.status(app, thing))]),
    // Receive is what really gates delivery: only responses and notifications, never requests.
    allow("iot:Receive", [
      arn.topic(topics.status(app, thing)),
      arn.topic(jobTopics.notify(thing)),
      arn.topic(jobTopics.notifyNext(thing)),
      arn.topic(`${jobs}/*/accepted`),
      arn.topic(`${jobs}/*/rejected`),
    ]),
  ]);

  // Channel rights name any region and account: an IoT policy only ever authorizes requests to
  // the endpoint of its own account and region, so `*:*` grants exactly what the full ARN
  // would, in 24 fewer characters per resource (what lets 40 channels fit; packing.ts).
  const anywhere = arnsFor({ region: "*", account: "*" });
  const grants: ChannelGrant[] = args.channels.map((channel) => {
    const name = channel.name;
    const down = serverMaySend(channel) ? [topics.down(app, thing, name), topics.broadcastDown(app, name)] : [];
    return {
      channel: name,
      grants: [
        // A retired channel declared server-to-device keeps publish on up (retiredChannels.ts).
        { actions: ["iot:Publish"], resources: deviceMaySend(channel) || retired.has(name) ? [anywhere.topic(topics.up(app, thing, name))] : [] },
        // One statement for both: Subscribe is only ever checked against `topicfilter/` ARNs and
        // Receive against `topic/` ARNs, so sharing the list grants nothing more, and saves a
        // statement per document.
        { actions: ["iot:Subscribe", "iot:Receive"], resources: [...down.map(anywhere.topicFilter), ...down.map(anywhere.topic)] },
      ],
    };
  });
  // The settings shadow's rights are packed like a channel's, after the channels: apps without
  // settings keep byte-identical documents, and adding settings touches only the last document.
  if (args.settings?.length) {
    const shadow = deviceSettingsShadowRights(app, thing);
    grants.push({
      channel: "settings shadow",
      grants: [
        { actions: ["iot:Publish"], resources: shadow.publish.map(anywhere.topic) },
        { actions: ["iot:Subscribe", "iot:Receive"], resources: [...shadow.receive.map(anywhere.topicFilter), ...shadow.receive.map(anywhere.topic)] },
      ],
    });
  }
  // Retired channels no longer declared: publish on their up topic only, after everything else,
  // so an app with none keeps byte-identical documents and their lapse touches the last ones.
  const declared = new Set(args.channels.map((c) => c.name));
  const kept = [...retired].filter((name) => !declared.has(name));
  for (const name of kept) grants.push({ channel: name, grants: [{ actions: ["iot:Publish"], resources: [anywhere.topic(topics.up(app, thing, name))] }] });
  const channelPolicies = packChannelGrants(grants, { app, policyName: (i) => devicePolicyNames.channels(app, i), otherPolicies: 1, retired: kept.length });
  for (const policy of channelPolicies) assertPolicyFits(policy);
  return [base, ...channelPolicies];
}

/** The web dashboard watches devices and sends them commands, nothing more: it can't publish on
 * `up`, `_status` or `_log` (that would impersonate a device), retains nothing, can't touch any `$aws/things/.../jobs`
 * topic (that would forge OTA progress), and sends `down` only on channels the server may send on.
 * Subscription filters must end in `/up` or `/_status` (e.g. `sf/{app}/+/{channel}/up`,
 * `sf/{app}/+/+/up`, `sf/{app}/+/_status`); `sf/{app}/#` is refused because it would include `down`. */
export function dashboardPolicyDocument(args: DashboardPolicyArgs): PolicyDocument {
  checkScope(args);
  checkChannels(args.channels);
  for (const thing of args.things ?? []) throwIf(checkName("thing", thing));
  // `*` in the thing level also covers the broadcast pseudo-thing `_all`; a dashboard limited to
  // some things must not broadcast to all of them, and gets no `*`.
  const thingLevels = args.things ? [...args.things] : ["*"];
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent today: no operator action publishes on MQTT yet (operatorPublishTopics lists none), so both roles get the same document; the least-privilege test tells them apart once one does
  const operatorTopics = args.role === "operator" ? Object.values(operatorPublishTopics(args.app)).flat() : [];
  const policy = observerPolicy(dashboardPolicyName(args.app), args, `${dashboardClientIdPrefix(args.app)}*`, thingLevels, operatorTopics);
  return policy.document;
}

/** The dashboard's rights over the settings shadows (settingsShadowRights.ts), as a policy of its
 * own beside dashboardPolicyDocument's (a custom authorizer may answer with up to 10 documents of
 * 2,048 characters each), so settings never push the channels' document over the limit.
 * Undefined when the app has no settings. Setting a value is an update of the shadow: the one
 * place to add an operator-only rule once dashboard roles exist. */
export function dashboardSettingsPolicyDocument(args: DashboardPolicyArgs): PolicyDocument | undefined {
  checkScope(args);
  const thingLevels = args.things ? [...args.things] : ["*"];
  // Changing a setting is an operator's action (core/contracts/dashboardRoles.ts): a viewer's
  // dashboard may read the shadow but not publish to its update topic.
  const mayChange = args.role === "operator";
  return settingsObserverPolicy(`${dashboardPolicyName(args.app)}-settings${mayChange ? "-operator" : ""}`, args, `${dashboardClientIdPrefix(args.app)}*`, thingLevels, mayChange)?.document;
}

/** The local server host's rights over the settings shadows (see dashboardSettingsPolicyDocument). */
export function serverSettingsPolicyDocument(args: ServerPolicyArgs): PolicyDocument | undefined {
  checkScope(args);
  return settingsObserverPolicy(`${serverPolicyName(args.app)}-settings`, args, serverClientId(args.app), ["*"], true)?.document;
}

function settingsObserverPolicy(name: string, args: DevicePolicyArgs, clientIdPattern: string, thingLevels: readonly string[], mayChange: boolean): NamedPolicy | undefined {
  if (!args.settings?.length) return undefined;
  const arn = arnsFor(args);
  const rights = thingLevels.map((thing) => observerSettingsShadowRights(args.app, thing, mayChange));
  const receive = rights.flatMap((r) => r.receive);
  return named(name, [
    allow("iot:Connect", [arn.client(clientIdPattern)]),
    allow("iot:Subscribe", receive.map(arn.topicFilter)),
    allow("iot:Receive", receive.map(arn.topic)),
    allow("iot:Publish", rights.flatMap((r) => r.publish).map(arn.topic)),
  ]);
}

/** The server target (local cloud host) has the dashboard's rights over every thing of the app,
 * with a single fixed client id. On AWS the server runs in Lambda behind IoT rules and needs no
 * MQTT policy; this one is for the local cloud and for a server host connecting over MQTT. */
export function serverPolicyDocument(args: ServerPolicyArgs): PolicyDocument {
  checkScope(args);
  checkChannels(args.channels);
  return observerPolicy(serverPolicyName(args.app), args, serverClientId(args.app), ["*"]).document;
}

/** Reads every `up`, status and log topic of the given thing levels and writes `down` where allowed. */
function observerPolicy(
  name: string,
  args: DevicePolicyArgs,
  clientIdPattern: string,
  thingLevels: readonly string[],
  extraWritable: readonly string[] = [],
): NamedPolicy {
  const { app } = args;
  const arn = arnsFor(args);
  // Reading is not narrowed per channel: `sf/{app}/{thing}/*/up` covers every channel's `up` and
  // the log (`_log/up`), and costs one entry instead of one per channel (the 2048-character
  // limit). Nothing is lost: nobody may publish on the `up` of a server-to-device channel.
  const readable = thingLevels.flatMap((thing) => [topics.status(app, thing), topics.up(app, thing, "*")]);
  const writable = thingLevels.flatMap((thing) =>
    args.channels.filter(serverMaySend).map((channel) => topics.down(app, thing, channel.name)),
  ).concat(extraWritable);
  return named(name, [
    allow("iot:Connect", [arn.client(clientIdPattern)]),
    allow("iot:Subscribe", readable.map(arn.topicFilter)),
    allow("iot:Receive", readable.map(arn.topic)),
    allow("iot:Publish", writable.map(arn.topic)),
  ]);
}

function allow(action: PolicyAction | PolicyAction[], resources: string[]): PolicyStatement {
  return { Effect: "Allow", Action: Array.isArray(action) ? action : [action], Resource: resources };
}

/** Drops statements without resources (AWS rejects them) and checks AWS's size limits. */
function named(name: string, statements: PolicyStatement[]): NamedPolicy {
  const policy: NamedPolicy = {
    name,
    document: { Version: "2012-10-17", Statement: statements.filter((s) => s.Resource.length > 0) },
  };
  assertPolicyFits(policy);
  return policy;
}

function arnsFor({ region, account }: Pick<PolicyScope, "region" | "account">) {
  return {
    client: (clientId: string) => clientArn(region, account, clientId),
    topic: (topic: string) => topicArn(region, account, topic),
    topicFilter: (filter: string) => topicFilterArn(region, account, filter),
  };
}

/** Region and account end up inside ARNs: anything that would change an ARN's structure or add a
 * wildcard is a mistake, so refuse it rather than produce a broader policy. */
function checkScope({ app, region, account }: PolicyScope): void {
  throwIf(checkName("app", app));
  for (const [field, value] of [["region", region], ["account", account]] as const) {
    if (typeof value !== "string" || !/^[A-Za-z0-9-]+$/.test(value)) {
      throw new Error(`policy ${field} ${JSON.stringify(value)} is invalid: use letters, digits and '-' (for example "us-east-1" / "123456789012")`);
    }
  }
}

function checkChannels(channels: readonly ChannelDecl[]): void {
  const seen = new Set<string>();
  for (const channel of channels) {
    throwIf(checkName("channel", channel.name));
    if (seen.has(channel.name)) throw new Error(`channel "${channel.name}" is declared twice; channel names must be unique per app`);
    seen.add(channel.name);
  }
}

function throwIf(error: string | undefined): void {
  if (error) throw new Error(error);
}
