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
import { LambdaService, type FunctionUrlEndpoint, type FunctionUrlRoute } from "./lambdaService";

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
  /** For DashboardSite: CloudFront sends `/api/*` here (after the more specific APIs). */
  readonly route: FunctionUrlRoute;
  private readonly endpoint: FunctionUrlEndpoint;

  constructor(resourceName: string, args: FleetStatusApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:dashboard:FleetStatusApi", resourceName, {}, opts);
    const parent = { parent: this };
    const name = resourceName;
    const tags = { "snapfleet:app": args.app };

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
    const lambda = (fnName: string, handler: string, statements: pulumi.Input<object>[], environment: Record<string, pulumi.Input<string>>) =>
      new LambdaService(this, {
        app: args.app,
        names: { role: `${short}-${fnName}-role`, logs: `${name}-${fnName}-logs`, access: `${name}-${fnName}-access`, function: `${short}-${fnName}` },
        statements,
        handler,
        code: args.code,
        timeout: 10,
        memorySize: 256,
        environment,
      });
    // Least privilege: the recorder reads and writes items, the reader scans and reads the key.
    const recorder = lambda("recorder", "index.record", [{ Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], Resource: this.table.arn }], {
      [FLEET_STATUS_ENV.table]: this.table.name,
    });
    const reader = lambda(
      "reader",
      "index.list",
      [
        { Effect: "Allow", Action: ["dynamodb:Scan"], Resource: this.table.arn },
        { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: args.keySecretArn },
      ],
      {
        [FLEET_STATUS_ENV.table]: this.table.name,
        [FLEET_STATUS_ENV.app]: args.app,
        [FLEET_STATUS_ENV.keySecretArn]: args.keySecretArn,
        [FLEET_STATUS_ENV.keyVersion]: args.keyVersionId,
      },
    );
    this.recorder = recorder.function;
    this.reader = reader.function;

    this.rule = new aws.iot.TopicRule(
      `${name}-rule`,
      { name: fleetStatusRuleName(args.app), enabled: true, sql: fleetStatusRuleSql(args.app), sqlVersion: "2016-03-23", lambdas: [{ functionArn: this.recorder.arn }], tags },
      parent,
    );
    recorder.allowInvoke(`${name}-rule-invoke`, "iot.amazonaws.com", { sourceArn: this.rule.arn });

    this.endpoint = reader.serveThroughCloudFront({
      names: { url: `${name}-url`, oac: `${short}-oac`, cdnPermissions: name },
      description: `snapfleet ${args.app} fleet status`,
      pathPattern: FLEET_STATUS_PATH_PATTERN,
      originId: "fleet-status-api",
    });
    this.url = this.endpoint.url;
    this.route = this.endpoint.route;
    this.registerOutputs({ tableName: this.table.name, ruleName: this.rule.name });
  }

  /** Lets only this CloudFront distribution call the function URL. */
  allowDistribution(distributionArn: pulumi.Input<string>): void {
    this.endpoint.allowDistribution(distributionArn);
  }
}
