/** The dashboard token key from Secrets Manager, for the Lambdas that check dashboard tokens (the
 * IoT custom authorizer and the fleet-status API). Fetched on first use and cached for the life
 * of the container; a failed fetch is retried on the next request instead of failing until a
 * cold start. The Node.js Lambda runtime ships AWS SDK v3, so the client is not bundled. */
import { decodeDashboardKey } from "../core/contracts/dashboardToken";

interface SecretsManagerModule {
  SecretsManagerClient: new (config: object) => { send(command: unknown): Promise<{ SecretString?: string }> };
  GetSecretValueCommand: new (input: { SecretId: string }) => unknown;
}

export function cachedDashboardKey(secretArn: string): () => Promise<Uint8Array> {
  let key: Promise<Uint8Array> | undefined;
  return () =>
    (key ??= loadKeyFromSecretsManager(secretArn).catch((e) => {
      key = undefined;
      throw e;
    }));
}

async function loadKeyFromSecretsManager(secretArn: string): Promise<Uint8Array> {
  const sdk = require("@aws-sdk/client-secrets-manager") as SecretsManagerModule;
  const client = new sdk.SecretsManagerClient({});
  const result = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretArn }));
  if (!result.SecretString) throw new Error(`secret ${secretArn} has no string value`);
  return decodeDashboardKey(result.SecretString);
}
