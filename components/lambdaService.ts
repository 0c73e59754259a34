/** One Lambda of a component with what it always needs: its own IAM role (trusted by Lambda only,
 * CloudWatch Logs through AWS's basic execution policy, and an inline policy of exactly the given
 * statements) and, for the dashboard's APIs, a function URL that only the dashboard's CloudFront
 * distribution may call (origin access control, `AWS_IAM`), served on the dashboard's own origin
 * under a path pattern. Used by every component with a Lambda (jobs API, fleet-status API, feature
 * server and history API, claim provisioning hook, staged-rollout scheduler).
 *
 * Resource names are given by the caller, as each component named them before this helper
 * existed: a changed name would make `pulumi up` replace the function and its role. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface LambdaServiceNames {
  role: string;
  logs: string;
  access: string;
  function: string;
}

export interface LambdaServiceArgs {
  app: string;
  names: LambdaServiceNames;
  /** The role's inline policy statements (least privilege: this Lambda's needs only). */
  statements: pulumi.Input<pulumi.Input<object>[]>;
  handler: string;
  /** The bundled code (becomes `index.js`), or the whole archive when more files go with it. */
  code: string | pulumi.Input<pulumi.asset.Archive>;
  timeout: number;
  memorySize: number;
  environment: Record<string, pulumi.Input<string>>;
  reservedConcurrentExecutions?: number;
}

/** Where CloudFront sends a path of the dashboard's domain: a function URL behind origin access control. */
export interface FunctionUrlRoute {
  pathPattern: string;
  originId: string;
  domainName: pulumi.Output<string>;
  originAccessControlId: pulumi.Output<string>;
  allowedMethods: string[];
}

export interface FunctionUrlArgs {
  /** Logical names of the function URL and the origin access control. */
  names: { url: string; oac: string; cdnPermissions: string };
  /** The OAC's description, e.g. `snapfleet tank jobs API`. */
  description: string;
  pathPattern: string;
  originId: string;
  allowedMethods?: string[];
}

const LAMBDA_TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });

export class LambdaService {
  readonly role: aws.iam.Role;
  readonly function: aws.lambda.Function;
  readonly policy: aws.iam.RolePolicy;

  constructor(
    private readonly parent: pulumi.Resource,
    args: LambdaServiceArgs,
  ) {
    const opts = { parent };
    const tags = { "snapfleet:app": args.app };
    this.role = new aws.iam.Role(args.names.role, { assumeRolePolicy: LAMBDA_TRUST, tags }, opts);
    new aws.iam.RolePolicyAttachment(args.names.logs, { role: this.role.name, policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole }, opts);
    this.policy = new aws.iam.RolePolicy(args.names.access, { role: this.role.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: args.statements }) }, opts);
    const code = typeof args.code === "string" ? new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(args.code) }) : args.code;
    this.function = new aws.lambda.Function(
      args.names.function,
      {
        runtime: aws.lambda.Runtime.NodeJS22dX,
        handler: args.handler,
        role: this.role.arn,
        timeout: args.timeout,
        memorySize: args.memorySize,
        ...(args.reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions: args.reservedConcurrentExecutions }),
        code,
        environment: { variables: args.environment },
        tags,
      },
      opts,
    );
  }

  /** Invocation by an AWS service (an IoT rule, an EventBridge schedule), from `sourceArn` only. */
  allowInvoke(name: string, principal: string, source: { sourceArn: pulumi.Input<string> } | { sourceAccount: pulumi.Input<string> }): aws.lambda.Permission {
    return new aws.lambda.Permission(name, { action: "lambda:InvokeFunction", function: this.function.name, principal, ...source }, { parent: this.parent });
  }

  /** A function URL only CloudFront may call; `allowDistribution` then names which distribution. */
  serveThroughCloudFront(args: FunctionUrlArgs): FunctionUrlEndpoint {
    const opts = { parent: this.parent };
    const url = new aws.lambda.FunctionUrl(args.names.url, { functionName: this.function.name, authorizationType: "AWS_IAM" }, opts);
    const oac = new aws.cloudfront.OriginAccessControl(args.names.oac, { description: args.description, originAccessControlOriginType: "lambda", signingBehavior: "always", signingProtocol: "sigv4" }, opts);
    return new FunctionUrlEndpoint(this.parent, this.function, url, {
      pathPattern: args.pathPattern,
      originId: args.originId,
      // `https://<id>.lambda-url.<region>.on.aws/` → its host (absent only under mocks that don't set it).
      domainName: url.functionUrl.apply((u) => (u ? new URL(u).host : u)),
      originAccessControlId: oac.id,
      allowedMethods: args.allowedMethods ?? ["GET", "HEAD"],
    }, args.names.cdnPermissions);
  }
}

export class FunctionUrlEndpoint {
  constructor(
    private readonly parent: pulumi.Resource,
    private readonly fn: aws.lambda.Function,
    readonly url: aws.lambda.FunctionUrl,
    /** For DashboardSite: the path CloudFront sends here. */
    readonly route: FunctionUrlRoute,
    private readonly permissionsName: string,
  ) {}

  /** Lets only this CloudFront distribution call the function URL (both permissions AWS asks of
   * a function URL behind origin access control: InvokeFunctionUrl, and InvokeFunction through it;
   * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html). */
  allowDistribution(distributionArn: pulumi.Input<string>): void {
    const opts = { parent: this.parent };
    const common = { function: this.fn.name, principal: "cloudfront.amazonaws.com", sourceArn: distributionArn };
    new aws.lambda.Permission(`${this.permissionsName}-cdn-url`, { ...common, action: "lambda:InvokeFunctionUrl", functionUrlAuthType: "AWS_IAM" }, opts);
    new aws.lambda.Permission(`${this.permissionsName}-cdn-invoke`, { ...common, action: "lambda:InvokeFunction", invokedViaFunctionUrl: true }, opts);
  }
}
