/** The fleet-status API on AWS (core/contracts/fleetStatus.ts): how the dashboard lists thousands
 * of devices with their last status, which MQTT can't do on AWS (no retained messages on a
 * wildcard subscription, 50 subscriptions per connection: docs/aws-iot.md).
 *
 *   devices ── sf/{app}/+/_status ──▶ IoT topic rule ──▶ recorder Lambda ──▶ DynamoDB (item per thing)
 *   dashboard ── GET /api/fleet-status (x-snapfleet-token) ──▶ CloudFront ──▶ Lambda function URL ──▶ Scan
 *
 * The recorder applies the same rule as the local broker (core/fleetStatus/statusRecord.ts); the
 * API Lambda checks the dashboard token with the authorizer's key. The function URL only answers
 * CloudFront (origin access control, AWS_IAM), so the dashboard calls its own origin: no CORS, and
 * the page's CSP stays `connect-src 'self'`. Cost: README, "Deploy to AWS". */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { topics } from "../core/contracts/topics";
import { FLEET_STATUS_ENV } from "../lambda/fleetStatus/index";

export interface FleetStatusApiArgs {
  app: string;
  /** The bundled lambda/fleetStatus code (bundleLambda("fleetStatus")). */
  code: string;
  /** The dashboard token key's secret and version (DashboardAuthorizer). */
  keySecretArn: pulumi.Input<string>;
  keyVersionId: pulumi.Input<string>;
}

/** The rule's SQL: the raw payload (base64, so an empty "device removed" message arrives too),
 * the thing from the topic and the broker's receive time, which orders the writes. */
export function fleetStatusRuleSql(app: string): string {
  return `SELECT encode(*, 'base64') AS payload, topic(3) AS thing, timestamp() AS receivedAt FROM '${topics.status(app, "+")}'`;
}

/** Topic rule names allow letters, digits and `_` only. */
export function fleetStatusRuleName(app: string): string {
  return `sf_${app.replace(/-/g, "_")}_fleet_status`;
}

/** CloudFront path of the API; the dashboard requests `api/fleet-status` relative to the page. */
export const FLEET_STATUS_PATH_PATTERN = "/api/*";

export class FleetStatusApi extends pulumi.ComponentResource {
  readonly table: aws.dynamodb.Table;
  readonly recorder: aws.lambda.Function;
  readonly reader: aws.lambda.Function;
  readonly rule: aws.iot.TopicRule;
  readonly url: aws.lambda.FunctionUrl;
  /** For DashboardSite: the origin CloudFront sends `/api/*` to. */
  readonly origin: { domainName: pulumi.Output<string>; originAccessControlId: pulumi.Output<string> };

  constructor(
    private readonly resourceName: string,
    args: FleetStatusApiArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("snapfleet:dashboard:FleetStatusApi", resourceName, {}, opts);
    const parent = { parent: this };
    const name = resourceName;
    const tags = { "snapfleet:app": args.app };
    const code = new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(args.code) });

    // One item per thing, keyed by name: writes spread over partitions even when a whole fleet
    // reconnects at once; on demand, so an idle fleet costs storage only.
    this.table = new aws.dynamodb.Table(
      `${name}-table`,
      { billingMode: "PAY_PER_REQUEST", hashKey: "thing", attributes: [{ name: "thing", type: "S" }], serverSideEncryption: { enabled: true }, tags },
      parent,
    );

    // Auto-named resources get short logical names ("fs" = fleet status): IAM role, Lambda function
    // and OAC names are capped at 64 characters, and they must not shorten the longest app name
    // (components/awsNames.ts).
    const short = `${args.app}-fs`;
    const role = (roleName: string, statements: pulumi.Input<object>[]) => {
      const r = new aws.iam.Role(
        `${short}-${roleName}-role`,
        { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }), tags },
        parent,
      );
      new aws.iam.RolePolicyAttachment(`${name}-${roleName}-logs`, { role: r.name, policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole }, parent);
      new aws.iam.RolePolicy(`${name}-${roleName}-access`, { role: r.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) }, parent);
      return r;
    };
    // Least privilege: the recorder reads and writes items, the reader scans and reads the key.
    const recorderRole = role("recorder", [{ Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: this.table.arn }]);
    const readerRole = role("reader", [
      { Effect: "Allow", Action: ["dynamodb:Scan"], Resource: this.table.arn },
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: args.keySecretArn },
    ]);

    const lambda = (fnName: string, handler: string, roleArn: pulumi.Output<string>, variables: Record<string, pulumi.Input<string>>) =>
      new aws.lambda.Function(
        `${short}-${fnName}`,
        { runtime: aws.lambda.Runtime.NodeJS22dX, handler, role: roleArn, timeout: 10, memorySize: 256, code, environment: { variables }, tags },
        parent,
      );
    this.recorder = lambda("recorder", "index.record", recorderRole.arn, { [FLEET_STATUS_ENV.table]: this.table.name });
    this.reader = lambda("reader", "index.list", readerRole.arn, {
      [FLEET_STATUS_ENV.table]: this.table.name,
      [FLEET_STATUS_ENV.app]: args.app,
      [FLEET_STATUS_ENV.keySecretArn]: args.keySecretArn,
      [FLEET_STATUS_ENV.keyVersion]: args.keyVersionId,
    });

    this.rule = new aws.iot.TopicRule(
      `${name}-rule`,
      { name: fleetStatusRuleName(args.app), enabled: true, sql: fleetStatusRuleSql(args.app), sqlVersion: "2016-03-23", lambdas: [{ functionArn: this.recorder.arn }], tags },
      parent,
    );
    new aws.lambda.Permission(`${name}-rule-invoke`, { action: "lambda:InvokeFunction", function: this.recorder.name, principal: "iot.amazonaws.com", sourceArn: this.rule.arn }, parent);

    this.url = new aws.lambda.FunctionUrl(`${name}-url`, { functionName: this.reader.name, authorizationType: "AWS_IAM" }, parent);
    const oac = new aws.cloudfront.OriginAccessControl(
      `${short}-oac`,
      { description: `snapfleet ${args.app} fleet status`, originAccessControlOriginType: "lambda", signingBehavior: "always", signingProtocol: "sigv4" },
      parent,
    );
    // `https://<id>.lambda-url.<region>.on.aws/` → its host (absent only under mocks that don't set it).
    this.origin = { domainName: this.url.functionUrl.apply((u) => (u ? new URL(u).host : u)), originAccessControlId: oac.id };
    this.registerOutputs({ tableName: this.table.name, ruleName: this.rule.name });
  }

  /** Lets only this CloudFront distribution call the function URL (both permissions AWS asks of
   * a function URL behind origin access control: InvokeFunctionUrl, and InvokeFunction through it). */
  allowDistribution(distributionArn: pulumi.Input<string>): void {
    const parent = { parent: this };
    const common = { function: this.reader.name, principal: "cloudfront.amazonaws.com", sourceArn: distributionArn };
    new aws.lambda.Permission(`${this.resourceName}-cdn-url`, { ...common, action: "lambda:InvokeFunctionUrl", functionUrlAuthType: "AWS_IAM" }, parent);
    new aws.lambda.Permission(`${this.resourceName}-cdn-invoke`, { ...common, action: "lambda:InvokeFunction", invokedViaFunctionUrl: true }, parent);
  }
}
