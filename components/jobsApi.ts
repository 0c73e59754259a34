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
import { LambdaService, type FunctionUrlEndpoint, type FunctionUrlRoute } from "./lambdaService";

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
  /** For DashboardSite: CloudFront sends `/api/jobs*` here. */
  readonly route: FunctionUrlRoute;
  private readonly endpoint: FunctionUrlEndpoint;

  constructor(resourceName: string, args: JobsApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:dashboard:JobsApi", resourceName, {}, opts);
    // Short logical names ("jobs"): auto-named roles, functions and OACs are capped at 64 characters.
    const short = `${args.app}-jobs`;
    const service = new LambdaService(this, {
      app: args.app,
      names: { role: `${short}-role`, logs: `${resourceName}-logs`, access: `${resourceName}-access`, function: `${short}-fn` },
      statements: jobsApiStatements(args, args.keySecretArn),
      handler: "index.handler",
      code: args.code,
      // Listing a rollout reads up to 20 jobs' details (DescribeJob each).
      timeout: 15,
      memorySize: 256,
      environment: { [JOBS_API_ENV.app]: args.app, [JOBS_API_ENV.keySecretArn]: args.keySecretArn, [JOBS_API_ENV.keyVersion]: args.keyVersionId },
    });
    this.function = service.function;
    this.endpoint = service.serveThroughCloudFront({
      names: { url: `${resourceName}-url`, oac: `${short}-oac`, cdnPermissions: resourceName },
      description: `snapfleet ${args.app} jobs API`,
      pathPattern: JOBS_API_PATH_PATTERN,
      originId: "jobs-api",
      // POST for cancel; CloudFront only offers it within the full method set.
      allowedMethods: ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
    });
    this.url = this.endpoint.url;
    this.route = this.endpoint.route;
    this.registerOutputs({ functionName: this.function.name });
  }

  /** Lets only this CloudFront distribution call the function URL. */
  allowDistribution(distributionArn: pulumi.Input<string>): void {
    this.endpoint.allowDistribution(distributionArn);
  }
}
