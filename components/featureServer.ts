/** The cloud half of an app on AWS (README "Server code, history and alerts"):
 *
 *   devices ── sf/{app}/+/+/up ──▶ IoT topic rule ──▶ server Lambda (lambda/featureServer) ──▶ DynamoDB (VM state per device)
 *                                                         ├──▶ IoT data plane: sf/{app}/{thing}/{channel}/down, …/_alert/up
 *                                                         └──▶ SNS topic (alertsTopicArn)
 *   devices ── sf/{app}/+/{channel}/up ──▶ IoT topic rule per history channel ──▶ DynamoDB history table (TTL)
 *
 * The decisions live in core/server and core/history; this only wires resources, with least
 * privilege: the Lambda reads and writes its state table, publishes on `down` and alert topics of
 * this app, lists the app's thing group and publishes to the alerts topic; nothing else. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ChannelDecl, Manifest } from "../core/contracts/manifest";
import { topics } from "../core/contracts/topics";
import { topicArn } from "../core/policy/arn";
import { FEATURE_SERVER_ENV } from "../lambda/featureServer/index";

export interface FeatureServerArgs {
  app: string;
  manifest: Manifest;
  serverSnapshot: Uint8Array;
  /** The bundled lambda/featureServer code (bundleLambda("featureServer")). */
  code: string;
  /** The engine file put next to the code (core/engine/microvium.wasm of the package). */
  wasmFile: string;
  thingGroupName: pulumi.Input<string>;
  thingGroupArn: pulumi.Input<string>;
  region: string;
  account: string;
}

/** Device channel messages only: `_log` and `_alert` share the `+/+/up` shape. */
export function serverRuleSql(app: string): string {
  return `SELECT topic(3) AS thing, topic(4) AS channel, encode(*, 'base64') AS payload FROM '${topics.up(app, "+", "+")}' WHERE topic(4) <> '_log' AND topic(4) <> '_alert'`;
}

/** One history rule per channel (its days set the TTL): the envelope's fields become the item. */
export function historyRuleSql(app: string, channel: ChannelDecl): string {
  const days = channel.history!.days;
  return `SELECT concat(topic(3), '/', topic(4)) AS pk, t, id, v, floor(t / 1000) + ${days * 86_400} AS expiresAt FROM '${topics.up(app, "+", channel.name)}'`;
}

/** Topic rule names allow letters, digits and `_` only. */
export function serverRuleName(app: string, suffix: string): string {
  return `sf_${app.replace(/-/g, "_")}_${suffix.replace(/-/g, "_")}`;
}

export class FeatureServer extends pulumi.ComponentResource {
  readonly stateTable: aws.dynamodb.Table;
  readonly historyTable: aws.dynamodb.Table | undefined;
  readonly alerts: aws.sns.Topic;
  readonly lambda: aws.lambda.Function;
  readonly rule: aws.iot.TopicRule;
  readonly alertsTopicArn: pulumi.Output<string>;

  constructor(name: string, args: FeatureServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:server:FeatureServer", name, {}, opts);
    const parent = { parent: this };
    const tags = { "snapfleet:app": args.app };
    const short = `${args.app}-srv`;

    this.stateTable = new aws.dynamodb.Table(
      `${name}-state`,
      { billingMode: "PAY_PER_REQUEST", hashKey: "vm", attributes: [{ name: "vm", type: "S" }], serverSideEncryption: { enabled: true }, tags },
      parent,
    );
    this.alerts = new aws.sns.Topic(`${short}-alerts`, { tags }, parent);
    this.alertsTopicArn = this.alerts.arn;

    // The snapshot is binary: an asset from a file named by its content.
    const snapFile = path.join(os.tmpdir(), `snapfleet-server-${args.manifest.snapshots.server.sha256}.snap`);
    fs.writeFileSync(snapFile, args.serverSnapshot);
    const code = new pulumi.asset.AssetArchive({
      "index.js": new pulumi.asset.StringAsset(args.code),
      "microvium.wasm": new pulumi.asset.FileAsset(args.wasmFile),
      "manifest.json": new pulumi.asset.StringAsset(JSON.stringify(args.manifest)),
      "server.snap": new pulumi.asset.FileAsset(snapFile),
    });

    const role = new aws.iam.Role(
      `${short}-role`,
      { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }), tags },
      parent,
    );
    new aws.iam.RolePolicyAttachment(`${name}-logs`, { role: role.name, policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole }, parent);
    new aws.iam.RolePolicy(
      `${name}-access`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem"], Resource: this.stateTable.arn },
            { Effect: "Allow", Action: ["iot:Publish"], Resource: [topicArn(args.region, args.account, topics.down(args.app, "*", "*")), topicArn(args.region, args.account, topics.alert(args.app, "*"))] },
            { Effect: "Allow", Action: ["iot:ListThingsInThingGroup"], Resource: args.thingGroupArn },
            { Effect: "Allow", Action: ["sns:Publish"], Resource: this.alerts.arn },
          ],
        }),
      },
      parent,
    );
    this.lambda = new aws.lambda.Function(
      `${short}-fn`,
      {
        runtime: aws.lambda.Runtime.NodeJS22dX,
        handler: "index.server",
        role: role.arn,
        timeout: 30,
        memorySize: 512,
        code,
        environment: { variables: { [FEATURE_SERVER_ENV.stateTable]: this.stateTable.name, [FEATURE_SERVER_ENV.alertsTopicArn]: this.alerts.arn, [FEATURE_SERVER_ENV.thingGroup]: args.thingGroupName } },
        tags,
      },
      parent,
    );
    this.rule = new aws.iot.TopicRule(
      `${name}-rule`,
      { name: serverRuleName(args.app, "server"), enabled: true, sql: serverRuleSql(args.app), sqlVersion: "2016-03-23", lambdas: [{ functionArn: this.lambda.arn }], tags },
      parent,
    );
    new aws.lambda.Permission(`${name}-rule-invoke`, { action: "lambda:InvokeFunction", function: this.lambda.name, principal: "iot.amazonaws.com", sourceArn: this.rule.arn }, parent);

    const historyChannels = args.manifest.channels.filter((c) => c.history);
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
    }
    this.registerOutputs({ alertsTopicArn: this.alertsTopicArn, stateTableName: this.stateTable.name });
  }
}
