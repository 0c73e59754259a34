/** The page's side of the approvals API (core/contracts/approvalsApi.ts), through
 * callDashboardApi; every answer checked before use. */
import { APPROVALS_API_PATH, APPROVE_PATH, decodeApprovalAnswer, decodeApprovalsPage, DENY_PATH, type ApprovalRecord } from "../../core/contracts/approvalsApi";
import { callDashboardApi } from "./dashboardApi";

export class ApprovalsClient {
  constructor(private readonly token: string) {}

  async list(): Promise<ApprovalRecord[]> {
    return decodeApprovalsPage(await callDashboardApi(this.token, "GET", APPROVALS_API_PATH, {})).devices;
  }

  async decide(serial: string, decision: "approve" | "deny"): Promise<ApprovalRecord> {
    return decodeApprovalAnswer(await callDashboardApi(this.token, "POST", decision === "approve" ? APPROVE_PATH : DENY_PATH, { serial }));
  }
}
