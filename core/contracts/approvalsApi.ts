/** The approvals API: the dashboard's list of boards that asked to join the fleet by claim
 * (onboarding by claim, core/provisioning/approval.ts), and an operator's approve / deny. Served
 * like the jobs API (core/contracts/jobsApi.ts): on the dashboard's own origin, with the dashboard
 * token in its own header; locally by the dashboard server from the local cloud's SQLite approvals
 * (local/provisioning/approvals.ts), on AWS by a Lambda behind CloudFront over the approvals
 * DynamoDB table the pre-provisioning hook reads (components/approvalsApi.ts).
 *
 *   GET  {origin}/api/approvals                  → {"devices": [ApprovalRecord…]}, pending first, then by serial
 *   POST {origin}/api/approvals/approve?serial=S → {"device": ApprovalRecord}   (operators only)
 *   POST {origin}/api/approvals/deny?serial=S    → {"device": ApprovalRecord}   (operators only)
 *   x-snapfleet-token: <dashboard token>
 *   → 400 / 401 / 403 / 404 / 405 / 500 {"error": "…"}
 *
 * The role check is the server's (the role is signed into the token): a viewer's page shows the
 * list without buttons, and a viewer's POST is refused with 403 all the same. */
import { checkName } from "./names";

export const APPROVALS_API_PATH = "api/approvals";
export const APPROVE_PATH = "api/approvals/approve";
export const DENY_PATH = "api/approvals/deny";
/** Boards listed at most (the local pending list holds 10,000; AWS expires undecided ones). */
export const MAX_LISTED_APPROVALS = 1000;

/** `joined`: the approval let its board through and is used up (core/provisioning/approval.ts). */
export const APPROVAL_STATES = ["pending", "approved", "denied", "joined"] as const;
export type ApprovalStateName = (typeof APPROVAL_STATES)[number];

export interface ApprovalRecord {
  /** The board's serial: its thing name once approved. */
  serial: string;
  state: ApprovalStateName;
  /** unix ms: when the board first asked (absent for a board decided before it asked). */
  firstSeen?: number;
  /** unix ms: when the board last asked (the local cloud keeps it). */
  lastSeen?: number;
  /** The claim batch the board asked with (the local cloud knows it). */
  batch?: string;
  /** unix ms: when an operator decided. */
  decidedAt?: number;
  /** unix ms: when the approved board joined, using the approval up (state `joined`). */
  joinedAt?: number;
  /** RegisterThing requests seen (the local cloud counts them; AWS's hook does not). */
  attempts?: number;
}

export interface ApprovalsPage {
  devices: ApprovalRecord[];
}

export function isApprovalState(value: unknown): value is ApprovalStateName {
  return typeof value === "string" && (APPROVAL_STATES as readonly string[]).includes(value);
}

/** Checks one record from the wire or a store; the problem, or undefined. */
function recordProblem(value: unknown): string | undefined {
  const r = value as Partial<ApprovalRecord> | null;
  if (typeof r !== "object" || r === null) return "not an object";
  const serialProblem = checkName("serial", r.serial);
  if (serialProblem) return serialProblem;
  if (!isApprovalState(r.state)) return `state must be one of ${APPROVAL_STATES.join(", ")}`;
  for (const field of ["firstSeen", "lastSeen", "decidedAt", "joinedAt", "attempts"] as const) {
    if (r[field] !== undefined && typeof r[field] !== "number") return `${field} must be a number`;
  }
  if (r.batch !== undefined && typeof r.batch !== "string") return "batch must be a string";
  return undefined;
}

/** Checks a list from the wire; throws naming the first bad field. */
export function decodeApprovalsPage(value: unknown): ApprovalsPage {
  const page = value as Partial<ApprovalsPage> | null;
  if (typeof page !== "object" || page === null || !Array.isArray(page.devices)) throw new Error(`approvals: expected {"devices": [...]}`);
  page.devices.forEach((d, i) => {
    const problem = recordProblem(d);
    if (problem) throw new Error(`approvals: devices[${i}]: ${problem}`);
  });
  return { devices: page.devices };
}

/** Checks a decision's answer (`{"device": ApprovalRecord}`); throws naming the bad field. */
export function decodeApprovalAnswer(value: unknown): ApprovalRecord {
  const device = (value as { device?: unknown } | null)?.device;
  const problem = recordProblem(device);
  if (problem) throw new Error(`approvals: device: ${problem}`);
  return device as ApprovalRecord;
}
