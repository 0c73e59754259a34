/** One Secrets Manager secret per `api.defineSecret`, holding the value the device snapshot was
 * built with: the record of what the fleet runs with, and where a server target reads it. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { SecretDecl } from "../core/contracts/manifest";

export interface FeatureSecretsArgs {
  app: string;
  declared: readonly SecretDecl[];
  /** Secret Outputs by name (components/secretValues.ts); optional secrets may be absent. */
  values: Record<string, pulumi.Output<string>>;
}

export class FeatureSecrets extends pulumi.ComponentResource {
  /** Secret ARNs by secret name. */
  readonly arns: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: FeatureSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:secrets:FeatureSecrets", name, {}, opts);
    this.arns = {};
    for (const { name: secretName } of args.declared) {
      // A name prefix, not a fixed name: Secrets Manager keeps deleted names reserved for the
      // recovery window, which would block `pulumi destroy` followed by `pulumi up`.
      const secret = new aws.secretsmanager.Secret(
        `${name}-${secretName}`,
        { namePrefix: `snapfleet/${args.app}/${secretName}-`, description: `snapfleet ${args.app}: api.defineSecret("${secretName}")`, tags: { "snapfleet:app": args.app } },
        { parent: this },
      );
      const value = args.values[secretName];
      if (value) new aws.secretsmanager.SecretVersion(`${name}-${secretName}-value`, { secretId: secret.id, secretString: pulumi.secret(value) }, { parent: this });
      this.arns[secretName] = secret.arn;
    }
    this.registerOutputs({ arns: this.arns });
  }
}
