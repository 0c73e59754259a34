/** The jobs API on AWS (core/contracts/jobsApi.ts): the rollout panel's counts and devices, each
 * device's OTA history, and cancel for operators, from AWS IoT Jobs.
 *
 *   dashboard ── GET/POST /api/jobs… (x-snapfleet-token) ──▶ CloudFront ──▶ Lambda function URL ──▶ AWS IoT
 *
 * Served like the fleet-status API (components/fleetStatusApi.ts): a function URL only CloudFront
 * may call (origin access control, AWS_IAM), so the page calls its own origin. The Lambda checks
 * the dashboard token and its role with the authorizer's key (a viewer's cancel is refused
 * before IoT is asked), and its role may only read this app's jobs and cancel them. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { JOBS_API_ENV } from "../lambda/jobsApi/index";

export interface JobsApiArgs {
  app: string;
  region: string;
  account: string;
  /** The bundled lambda/jobsApi code (bundleLambda("jobsApi")). */
  code: string;
  /** The dashboard token key's secret and version (DashboardAuthorizer). */
  keySecretArn: pulumi.Input<string>;
  keyVersionId: pulumi.Input<string>;
}

/** CloudFront path of the jobs API: ordered before the fleet-status API's `/api/*`. */
export const JOBS_API_PATH_PATTERN = "/api/jobs*";

/** What the Lambda's role may do, and on what (AWS IoT's service authorization reference:
 * ListJobs names no resource, so it takes `*`; the job actions act on `job/{jobId}`, which the
 * app's job id prefix narrows to its own jobs; ListJobExecutionsForThing acts on `thing/{name}`). */
export function jobsApiStatements(args: { app: string; region: string; account: string }, keySecretArn: pulumi.Input<string>): object[] {
  const iot = `arn:aws:iot:${args.region}:${args.account}`;
  return [
    { Effect: "Allow", Action: ["iot:ListJobs"], Resource: "*" },
    { Effect: "Allow", Action: ["iot:DescribeJob", "iot:ListJobExecutionsForJob", "iot:CancelJob"], Resource: `${iot}:job/${args.app}-*` },
    { Effect: "Allow", Action: ["iot:ListJobExecutionsForThing"], Resource: `${iot}:thing/*` },
    { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: keySecretArn },
  ];
}

export class JobsApi extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly url: aws.lambda.FunctionUrl;
  /** For DashboardSite: the origin CloudFront sends `/api/jobs*` to. */
  readonly origin: { domainName: pulumi.Output<string>; originAccessControlId: pulumi.Output<string> };

  constructor(
    private readonly resourceName: string,
    args: JobsApiArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("snapfleet:dashboard:JobsApi", resourceName, {}, opts);
    const parent = { parent: this };
    const tags = { "snapfleet:app": args.app };
    // Short logical names ("jobs"): auto-named roles, functions and OACs are capped at 64 characters.
    const short = `${args.app}-jobs`;
    const role = new aws.iam.Role(
      `${short}-role`,
      { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }), tags },
      parent,
    );
    new aws.iam.RolePolicyAttachment(`${resourceName}-logs`, { role: role.name, policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole }, parent);
    new aws.iam.RolePolicy(`${resourceName}-access`, { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: jobsApiStatements(args, args.keySecretArn) }) }, parent);
    this.function = new aws.lambda.Function(
      `${short}-fn`,
      {
        runtime: aws.lambda.Runtime.NodeJS22dX,
        handler: "index.handler",
        role: role.arn,
        // Listing a rollout reads up to 20 jobs' details (DescribeJob each).
        timeout: 15,
        memorySize: 256,
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(args.code) }),
        environment: { variables: { [JOBS_API_ENV.app]: args.app, [JOBS_API_ENV.keySecretArn]: args.keySecretArn, [JOBS_API_ENV.keyVersion]: args.keyVersionId } },
        tags,
      },
      parent,
    );
    this.url = new aws.lambda.FunctionUrl(`${resourceName}-url`, { functionName: this.function.name, authorizationType: "AWS_IAM" }, parent);
    const oac = new aws.cloudfront.OriginAccessControl(
      `${short}-oac`,
      { description: `snapfleet ${args.app} jobs API`, originAccessControlOriginType: "lambda", signingBehavior: "always", signingProtocol: "sigv4" },
      parent,
    );
    this.origin = { domainName: this.url.functionUrl.apply((u) => (u ? new URL(u).host : u)), originAccessControlId: oac.id };
    this.registerOutputs({ functionName: this.function.name });
  }

  /** Lets only this CloudFront distribution call the function URL (InvokeFunctionUrl, and
   * InvokeFunction through it, as AWS asks of a function URL behind origin access control). */
  allowDistribution(distributionArn: pulumi.Input<string>): void {
    const parent = { parent: this };
    const common = { function: this.function.name, principal: "cloudfront.amazonaws.com", sourceArn: distributionArn };
    new aws.lambda.Permission(`${this.resourceName}-cdn-url`, { ...common, action: "lambda:InvokeFunctionUrl", functionUrlAuthType: "AWS_IAM" }, parent);
    new aws.lambda.Permission(`${this.resourceName}-cdn-invoke`, { ...common, action: "lambda:InvokeFunction", invokedViaFunctionUrl: true }, parent);
  }
}
