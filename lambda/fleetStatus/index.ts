/** Lambda entry points of the fleet-status API (bundled at deploy time like the authorizer):
 * `index.record` for the topic rule, `index.list` for the function URL. */
import { cachedDashboardKey } from "../dashboardKeySecret";
import { DynamoStatusTable, type DynamoDbModule } from "./dynamoStatusTable";
import { createFleetStatusApi, createStatusRecorder, type FunctionUrlEvent, type StatusRuleEvent } from "./handler";

export const FLEET_STATUS_ENV = {
  app: "SNAPFLEET_APP",
  table: "SNAPFLEET_STATUS_TABLE",
  keySecretArn: "SNAPFLEET_DASHBOARD_KEY_SECRET_ARN",
  /** Not read: its change on key rotation retires containers that cached the old key. */
  keyVersion: "SNAPFLEET_DASHBOARD_KEY_VERSION",
} as const;

function read(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`fleet-status Lambda misconfigured: environment variable ${name} is not set (redeploy with pulumi up)`);
  return value;
}

let table: DynamoStatusTable | undefined;
function statusTable(env: NodeJS.ProcessEnv): DynamoStatusTable {
  // The Node.js Lambda runtime ships AWS SDK v3 (not bundled: esbuild external).
  const sdk = require("@aws-sdk/client-dynamodb") as DynamoDbModule;
  return (table ??= new DynamoStatusTable(sdk, new sdk.DynamoDBClient({}), read(env, FLEET_STATUS_ENV.table)));
}

let recorder: ReturnType<typeof createStatusRecorder> | undefined;
export async function record(event: StatusRuleEvent) {
  recorder ??= createStatusRecorder({ table: statusTable(process.env), log: (line) => console.log(line) });
  return recorder(event);
}

let api: ReturnType<typeof createFleetStatusApi> | undefined;
export async function list(event: FunctionUrlEvent) {
  api ??= createFleetStatusApi({ app: read(process.env, FLEET_STATUS_ENV.app), table: statusTable(process.env), loadKey: cachedDashboardKey(read(process.env, FLEET_STATUS_ENV.keySecretArn)) });
  return api(event);
}
