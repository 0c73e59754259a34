/** The approvals API (core/contracts/approvalsApi.ts) over the local cloud's SQLite approvals: what
 * the dashboard server answers with, as the AWS Lambda answers from DynamoDB. */
import { MAX_LISTED_APPROVALS, type ApprovalRecord } from "../../core/contracts/approvalsApi";
import type { TokenCheck } from "../../core/contracts/dashboardToken";
import type { ApprovalsSource } from "../../core/provisioning/approvalsApiRequest";
import type { ApprovalStore, DeviceApproval } from "./approvals";

export function localApprovalsSource(store: ApprovalStore, verifyToken: (token: string | undefined) => TokenCheck): ApprovalsSource {
  return {
    verifyToken,
    list: async () => store.list().slice(0, MAX_LISTED_APPROVALS).map(toRecord),
    decide: async (serial, state) => toRecord(state === "approved" ? store.approve(serial) : store.deny(serial)),
  };
}

function toRecord(a: DeviceApproval): ApprovalRecord {
  return {
    serial: a.serial,
    state: a.state,
    ...(a.firstSeen !== undefined ? { firstSeen: a.firstSeen } : {}),
    ...(a.lastSeen !== undefined ? { lastSeen: a.lastSeen } : {}),
    ...(a.batch !== undefined ? { batch: a.batch } : {}),
    ...(a.decidedAt !== undefined ? { decidedAt: a.decidedAt } : {}),
    ...(a.joinedAt !== undefined ? { joinedAt: a.joinedAt } : {}),
    attempts: a.attempts,
  };
}
