/** Lambda entry point of the history API (bundled at deploy time like the others:
 * components/featureServer.ts): `index.handler` for the function URL behind CloudFront. The
 * deployment puts the build's channel declarations (`channels.json`) next to `index.js`. */
import fs from "node:fs";
import path from "node:path";
import type { ChannelDecl } from "../../core/contracts/manifest";
import { cachedDashboardKey } from "../dashboardKeySecret";
import type { FunctionUrlEvent } from "../fleetStatus/handler";
import { DynamoHistoryTable, type DynamoDbQueryModule } from "./dynamoHistoryTable";
import { createHistoryApi } from "./handler";

export const HISTORY_API_ENV = {
  app: "SNAPFLEET_APP",
  table: "SNAPFLEET_HISTORY_TABLE",
  keySecretArn: "SNAPFLEET_DASHBOARD_KEY_SECRET_ARN",
  /** Not read: its change on key rotation retires containers that cached the old key. */
  keyVersion: "SNAPFLEET_DASHBOARD_KEY_VERSION",
} as const;

function read(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`history API Lambda misconfigured: environment variable ${name} is not set (redeploy with pulumi up)`);
  return value;
}

let api: ReturnType<typeof createHistoryApi> | undefined;
export async function handler(event: FunctionUrlEvent) {
  if (!api) {
    // The Node.js Lambda runtime ships AWS SDK v3 (not bundled: esbuild external).
    const sdk = require("@aws-sdk/client-dynamodb") as DynamoDbQueryModule;
    const channels = JSON.parse(fs.readFileSync(path.join(__dirname, "channels.json"), "utf8")) as ChannelDecl[];
    api = createHistoryApi({
      app: read(HISTORY_API_ENV.app),
      channels,
      table: new DynamoHistoryTable(sdk, new sdk.DynamoDBClient({}), read(HISTORY_API_ENV.table)),
      loadKey: cachedDashboardKey(read(HISTORY_API_ENV.keySecretArn)),
    });
  }
  return api(event);
}
