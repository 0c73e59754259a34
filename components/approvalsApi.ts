/** The approvals API on AWS (core/contracts/approvalsApi.ts): the dashboard's onboarding panel
 * lists the boards in ClaimProvisioning's approvals table, and an operator approves or denies them.
 *
 *   dashboard ── GET/POST /api/approvals… (x-snapfleet-token) ──▶ CloudFront ──▶ Lambda function URL ──▶ DynamoDB
 *
 * Served like the jobs API (components/jobsApi.ts): a function URL only CloudFront may call, so
 * the page calls its own origin. The Lambda checks the dashboard token and its role with the
 * authorizer's key (a viewer's decision is refused before the table is touched); its role may
 * only scan and update the approvals table and read the key. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { APPROVALS_API_ENV } from "../lambda/approvalsApi/index";
import { lambdaOrigin, type LambdaOrigin } from "./lambdaOrigin";

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
  private readonly served: LambdaOrigin;

  constructor(name: string, args: ApprovalsApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:dashboard:ApprovalsApi", name, {}, opts);
    const parent = { parent: this };
    const tags = { "snapfleet:app": args.app };
    // Short logical names: auto-named roles, functions and OACs are capped at 64 characters.
    const short = `${args.app}-appr`;
    const role = new aws.iam.Role(
      `${short}-role`,
      { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }), tags },
      parent,
    );
    new aws.iam.RolePolicyAttachment(`${name}-logs`, { role: role.name, policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole }, parent);
    new aws.iam.RolePolicy(`${name}-access`, { role: role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: approvalsApiStatements(args.tableArn, args.keySecretArn) }) }, parent);
    this.function = new aws.lambda.Function(
      `${short}-fn`,
      {
        runtime: aws.lambda.Runtime.NodeJS22dX,
        handler: "index.handler",
        role: role.arn,
        timeout: 10,
        memorySize: 256,
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(args.code) }),
        environment: {
          variables: {
            [APPROVALS_API_ENV.app]: args.app,
            [APPROVALS_API_ENV.table]: args.tableName,
            [APPROVALS_API_ENV.keySecretArn]: args.keySecretArn,
            [APPROVALS_API_ENV.keyVersion]: args.keyVersionId,
          },
        },
        tags,
      },
      parent,
    );
    this.served = lambdaOrigin(name, short, this.function, `snapfleet ${args.app} approvals API`, this);
    this.registerOutputs({ functionName: this.function.name });
  }

  get origin(): LambdaOrigin["origin"] {
    return this.served.origin;
  }

  allowDistribution(distributionArn: pulumi.Input<string>): void {
    this.served.allowDistribution(distributionArn);
  }
}
