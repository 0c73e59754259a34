/** The dashboard's door to AWS IoT: an IoT custom authorizer backed by lambda/authorizer, which
 * accepts dashboard tokens signed with a key kept in Secrets Manager and answers with the
 * dashboard policy. The key is made once (DashboardKey) and exported only as a secret. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ChannelDecl } from "../core/contracts/manifest";
import type { SettingDecl } from "../core/settings/settingDecl";
import { AUTHORIZER_ENV } from "../lambda/authorizer/index";
import { DashboardKey } from "./dashboardKey";
import { dashboardAuthorizerName } from "../core/contracts/awsNames";

export interface DashboardAuthorizerArgs {
  app: string;
  account: string;
  channels: readonly ChannelDecl[];
  /** The app's settings: the dashboard then reads and sets the settings shadows. */
  settings?: readonly SettingDecl[];
  /** The handler's bundled code (authorizerBundle.ts). */
  code: string;
}


export class DashboardAuthorizer extends pulumi.ComponentResource {
  readonly authorizer: aws.iot.Authorizer;
  readonly authorizerName: string;
  /** base64url HMAC key; secret. */
  readonly key: pulumi.Output<string>;
  /** Where the key is kept, for other Lambdas that check dashboard tokens (FleetStatusApi). */
  readonly keySecretArn: pulumi.Output<string>;
  readonly keyVersionId: pulumi.Output<string>;

  constructor(name: string, args: DashboardAuthorizerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:dashboard:DashboardAuthorizer", name, {}, opts);
    const parent = { parent: this };
    const key = new DashboardKey(`${name}-key`, { app: args.app }, parent);
    this.key = pulumi.secret(key.key);
    const keySecret = new aws.secretsmanager.Secret(
      `${name}-key-secret`,
      { namePrefix: `snapfleet/${args.app}/dashboard-token-key-`, description: `snapfleet ${args.app}: HMAC key of dashboard tokens`, tags: { "snapfleet:app": args.app } },
      parent,
    );
    const keyVersion = new aws.secretsmanager.SecretVersion(`${name}-key-value`, { secretId: keySecret.id, secretString: this.key }, parent);
    this.keySecretArn = keySecret.arn;
    this.keyVersionId = keyVersion.versionId;

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      parent,
    );
    new aws.iam.RolePolicyAttachment(`${name}-logs`, { role: role.name, policyArn: aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole }, parent);
    new aws.iam.RolePolicy(
      `${name}-read-key`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: keySecret.arn }],
        }),
      },
      parent,
    );
    const fn = new aws.lambda.Function(
      `${name}-fn`,
      {
        runtime: aws.lambda.Runtime.NodeJS22dX,
        handler: "index.handler",
        role: role.arn,
        timeout: 5,
        memorySize: 256,
        code: new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(args.code) }),
        environment: {
          variables: {
            [AUTHORIZER_ENV.app]: args.app,
            [AUTHORIZER_ENV.account]: args.account,
            [AUTHORIZER_ENV.channels]: JSON.stringify(args.channels),
            ...(args.settings?.length ? { [AUTHORIZER_ENV.settings]: JSON.stringify(args.settings) } : {}),
            [AUTHORIZER_ENV.keySecretArn]: keySecret.arn,
            // The function caches the key per container; a new key version changes the
            // function's configuration, which retires the containers holding the old key.
            [AUTHORIZER_ENV.keyVersion]: keyVersion.versionId,
          },
        },
      },
      parent,
    );
    this.authorizerName = dashboardAuthorizerName(args.app);
    this.authorizer = new aws.iot.Authorizer(
      `${name}-authorizer`,
      {
        name: this.authorizerName,
        authorizerFunctionArn: fn.arn,
        // The token is checked by the function (HMAC); browsers can't sign requests for IoT's own scheme.
        signingDisabled: true,
        status: "ACTIVE",
        enableCachingForHttp: false,
      },
      parent,
    );
    new aws.lambda.Permission(
      `${name}-invoke`,
      { action: "lambda:InvokeFunction", function: fn.name, principal: "iot.amazonaws.com", sourceArn: this.authorizer.arn },
      parent,
    );
    this.registerOutputs({ authorizerName: this.authorizerName });
  }
}
