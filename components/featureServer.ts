/** The cloud half of an app on AWS (README "Server code, history and alerts"), created by FeatureApp
 * when the app has server code or a channel with history:
 *
 *   devices ── sf/{app}/+/+/up ──▶ IoT topic rule ──▶ server Lambda (lambda/featureServer) ──▶ DynamoDB (VM state per device, handled messages)
 *                                                         ├──▶ IoT data plane: sf/{app}/{thing}/{channel}/down, …/_alert/up, settings shadows
 *                                                         └──▶ SNS topic (alertsTopicArn)
 *   settings shadows ── $aws/things/+/shadow/name/{app}-settings/update/documents ──▶ IoT topic rule ──▶ server Lambda
 *   devices ── sf/{app}/+/{channel}/up ──▶ IoT topic rule per history channel ──▶ DynamoDB history table (TTL)
 *   dashboard ── GET /api/history (x-snapfleet-token) ──▶ CloudFront ──▶ history Lambda (lambda/historyApi) ──▶ Query
 *
 * The decisions live in core/server and core/history; this only wires resources, with least
 * privilege: the server Lambda reads and writes its two tables, publishes on this app's `down` and
 * alert topics, reads and updates this app's settings shadow of a thing, lists the app's thing
 * group and publishes to the alerts topic; the history Lambda queries the history table and reads
 * the dashboard key; the history rule's role puts items in the history table. Nothing else. */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ChannelDecl, Manifest } from "../core/contracts/manifest";
import { topics } from "../core/contracts/topics";
import { shadowTopics } from "../core/shadow/shadowTopics";
import { topicArn } from "../core/policy/arn";
import { settingsShadowName, type SettingDecl } from "../core/settings/settingDecl";
import { FEATURE_SERVER_ENV } from "../lambda/featureServer/index";
import { HISTORY_API_ENV } from "../lambda/historyApi/index";
import { LambdaService, type FunctionUrlEndpoint, type FunctionUrlRoute } from "./lambdaService";

export interface FeatureServerArgs {
  app: string;
  /** What the features declared (plain, known at preview): which resources there are. */
  channels: ChannelDecl[];
  settings?: SettingDecl[];
  /** Whether App registered api.server.onDevice / onFleet handlers (ServerHost.hasServerCode). */
  hasServerCode: boolean;
  /** The build's manifest, for the server Lambda (channels, callback sites, server build id). */
  manifest: pulumi.Input<Manifest>;
  serverSnapshot: Uint8Array;
  /** The bundled lambda/featureServer and lambda/historyApi code (bundleLambda). */
  serverCode: string;
  historyCode: string;
  /** The engine file put next to the server code (core/engine/microvium.wasm of the package). */
  wasmFile: string;
  thingGroupName: pulumi.Input<string>;
  thingGroupArn: pulumi.Input<string>;
  region: string;
  account: string;
  /** The dashboard token key's secret and version (DashboardAuthorizer), for the history API. */
  keySecretArn: pulumi.Input<string>;
  keyVersionId: pulumi.Input<string>;
}

/** CloudFront path of the history API (core/contracts/history.ts): ordered before `/api/*`. */
export const HISTORY_API_PATH_PATTERN = "/api/history*";

/** Device channel messages only: `_log` and `_alert` share the `+/+/up` shape. */
export function serverRuleSql(app: string): string {
  return `SELECT topic(3) AS thing, topic(4) AS channel, encode(*, 'base64') AS payload FROM '${topics.up(app, "+", "+")}' WHERE topic(4) <> '_log' AND topic(4) <> '_alert'`;
}

/** One history rule per channel: the envelope's fields become the item, keyed `{thing}/{channel}`
 * and the device's time. As locally (core/history/retention.ts, storedTime), a device time more
 * than a day from the receive time (an unset clock) is replaced by the receive time; the TTL
 * (`expiresAt`, unix seconds) is the channel's days after receipt. IoT SQL has only the
 * `CASE v WHEN …` form (https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-case.html). */
export function historyRuleSql(app: string, channel: ChannelDecl): string {
  const days = channel.history!.days;
  return (
    `SELECT concat(topic(3), '/', topic(4)) AS pk, CASE abs(t - timestamp()) <= 86400000 WHEN true THEN t ELSE timestamp() END AS t, id, v, ` +
    `floor(timestamp() / 1000) + ${days * 86_400} AS expiresAt FROM '${topics.up(app, "+", channel.name)}'`
  );
}

/** A device's settings shadow changed (any accepted update: the device's report, a dashboard's or
 * the server's desired value): the server Lambda reads its reported values for its onDevice VM. */
export function settingsRuleSql(app: string): string {
  return `SELECT topic(3) AS thing, 'settings' AS change FROM '${shadowTopics.response("+", settingsShadowName(app), "update", "documents")}'`;
}

/** Topic rule names allow letters, digits and `_` only. */
export function serverRuleName(app: string, suffix: string): string {
  return `sf_${app.replace(/-/g, "_")}_${suffix.replace(/-/g, "_")}`;
}

/** What the server Lambda's role may do (AWS IoT's and DynamoDB's service authorization
 * references: a named shadow is `thing/{thing}/{shadow}`; TransactWriteItems needs PutItem on
 * each item's table). */
export function serverStatements(
  args: Pick<FeatureServerArgs, "app" | "region" | "account" | "thingGroupArn" | "settings">,
  resources: { stateTable: pulumi.Input<string>; handledTable: pulumi.Input<string>; alerts: pulumi.Input<string> },
): pulumi.Input<object>[] {
  const iot = `arn:aws:iot:${args.region}:${args.account}`;
  return [
    { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem"], Resource: [resources.stateTable, resources.handledTable] },
    { Effect: "Allow", Action: ["iot:Publish"], Resource: [topicArn(args.region, args.account, topics.down(args.app, "*", "*")), topicArn(args.region, args.account, topics.alert(args.app, "*"))] },
    ...(args.settings?.length ? [{ Effect: "Allow", Action: ["iot:GetThingShadow", "iot:UpdateThingShadow"], Resource: `${iot}:thing/*/${settingsShadowName(args.app)}` }] : []),
    { Effect: "Allow", Action: ["iot:ListThingsInThingGroup"], Resource: args.thingGroupArn },
    { Effect: "Allow", Action: ["sns:Publish"], Resource: resources.alerts },
  ];
}

/** The server Lambda's files (what lambda/featureServer/index.ts reads beside itself). */
export function serverLambdaFiles(args: Pick<FeatureServerArgs, "serverCode" | "wasmFile" | "serverSnapshot">, manifest: Manifest): Record<string, pulumi.asset.Asset> {
  // The snapshot is binary: an asset from a file named by its content.
  const snapFile = path.join(os.tmpdir(), `snapfleet-server-${crypto.createHash("sha256").update(args.serverSnapshot).digest("hex")}.snap`);
  fs.writeFileSync(snapFile, args.serverSnapshot);
  return {
    "index.js": new pulumi.asset.StringAsset(args.serverCode),
    "microvium.wasm": new pulumi.asset.FileAsset(args.wasmFile),
    "manifest.json": new pulumi.asset.StringAsset(JSON.stringify(manifest)),
    "server.snap": new pulumi.asset.FileAsset(snapFile),
  };
}

/** The history Lambda's files (lambda/historyApi/index.ts): its code and the channels' names and days. */
export function historyLambdaFiles(args: Pick<FeatureServerArgs, "historyCode" | "channels">): Record<string, pulumi.asset.Asset> {
  return {
    "index.js": new pulumi.asset.StringAsset(args.historyCode),
    "channels.json": new pulumi.asset.StringAsset(JSON.stringify(args.channels.map((c) => ({ name: c.name, ...(c.history ? { history: c.history } : {}) })))),
  };
}

export class FeatureServer extends pulumi.ComponentResource {
  readonly stateTable: aws.dynamodb.Table | undefined;
  readonly handledTable: aws.dynamodb.Table | undefined;
  readonly historyTable: aws.dynamodb.Table | undefined;
  readonly alerts: aws.sns.Topic | undefined;
  readonly lambda: aws.lambda.Function | undefined;
  readonly rule: aws.iot.TopicRule | undefined;
  /** The SNS topic of `api.server.notify` alerts; undefined without server code. */
  readonly alertsTopicArn: pulumi.Output<string> | undefined;
  /** For DashboardSite: CloudFront sends `/api/history*` here; undefined without history channels. */
  readonly historyRoute: FunctionUrlRoute | undefined;
  private readonly historyEndpoint: FunctionUrlEndpoint | undefined;

  constructor(name: string, args: FeatureServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:server:FeatureServer", name, {}, opts);
    const parent = { parent: this };
    const tags = { "snapfleet:app": args.app };
    const short = `${args.app}-srv`;

    if (args.hasServerCode) {
      this.stateTable = new aws.dynamodb.Table(
        `${name}-state`,
        { billingMode: "PAY_PER_REQUEST", hashKey: "vm", attributes: [{ name: "vm", type: "S" }], serverSideEncryption: { enabled: true }, tags },
        parent,
      );
      // One marker per message a VM handled (lambda/featureServer/dynamoServerState.ts), gone by TTL.
      this.handledTable = new aws.dynamodb.Table(
        `${name}-handled`,
        { billingMode: "PAY_PER_REQUEST", hashKey: "key", attributes: [{ name: "key", type: "S" }], ttl: { attributeName: "expiresAt", enabled: true }, serverSideEncryption: { enabled: true }, tags },
        parent,
      );
      this.alerts = new aws.sns.Topic(`${short}-alerts`, { tags }, parent);
      this.alertsTopicArn = this.alerts.arn;

      const code = pulumi.output(args.manifest).apply((manifest) => new pulumi.asset.AssetArchive(serverLambdaFiles(args, manifest)));
      const server = new LambdaService(this, {
        app: args.app,
        names: { role: `${short}-role`, logs: `${name}-logs`, access: `${name}-access`, function: `${short}-fn` },
        statements: serverStatements(args, { stateTable: this.stateTable.arn, handledTable: this.handledTable.arn, alerts: this.alerts.arn }),
        handler: "index.server",
        code,
        timeout: 30,
        memorySize: 512,
        environment: {
          [FEATURE_SERVER_ENV.stateTable]: this.stateTable.name,
          [FEATURE_SERVER_ENV.handledTable]: this.handledTable.name,
          [FEATURE_SERVER_ENV.alertsTopicArn]: this.alerts.arn,
          [FEATURE_SERVER_ENV.thingGroup]: args.thingGroupName,
        },
      });
      this.lambda = server.function;
      this.rule = new aws.iot.TopicRule(
        `${name}-rule`,
        { name: serverRuleName(args.app, "server"), enabled: true, sql: serverRuleSql(args.app), sqlVersion: "2016-03-23", lambdas: [{ functionArn: this.lambda.arn }], tags },
        parent,
      );
      server.allowInvoke(`${name}-rule-invoke`, "iot.amazonaws.com", { sourceArn: this.rule.arn });
      if (args.settings?.length) {
        const settingsRule = new aws.iot.TopicRule(
          `${name}-settings-rule`,
          { name: serverRuleName(args.app, "settings"), enabled: true, sql: settingsRuleSql(args.app), sqlVersion: "2016-03-23", lambdas: [{ functionArn: this.lambda.arn }], tags },
          parent,
        );
        server.allowInvoke(`${name}-settings-invoke`, "iot.amazonaws.com", { sourceArn: settingsRule.arn });
      }
    }

    const historyChannels = args.channels.filter((c) => c.history);
    if (historyChannels.length > 0) {
      // Key: "{thing}/{channel}", sorted by the device's time: the 1-hour chart is one Query.
      this.historyTable = new aws.dynamodb.Table(
        `${name}-history`,
        {
          billingMode: "PAY_PER_REQUEST",
          hashKey: "pk",
          rangeKey: "t",
          attributes: [
            { name: "pk", type: "S" },
            { name: "t", type: "N" },
          ],
          ttl: { attributeName: "expiresAt", enabled: true },
          serverSideEncryption: { enabled: true },
          tags,
        },
        parent,
      );
      const writer = new aws.iam.Role(
        `${short}-history-role`,
        { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: "sts:AssumeRole" }] }), tags },
        parent,
      );
      new aws.iam.RolePolicy(`${name}-history-access`, { role: writer.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: this.historyTable.arn }] }) }, parent);
      for (const channel of historyChannels) {
        new aws.iot.TopicRule(
          `${name}-history-${channel.name}`,
          {
            name: serverRuleName(args.app, `history_${channel.name}`),
            enabled: true,
            sql: historyRuleSql(args.app, channel),
            sqlVersion: "2016-03-23",
            dynamodbv2s: [{ roleArn: writer.arn, putItem: { tableName: this.historyTable.name } }],
            tags,
          },
          parent,
        );
      }
      // The dashboard reads history as it does locally: `GET api/history` on its own origin, with its token.
      const reader = new LambdaService(this, {
        app: args.app,
        names: { role: `${short}-hist-api-role`, logs: `${name}-history-api-logs`, access: `${name}-history-api-access`, function: `${short}-hist-api` },
        statements: [
          { Effect: "Allow", Action: ["dynamodb:Query"], Resource: this.historyTable.arn },
          { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: args.keySecretArn },
        ],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive(historyLambdaFiles(args)),
        // A 1-hour chart is one Query of ≤ 1 MB.
        timeout: 10,
        memorySize: 256,
        environment: {
          [HISTORY_API_ENV.app]: args.app,
          [HISTORY_API_ENV.table]: this.historyTable.name,
          [HISTORY_API_ENV.keySecretArn]: args.keySecretArn,
          [HISTORY_API_ENV.keyVersion]: args.keyVersionId,
        },
      });
      this.historyEndpoint = reader.serveThroughCloudFront({
        names: { url: `${name}-history-url`, oac: `${short}-hist-oac`, cdnPermissions: `${name}-history` },
        description: `snapfleet ${args.app} history API`,
        pathPattern: HISTORY_API_PATH_PATTERN,
        originId: "history-api",
      });
      this.historyRoute = this.historyEndpoint.route;
    }
    this.registerOutputs({ alertsTopicArn: this.alertsTopicArn, stateTableName: this.stateTable?.name, historyTableName: this.historyTable?.name });
  }

  /** Lets only this CloudFront distribution call the history API's function URL. */
  allowDistribution(distributionArn: pulumi.Input<string>): void {
    this.historyEndpoint?.allowDistribution(distributionArn);
  }
}
