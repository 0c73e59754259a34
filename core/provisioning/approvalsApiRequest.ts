/** The approvals API's request handling (core/contracts/approvalsApi.ts), shared by the local
 * dashboard server and the AWS Lambda behind CloudFront: method and parameter checks, the
 * dashboard token and its role (approve and deny are operator-only:
 * core/contracts/dashboardRoles.ts), then the answer from whichever approvals store the cloud has. */
import { APPROVALS_API_PATH, APPROVE_PATH, DENY_PATH, type ApprovalRecord } from "../contracts/approvalsApi";
import { tokenRefusal, type TokenCheck } from "../contracts/dashboardToken";
import { roleMay } from "../contracts/dashboardRoles";
import { claimSerialProblem } from "./approval";

export interface ApprovalsApiRequest {
  method: string;
  /** The path without its leading `/`, e.g. `api/approvals/approve`. */
  path: string;
  /** The `x-snapfleet-token` header. */
  token: string | undefined;
  query: { get(name: string): string | null };
}

export interface ApprovalsApiResponse {
  status: 200 | 400 | 401 | 403 | 404 | 405 | 500;
  body: string;
  /** Set on 405: the methods the path takes. */
  allow?: string;
}

export interface ApprovalsSource {
  verifyToken(token: string | undefined): TokenCheck | Promise<TokenCheck>;
  /** Every board that asked or was decided, pending first, then by serial (bounded by the store). */
  list(): Promise<ApprovalRecord[]>;
  /** Records the operator's decision (before or after the board asked). */
  decide(serial: string, state: "approved" | "denied"): Promise<ApprovalRecord>;
}

export function isApprovalsApiPath(path: string): boolean {
  return path === APPROVALS_API_PATH || path === APPROVE_PATH || path === DENY_PATH;
}

export async function answerApprovalsRequest(request: ApprovalsApiRequest, source: ApprovalsSource, app: string): Promise<ApprovalsApiResponse> {
  const fail = (status: ApprovalsApiResponse["status"], error: string, allow?: string): ApprovalsApiResponse => ({ status, body: JSON.stringify({ error }), ...(allow ? { allow } : {}) });
  if (!isApprovalsApiPath(request.path)) return fail(404, `no such approvals API path: /${request.path}`);
  const wanted = request.path === APPROVALS_API_PATH ? "GET" : "POST";
  if (request.method !== wanted && !(wanted === "GET" && request.method === "HEAD")) {
    return fail(405, `/${request.path} takes ${wanted}${wanted === "POST" ? " (it decides about a board)" : ""}, not ${request.method}`, wanted === "GET" ? "GET, HEAD" : "POST");
  }
  const check = await source.verifyToken(request.token);
  if (!check.valid) return fail(401, tokenRefusal(check));
  try {
    if (request.path === APPROVALS_API_PATH) return ok({ devices: await source.list() });
    const allowed = roleMay(check.role, "devices:approve");
    if (!allowed.allowed) return fail(403, allowed.reason);
    // The same check RegisterThing's serial gets: a name that can become a thing, not a reserved client id.
    const serial = request.query.get("serial");
    if (serial === null) return fail(400, `/${request.path} needs ?serial=<the board's serial>`);
    const problem = claimSerialProblem(app, serial);
    if (problem) return fail(400, problem);
    return ok({ device: await source.decide(serial, request.path === APPROVE_PATH ? "approved" : "denied") });
  } catch (error) {
    return fail(500, `approvals could not be read or written: ${(error as Error).message}`);
  }
}

function ok(body: unknown): ApprovalsApiResponse {
  return { status: 200, body: JSON.stringify(body) };
}
