/** The jobs API's request handling (core/contracts/jobsApi.ts), shared by the local dashboard
 * server and the AWS Lambda behind CloudFront: method and parameter checks, the dashboard token
 * and its role (cancel is operator-only: core/contracts/dashboardRoles.ts), then the answer from
 * whichever jobs service the cloud has. */
import { tokenRefusal, type TokenCheck } from "../contracts/dashboardToken";
import { roleMay } from "../contracts/dashboardRoles";
import { checkName } from "../contracts/names";
import {
  isExecutionStatus,
  JOB_CANCEL_PATH,
  JOB_EXECUTIONS_PATH,
  JOBS_API_PATH,
  MAX_EXECUTIONS_PAGE,
  type ExecutionRecord,
  type ExecutionsPage,
  type ExecutionStatusName,
  type JobSummary,
} from "../contracts/jobsApi";

export interface JobsApiRequest {
  method: string;
  /** The path without its leading `/`, e.g. `api/jobs/executions`. */
  path: string;
  /** The `x-snapfleet-token` header. */
  token: string | undefined;
  query: { get(name: string): string | null };
}

export interface JobsApiResponse {
  status: 200 | 400 | 401 | 403 | 404 | 405 | 409 | 500;
  body: string;
  /** Set on 405: the methods the path takes. */
  allow?: string;
}

/** A job that does not exist (or not of this app): answered 404. */
export class JobNotFound extends Error {}

/** A job that can't be cancelled any more (already cancelled or completed): answered 409. */
export class JobAlreadyEnded extends Error {}

export interface JobsSource {
  verifyToken(token: string | undefined): TokenCheck | Promise<TokenCheck>;
  /** The app's most recent jobs, newest first. */
  listJobs(): Promise<JobSummary[]>;
  jobExecutions(jobId: string, status: ExecutionStatusName | undefined, after: string | undefined, limit: number): Promise<ExecutionsPage>;
  /** Every execution of the app's jobs on this thing, newest first. */
  thingExecutions(thing: string): Promise<ExecutionRecord[]>;
  /** Cancels the job (queued executions are cancelled, in-progress ones finish, as AWS does). */
  cancelJob(jobId: string): Promise<JobSummary>;
}

export const DEFAULT_EXECUTIONS_PAGE = 100;
/** AWS's pagination tokens are opaque; the local cloud's are thing names. Bounded, printable. */
const CURSOR_PATTERN = /^[A-Za-z0-9+/=_.:-]{1,4096}$/;

export function isJobsApiPath(path: string): boolean {
  return path === JOBS_API_PATH || path === JOB_EXECUTIONS_PATH || path === JOB_CANCEL_PATH;
}

export async function answerJobsRequest(request: JobsApiRequest, source: JobsSource, app: string): Promise<JobsApiResponse> {
  const fail = (status: JobsApiResponse["status"], error: string, allow?: string): JobsApiResponse => ({ status, body: JSON.stringify({ error }), ...(allow ? { allow } : {}) });
  const wanted = request.path === JOB_CANCEL_PATH ? "POST" : "GET";
  if (!isJobsApiPath(request.path)) return fail(404, `no such jobs API path: /${request.path}`);
  if (request.method !== wanted && !(wanted === "GET" && request.method === "HEAD")) {
    return fail(405, `/${request.path} takes ${wanted}${wanted === "POST" ? " (it changes the job)" : ""}, not ${request.method}`, wanted === "GET" ? "GET, HEAD" : "POST");
  }
  const check = await source.verifyToken(request.token);
  if (!check.valid) return fail(401, tokenRefusal(check));
  const jobParam = (): string | JobsApiResponse => {
    const jobId = request.query.get("job");
    // Job ids of this app only: `{app}-...` (core/contracts/jobDocument.ts), AWS's character set.
    if (!jobId || !/^[a-zA-Z0-9_-]{1,64}$/.test(jobId) || !jobId.startsWith(`${app}-`)) {
      return fail(400, `job must be the id of one of ${app}'s jobs (${app}-…), got ${JSON.stringify((jobId ?? "").slice(0, 80))}`);
    }
    return jobId;
  };
  try {
    if (request.path === JOBS_API_PATH) return ok({ jobs: await source.listJobs() });
    if (request.path === JOB_CANCEL_PATH) {
      const allowed = roleMay(check.role, "jobs:cancel");
      if (!allowed.allowed) return fail(403, allowed.reason);
      const jobId = jobParam();
      if (typeof jobId !== "string") return jobId;
      return ok({ job: await source.cancelJob(jobId) });
    }
    const thing = request.query.get("thing");
    if (thing !== null) {
      const problem = checkName("thing", thing);
      if (problem) return fail(400, problem);
      return ok({ executions: await source.thingExecutions(thing) });
    }
    const jobId = jobParam();
    if (typeof jobId !== "string") return jobId;
    const status = request.query.get("status") ?? undefined;
    if (status !== undefined && !isExecutionStatus(status)) return fail(400, `status must be an execution status (QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, ...), got ${JSON.stringify(status.slice(0, 40))}`);
    const limitText = request.query.get("limit");
    const limit = limitText === null ? DEFAULT_EXECUTIONS_PAGE : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EXECUTIONS_PAGE) return fail(400, `limit must be an integer from 1 to ${MAX_EXECUTIONS_PAGE}, got ${JSON.stringify(limitText)}`);
    const after = request.query.get("after") ?? undefined;
    if (after !== undefined && !CURSOR_PATTERN.test(after)) return fail(400, `after must be the "next" cursor of the previous page`);
    return ok(await source.jobExecutions(jobId, status, after, limit));
  } catch (error) {
    if (error instanceof JobNotFound) return fail(404, error.message);
    if (error instanceof JobAlreadyEnded) return fail(409, error.message);
    return fail(500, `jobs could not be read: ${(error as Error).message}`);
  }
}

function ok(body: unknown): JobsApiResponse {
  return { status: 200, body: JSON.stringify(body) };
}
