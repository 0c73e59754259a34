/** The IoT client of the OtaJob dynamic provider. Pulumi serializes the provider into the state
 * and runs the text in its own process with `require-from-string`, so a bare
 * `require("@aws-sdk/client-iot")` resolves from the Pulumi project's folder, where a consumer's
 * `node_modules` may not have it (it is snapfleet's dependency, not theirs: MODULE_NOT_FOUND).
 * So modules are loaded from snapfleet's own package folder, captured as an absolute path when
 * this file loads; the project folder is the fallback for a state written on another machine
 * (Pulumi deletes with the provider text stored at creation, whose path may not exist here).
 *
 * Everything in this file must survive serialization: plain functions, builtins through
 * `require`, no module-level state but the captured path. */
import type { IotConnection } from "./iotConnection";
import { packageRoot } from "./packageRoot";

/** The slice of IoTClient the provider uses; tests pass a fake that records commands. */
export interface IotJobsClient {
  send(command: { input: object }): Promise<any>;
}

export type IotSdk = typeof import("@aws-sdk/client-iot");

/** Where snapfleet is installed, resolved while the Pulumi program loads. */
export const SNAPFLEET_ROOT: string = packageRoot();

/** Loads `id` as snapfleet itself would; then through the given packages' own dependencies (the
 * SDK's STS client sits under its credential providers); then from the working directory. */
export function loadModule(id: string, root: string, through: readonly string[] = []): any {
  const path = require("node:path") as typeof import("node:path");
  const { createRequire } = require("node:module") as typeof import("node:module");
  const tried: string[] = [];
  let requireFrom = createRequire(path.join(root, "package.json"));
  const attempts = [requireFrom];
  for (const hop of through) {
    try {
      requireFrom = createRequire(requireFrom.resolve(`${hop}/package.json`));
      attempts.push(requireFrom);
    } catch {
      break;
    }
  }
  attempts.push(createRequire(path.join(process.cwd(), "package.json")));
  for (const attempt of attempts) {
    try {
      return attempt(id);
    } catch (e) {
      if ((e as { code?: string }).code !== "MODULE_NOT_FOUND") throw e;
      tried.push(attempt.resolve.paths(id)?.[0] ?? "?");
    }
  }
  throw new Error(
    `snapfleet's OTA job provider can't load ${id} (looked in ${tried.join(", ")}). ` +
      `Install snapfleet's dependencies where \`pulumi up\` runs (npm install in the Pulumi project)`,
  );
}

/** An IoTClient for the connection: region, endpoint, and credentials from static keys, a
 * profile, or the default chain, then each role in `assumeRoles` assumed in turn. */
export function makeIotClient(connection: IotConnection, root: string = SNAPFLEET_ROOT): IotJobsClient {
  const { IoTClient } = loadModule("@aws-sdk/client-iot", root) as IotSdk;
  const base = staticCredentials(connection);
  const credentials = connection.assumeRoles?.length ? assumedRoleCredentials(connection, base, root) : base;
  return new IoTClient({
    region: connection.region,
    ...(connection.iotEndpoint ? { endpoint: connection.iotEndpoint } : {}),
    ...(credentials ? { credentials } : connection.profile ? { profile: connection.profile } : {}),
  }) as unknown as IotJobsClient;
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

function staticCredentials(connection: IotConnection): Credentials | undefined {
  if (!connection.accessKeyId || !connection.secretAccessKey) return undefined;
  return { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey, ...(connection.sessionToken ? { sessionToken: connection.sessionToken } : {}) };
}

/** A credential provider: assumes the role chain, and again when the session nears its end. */
function assumedRoleCredentials(connection: IotConnection, base: Credentials | undefined, root: string): () => Promise<Credentials> {
  // The SDK's own STS client (a dependency of @aws-sdk/client-iot's credential providers).
  const sts = loadModule("@aws-sdk/nested-clients/sts", root, ["@aws-sdk/client-iot", "@aws-sdk/credential-provider-node", "@aws-sdk/credential-provider-ini"]);
  let current: Credentials | undefined;
  return async () => {
    if (current?.expiration && current.expiration.getTime() - Date.now() > 5 * 60_000) return current;
    let credentials = base;
    for (const role of connection.assumeRoles ?? []) {
      const client = new sts.STSClient({
        region: connection.region,
        ...(connection.stsEndpoint ? { endpoint: connection.stsEndpoint } : {}),
        ...(credentials ? { credentials } : connection.profile ? { profile: connection.profile } : {}),
      });
      const answer = await client.send(
        new sts.AssumeRoleCommand({
          RoleArn: role.roleArn,
          RoleSessionName: role.sessionName ?? "snapfleet-ota-job",
          ExternalId: role.externalId,
          DurationSeconds: role.durationSeconds,
          Policy: role.policy,
          PolicyArns: role.policyArns?.map((arn) => ({ arn })),
          SourceIdentity: role.sourceIdentity,
          Tags: role.tags ? Object.entries(role.tags).map(([Key, Value]) => ({ Key, Value })) : undefined,
        }),
      );
      const c = answer.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${role.roleArn} returned no credentials`);
      credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    }
    current = credentials;
    return credentials!;
  };
}
