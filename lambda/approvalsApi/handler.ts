/** The approvals API Lambda (core/contracts/approvalsApi.ts) behind CloudFront, through a Lambda
 * function URL (payload format 2.0), like the jobs API (lambda/jobsApi/handler.ts): the dashboard
 * token and its role are checked with the authorizer's key, then the approvals table the
 * pre-provisioning hook reads answers (lambda/provisioningHook/dynamoApprovals.ts). A viewer's
 * approve or deny is refused before the table is touched. */
import type { ApprovalRecord } from "../../core/contracts/approvalsApi";
import { verifyDashboardToken } from "../../core/contracts/dashboardToken";
import { FLEET_STATUS_TOKEN_HEADER } from "../../core/contracts/fleetStatus";
import { answerApprovalsRequest } from "../../core/provisioning/approvalsApiRequest";
import type { FunctionUrlEvent, FunctionUrlResult } from "../fleetStatus/handler";

export interface ApprovalsApiEvent extends FunctionUrlEvent {
  rawPath?: string;
}

/** What the API needs of the table (DynamoApprovals fits). */
export interface ApprovalsTableForApi {
  list(): Promise<ApprovalRecord[]>;
  decide(serial: string, state: "approved" | "denied", now: number): Promise<ApprovalRecord>;
}

export interface ApprovalsApiConfig {
  app: string;
  table: ApprovalsTableForApi;
  loadKey: () => Promise<Uint8Array>;
  now?: () => number;
  /** Where decisions are recorded (CloudWatch in Lambda). */
  log?: (line: string) => void;
}

export function createApprovalsApi(config: ApprovalsApiConfig) {
  const now = config.now ?? Date.now;
  const log = config.log ?? (() => {});
  return async (event: ApprovalsApiEvent): Promise<FunctionUrlResult> => {
    const method = event.requestContext?.http?.method ?? "GET";
    const path = (event.rawPath ?? "").replace(/^\/+/, "");
    const answer = await answerApprovalsRequest(
      { method, path, token: event.headers?.[FLEET_STATUS_TOKEN_HEADER], query: new URLSearchParams(event.rawQueryString ?? "") },
      {
        verifyToken: async (token) => verifyDashboardToken(await config.loadKey(), config.app, token, now(), "dashboard token signature is wrong (forged, or signed with another key)"),
        list: () => config.table.list(),
        decide: (serial, state) => config.table.decide(serial, state, now()),
      },
      config.app,
    );
    if (method === "POST") log(`approvals API: ${path}?${event.rawQueryString ?? ""} answered ${answer.status}`);
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...(answer.allow ? { allow: answer.allow } : {}) };
    return { statusCode: answer.status, headers, body: answer.body };
  };
}
