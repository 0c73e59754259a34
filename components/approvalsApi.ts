/** The approvals API on AWS (core/contracts/approvalsApi.ts): the dashboard's onboarding panel
 * lists the boards in ClaimProvisioning's approvals table, and an operator approves or denies them.
 *
 *   dashboard ── GET/POST /api/approvals… (x-snapfleet-token) ──▶ CloudFront ──▶ Lambda function URL ──▶ DynamoDB
 *
 * Served like the jobs API (components/lambdaService.ts): a function URL only CloudFront may call, so
 * the page calls its own origin. The Lambda checks the dashboard token and its role with the
 * authorizer's key (a viewer's decision is refused before the table is touched); its role may
 * only scan and update the approvals table and read the key. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { APPROVALS_API_ENV } from "../lambda/approvalsApi/index";
import { LambdaService, type FunctionUrlEndpoint, type FunctionUrlRoute } from "./lambdaService";

export interface ApprovalsApiArgs {
  app: string;
  /** ClaimProvisioning's approvals table. */
  tableName: pulumi.Input<string>;
  tableArn: pulumi.Input<string>;
  /** The bundled lambda/approvalsApi code (bundleLambda("approvalsApi")). */
  code: string;
  /** The dashboard token key's secret and version (DashboardAuthorizer). */
  keySecretArn: pulumi.Input<string>;
  keyVersionId: pulumi.Input<string>;
}

/** CloudFront path of the approvals API: ordered before the fleet-status API's `/api/*`. */
export const APPROVALS_API_PATH_PATTERN = "/api/approvals*";

export function approvalsApiStatements(tableArn: pulumi.Input<string>, keySecretArn: pulumi.Input<string>): object[] {
  return [
    { Effect: "Allow", Action: ["dynamodb:Scan", "dynamodb:UpdateItem"], Resource: tableArn },
    { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: keySecretArn },
  ];
}

export class ApprovalsApi extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  /** For DashboardSite: CloudFront sends `/api/approvals*` here. */
  readonly route: FunctionUrlRoute;
  private readonly endpoint: FunctionUrlEndpoint;

  constructor(name: string, args: ApprovalsApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:dashboard:ApprovalsApi", name, {}, opts);
    // Short logical names: auto-named roles, functions and OACs are capped at 64 characters.
    const short = `${args.app}-appr`;
    const service = new LambdaService(this, {
      app: args.app,
      names: { role: `${short}-role`, logs: `${name}-logs`, access: `${name}-access`, function: `${short}-fn` },
      statements: approvalsApiStatements(args.tableArn, args.keySecretArn),
      handler: "index.handler",
      code: args.code,
      timeout: 10,
      memorySize: 256,
      environment: {
        [APPROVALS_API_ENV.app]: args.app,
        [APPROVALS_API_ENV.table]: args.tableName,
        [APPROVALS_API_ENV.keySecretArn]: args.keySecretArn,
        [APPROVALS_API_ENV.keyVersion]: args.keyVersionId,
      },
    });
    this.function = service.function;
    this.endpoint = service.serveThroughCloudFront({
      names: { url: `${name}-url`, oac: `${short}-oac`, cdnPermissions: name },
      description: `snapfleet ${args.app} approvals API`,
      pathPattern: APPROVALS_API_PATH_PATTERN,
      originId: "approvals-api",
      // POST for approve and deny; CloudFront only offers it within the full method set.
      allowedMethods: ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
    });
    this.route = this.endpoint.route;
    this.registerOutputs({ functionName: this.function.name });
  }

  /** Lets only this CloudFront distribution call the function URL. */
  allowDistribution(distributionArn: pulumi.Input<string>): void {
    this.endpoint.allowDistribution(distributionArn);
  }
}
