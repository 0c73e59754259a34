/** Where a FeatureApp's secret values come from. Each `api.defineSecret(name)` is read from
 * FeatureApp's `secrets` argument, else from the Pulumi config secret `<app>:secret-<name>`
 * (`pulumi config set --secret grow-station:secret-password ...`). Values only ever travel as
 * secret Outputs, so they are encrypted in the state and masked in `pulumi` output. */
import * as pulumi from "@pulumi/pulumi";
import { MissingSecretsError } from "../core/compiler/errors";
import type { SecretDecl } from "../core/contracts/manifest";

export function secretConfigKey(app: string, secret: string): string {
  return `${app}:secret-${secret}`;
}

/** What the preview prints for missing secrets: one command per secret. */
export function missingSecretHint(app: string, names: readonly string[]): string {
  const commands = names.map((name) => `pulumi config set --secret ${secretConfigKey(app, name)} <value>`);
  return `set ${names.length === 1 ? "it" : "each"} as a Pulumi config secret (or pass FeatureApp's \`secrets\` argument):\n    ${commands.join("\n    ")}`;
}

export interface ResolvedSecrets {
  /** Secret Outputs by secret name; optional secrets without a value are absent. */
  values: Record<string, pulumi.Output<string>>;
}

/** Throws MissingSecretsError naming every required secret that has no value. */
export function resolveSecretValues(
  app: string,
  declared: readonly SecretDecl[],
  fromArgs: Record<string, pulumi.Input<string>> = {},
): ResolvedSecrets {
  const config = new pulumi.Config(app);
  const values: Record<string, pulumi.Output<string>> = {};
  const missing: string[] = [];
  for (const { name, optional } of declared) {
    const given = fromArgs[name];
    const value = given !== undefined ? pulumi.secret(given) : config.getSecret(`secret-${name}`);
    if (value !== undefined) values[name] = value;
    else if (!optional) missing.push(name);
  }
  const unknown = Object.keys(fromArgs).filter((name) => !declared.some((d) => d.name === name));
  if (unknown.length) {
    throw new Error(
      `FeatureApp "${app}": secrets argument has ${unknown.map((n) => `"${n}"`).join(", ")}, which the features don't declare ` +
        `(declared: ${declared.map((d) => `"${d.name}"`).join(", ") || "none"}); remove ${unknown.length === 1 ? "it" : "them"} or fix the name`,
    );
  }
  if (missing.length) throw new MissingSecretsError(missing, missingSecretHint(app, missing));
  return { values };
}
