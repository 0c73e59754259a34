/** Lambda entry point of the pre-provisioning hook (`index.handler`; bundled at deploy time like
 * the authorizer). */
import { checkStages } from "../../core/jobs/stagedRollout";
import type { ApprovalContext } from "../../core/provisioning/approval";
import { DynamoApprovals, type ApprovalsDynamoClient, type ApprovalsDynamoModule } from "./dynamoApprovals";
import { createPreProvisioningHook, type PreProvisioningEvent } from "./handler";

export const PROVISIONING_HOOK_ENV = {
  /** JSON: { app, thingGroup?, stages? } */
  context: "SNAPFLEET_PROVISIONING",
  table: "SNAPFLEET_APPROVALS_TABLE",
} as const;

export function readHookContext(env: NodeJS.ProcessEnv): ApprovalContext {
  const text = env[PROVISIONING_HOOK_ENV.context];
  if (!text) throw new Error(`pre-provisioning hook misconfigured: environment variable ${PROVISIONING_HOOK_ENV.context} is not set (redeploy with pulumi up)`);
  const context = JSON.parse(text) as ApprovalContext;
  if (typeof context.app !== "string") throw new Error(`pre-provisioning hook misconfigured: ${PROVISIONING_HOOK_ENV.context}.app is missing (redeploy with pulumi up)`);
  return context.stages ? { ...context, stages: checkStages(context.stages, "pre-provisioning hook") } : context;
}

let hook: ((event: PreProvisioningEvent) => Promise<unknown>) | undefined;
export async function handler(event: PreProvisioningEvent) {
  if (!hook) {
    const table = process.env[PROVISIONING_HOOK_ENV.table];
    if (!table) throw new Error(`pre-provisioning hook misconfigured: ${PROVISIONING_HOOK_ENV.table} is not set (redeploy with pulumi up)`);
    // The Node.js Lambda runtime ships AWS SDK v3 (not bundled: esbuild external).
    const sdk = require("@aws-sdk/client-dynamodb") as ApprovalsDynamoModule & { DynamoDBClient: new (config: object) => ApprovalsDynamoClient };
    hook = createPreProvisioningHook({ context: readHookContext(process.env), approvals: new DynamoApprovals(sdk, new sdk.DynamoDBClient({}), table), log: (l) => console.log(l) });
  }
  return hook(event);
}
