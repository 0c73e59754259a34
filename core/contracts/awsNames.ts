/** AWS names an app name ends up in, and their length limits: checked with the other arguments,
 * so a long app name fails the preview with one line per limit instead of failing halfway
 * through `pulumi up` (a job id or a bucket name AWS refuses after the fleet already exists),
 * and said by `snapfleet build` and `dev` as a note, long before a deployment (plain functions:
 * no Pulumi here).
 *
 * Auto-named resources: Pulumi names them `<logical name>-<7 random hex>` and refuses a name
 * whose prefix plus the random part exceeds the resource's maximum ("name '…' plus 7 random
 * chars is longer than maximum length …", pulumi/pulumi sdk/go/common/resource NewUniqueHex).
 * The logical names are made in components/featureApp.ts and its components; components/awsCorrectness.test.ts
 * checks this list against what a deployment registers. */
import { otaJobId } from "./jobDocument";
import { devicePolicyNames, dashboardPolicyName, MAX_POLICY_NAME_CHARS } from "../policy";

/** The dashboard's IoT custom authorizer (components/dashboardAuthorizer.ts). */
export function dashboardAuthorizerName(app: string): string {
  return `sf-${app}-dashboard`;
}

export interface DerivedName {
  what: string;
  /** The name as AWS gets it (auto-named: with a stand-in for the random suffix). */
  name: string;
  max: number;
  source: string;
}

/** Logical names of the auto-named resources (type token → logical names), for the test; with
 * `cloudHalf`, also those FeatureServer adds for server code and history. */
export function autoNamedResources(app: string, cloudHalf = false): Record<string, string[]> {
  const server = cloudHalf ? { roles: [`${app}-srv-role`, `${app}-srv-hist-api-role`, `${app}-srv-history-role`], functions: [`${app}-srv-fn`, `${app}-srv-hist-api`], oacs: [`${app}-srv-hist-oac`] } : { roles: [], functions: [], oacs: [] };
  return {
    "aws:s3/bucket:Bucket": [`${app}-firmware-bucket`, `${app}-dashboard-bucket`],
    "aws:iam/role:Role": [`${app}-firmware-presign`, `${app}-dashboard-auth-role`, `${app}-fs-recorder-role`, `${app}-fs-reader-role`, `${app}-jobs-role`, ...server.roles],
    "aws:lambda/function:Function": [`${app}-dashboard-auth-fn`, `${app}-fs-recorder`, `${app}-fs-reader`, `${app}-jobs-fn`, ...server.functions],
    "aws:cloudfront/originAccessControl:OriginAccessControl": [`${app}-dashboard-oac`, `${app}-fs-oac`, `${app}-jobs-oac`, ...server.oacs],
  };
}

const AUTONAME_LIMITS: Record<string, { max: number; what: string; source: string }> = {
  "aws:s3/bucket:Bucket": { max: 63, what: "S3 bucket name", source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html" },
  "aws:iam/role:Role": { max: 64, what: "IAM role name", source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html" },
  "aws:lambda/function:Function": { max: 64, what: "Lambda function name", source: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html" },
  "aws:cloudfront/originAccessControl:OriginAccessControl": { max: 64, what: "CloudFront origin access control name", source: "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginAccessControlConfig.html" },
};

export function derivedNames(app: string): DerivedName[] {
  const names: DerivedName[] = [
    { what: "OTA job id", name: otaJobIdShape(app), max: 64, source: "https://docs.aws.amazon.com/iot/latest/apireference/API_CreateJob.html" },
    ...[devicePolicyNames.base(app), devicePolicyNames.channels(app, 8), dashboardPolicyName(app)].map((name) => ({
      what: "IoT policy name",
      name,
      max: MAX_POLICY_NAME_CHARS,
      source: "https://docs.aws.amazon.com/iot/latest/apireference/API_CreatePolicy.html",
    })),
    { what: "IoT authorizer name", name: dashboardAuthorizerName(app), max: 128, source: "https://docs.aws.amazon.com/iot/latest/apireference/API_CreateAuthorizer.html" },
  ];
  for (const [type, logicalNames] of Object.entries(autoNamedResources(app, true))) {
    const limit = AUTONAME_LIMITS[type];
    for (const logical of logicalNames) names.push({ what: `${limit.what} (auto-named from "${logical}")`, name: `${logical}-xxxxxxx`, max: limit.max, source: limit.source });
  }
  return names;
}

/** One line per name that would be too long, with the longest app name that fits all of them. */
export function appNameLengthProblems(app: string): string[] {
  const tooLong = derivedNames(app).filter((n) => n.name.length > n.max);
  if (tooLong.length === 0) return [];
  const longestFitting = maxFittingAppLength();
  return tooLong.map(
    (n) =>
      `app "${app}" (${app.length} characters) makes the ${n.what} ${n.name.length} characters; AWS allows ${n.max} (${n.source}). ` +
      `Use an app name of at most ${longestFitting} characters (pass \`app\`; it defaults to the component name)`,
  );
}

/** What `snapfleet build` and `dev` say of an app name AWS would refuse names of: the local cloud
 * takes it, so it is a note, not an error; undefined when it fits. */
export function appNameDeployNote(app: string): string | undefined {
  const tooLong = derivedNames(app).filter((n) => n.name.length > n.max);
  if (tooLong.length === 0) return undefined;
  const first = tooLong[0];
  return (
    `note: app "${app}" (${app.length} characters) can't be deployed to AWS as it is: it makes the ${first.what} ${first.name.length} characters, where AWS allows ${first.max}` +
    `${tooLong.length > 1 ? ` (and ${tooLong.length - 1} more name${tooLong.length > 2 ? "s" : ""} too long)` : ""}. ` +
    `Use an app name of at most ${maxFittingAppLength()} characters (--app NAME, or rename the project's folder) before the fleet depends on it: the topics and policies are named after it`
  );
}

/** The longest app name every derived name fits: all of them grow one character per character. */
export function maxFittingAppLength(): number {
  return Math.min(...derivedNames("").map((n) => n.max - n.name.length));
}

function otaJobIdShape(app: string): string {
  // The real id with a stand-in version (the id's length does not depend on the version's value).
  try {
    return otaJobId(app, "0".repeat(64));
  } catch {
    return `${app}-${"0".repeat(16)}`;
  }
}
