/** Lambda entry point of the approvals API (bundled at deploy time like the others:
 * components/approvalsApi.ts): `index.handler` for the function URL behind CloudFront. */
import { cachedDashboardKey } from "../dashboardKeySecret";
import { DynamoApprovals, type ApprovalsDynamoClient, type ApprovalsDynamoModule } from "../provisioningHook/dynamoApprovals";
import { createApprovalsApi, type ApprovalsApiEvent } from "./handler";

export const APPROVALS_API_ENV = {
  app: "SNAPFLEET_APP",
  table: "SNAPFLEET_APPROVALS_TABLE",
  keySecretArn: "SNAPFLEET_DASHBOARD_KEY_SECRET_ARN",
  /** Not read: its change on key rotation retires containers that cached the old key. */
  keyVersion: "SNAPFLEET_DASHBOARD_KEY_VERSION",
} as const;

function read(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`approvals API Lambda misconfigured: environment variable ${name} is not set (redeploy with pulumi up)`);
  return value;
}

let api: ReturnType<typeof createApprovalsApi> | undefined;
export async function handler(event: ApprovalsApiEvent) {
  if (!api) {
    // The Node.js Lambda runtime ships AWS SDK v3 (not bundled: esbuild external).
    const sdk = require("@aws-sdk/client-dynamodb") as ApprovalsDynamoModule & { DynamoDBClient: new (config: object) => ApprovalsDynamoClient };
    const table = new DynamoApprovals(sdk, new sdk.DynamoDBClient({}), read(process.env, APPROVALS_API_ENV.table));
    api = createApprovalsApi({ app: read(process.env, APPROVALS_API_ENV.app), table, loadKey: cachedDashboardKey(read(process.env, APPROVALS_API_ENV.keySecretArn)), log: (line) => console.log(line) });
  }
  return api(event);
}
