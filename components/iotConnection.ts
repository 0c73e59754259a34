/** How the OTA job reaches AWS: the same region, credentials and role as every other resource of
 * the FeatureApp. AWS IoT jobs have no Pulumi resource, so the OtaJob dynamic provider calls the
 * AWS SDK itself; without this it would use the SDK's default credential chain, which ignores the
 * Pulumi AWS provider's profile, assume-role and explicit settings (and could create the job in
 * another account).
 *
 * Settings come from one place: `FeatureAppArgs.aws` (the arguments of an `aws.Provider`, which
 * FeatureApp then creates for all its resources) or, without it, the stack's `aws:` config, which
 * is what Pulumi's default AWS provider reads. Environment variables (AWS_PROFILE,
 * AWS_ACCESS_KEY_ID, …) reach both alike: the dynamic provider runs in a process Pulumi starts
 * with the CLI's environment. */
import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** What the OTA job provider needs, plain and serializable (stored in the state as a secret). */
export interface IotConnection {
  region: string;
  profile?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Assumed in order, each with the credentials of the one before (as the AWS provider does). */
  assumeRoles?: AssumeRole[];
  /** Endpoint overrides (`endpoints: [{ iot, sts }]` of the AWS provider). */
  iotEndpoint?: string;
  stsEndpoint?: string;
}

export interface AssumeRole {
  roleArn: string;
  sessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  policy?: string;
  policyArns?: string[];
  sourceIdentity?: string;
  tags?: Record<string, string>;
}

/** The AWS provider settings snapfleet passes on; the others change nothing about who calls IoT
 * where, or are refused by `iotConnection` because the OTA job could not honour them. */
export type AwsSettings = Pick<aws.ProviderArgs, "region" | "profile" | "accessKey" | "secretKey" | "token" | "assumeRoles" | "endpoints" | "sharedCredentialsFiles" | "sharedConfigFiles">;
type Plain<T> = { [K in keyof T]: pulumi.Unwrap<T[K]> };
export type PlainAwsSettings = Plain<AwsSettings>;

/** The stack's `aws:` config, read the way Pulumi's default AWS provider reads it. */
export function stackAwsSettings(config: pulumi.Config = new pulumi.Config("aws")): PlainAwsSettings {
  return {
    region: config.get("region"),
    profile: config.get("profile"),
    accessKey: config.get("accessKey"),
    secretKey: config.get("secretKey"),
    token: config.get("token"),
    assumeRoles: config.getObject("assumeRoles"),
    endpoints: config.getObject("endpoints"),
    sharedCredentialsFiles: config.getObject("sharedCredentialsFiles"),
    sharedConfigFiles: config.getObject("sharedConfigFiles"),
  };
}

/** Throws, one line per setting, for settings the OTA job can't honour. `region` is the region
 * the AWS provider resolved (aws.getRegion), which also covers AWS_REGION. */
export function iotConnection(settings: PlainAwsSettings, region: string, where: string): IotConnection {
  const problems: string[] = [];
  for (const key of ["sharedCredentialsFiles", "sharedConfigFiles"] as const) {
    if (settings[key]?.length) {
      problems.push(`aws ${key}: the OTA job's AWS SDK client reads the default files; set AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE for \`pulumi up\` instead`);
    }
  }
  const assumeRoles = (settings.assumeRoles ?? []).map((role, i): AssumeRole | undefined => {
    if (!role?.roleArn) {
      problems.push(`aws assumeRoles[${i}]: roleArn is missing`);
      return undefined;
    }
    const durationSeconds = role.duration === undefined ? undefined : parseDuration(role.duration);
    if (durationSeconds === undefined && role.duration !== undefined) problems.push(`aws assumeRoles[${i}].duration ${JSON.stringify(role.duration)}: use a duration such as "1h" or "900s"`);
    return dropUndefined({
      roleArn: role.roleArn,
      sessionName: role.sessionName,
      externalId: role.externalId,
      durationSeconds,
      policy: role.policy,
      policyArns: role.policyArns,
      sourceIdentity: role.sourceIdentity,
      tags: role.tags,
    });
  });
  if (Boolean(settings.accessKey) !== Boolean(settings.secretKey)) problems.push("aws accessKey and secretKey: set both or neither");
  if (problems.length) throw new Error(`${where}: AWS settings the OTA job can't use:\n  - ${problems.join("\n  - ")}`);
  const endpoint = (service: "iot" | "sts") => settings.endpoints?.map((e) => e?.[service]).find((url): url is string => typeof url === "string" && url !== "");
  return dropUndefined({
    region,
    profile: settings.profile,
    accessKeyId: settings.accessKey,
    secretAccessKey: settings.secretKey,
    sessionToken: settings.token,
    assumeRoles: assumeRoles.length ? (assumeRoles as AssumeRole[]) : undefined,
    iotEndpoint: endpoint("iot"),
    stsEndpoint: endpoint("sts"),
  });
}

/** Go-style durations as the AWS provider takes them ("1h", "15m", "1h30m", "900s"). */
export function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === "") return undefined;
  const [, h = "0", m = "0", s = "0"] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
