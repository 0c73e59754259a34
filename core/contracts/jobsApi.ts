/** The jobs API: what the dashboard's rollout panel and device page read about OTA jobs, and how an
 * operator cancels one. Served like the fleet-status API (core/contracts/fleetStatus.ts): on the
 * dashboard's own origin, with the dashboard token in its own header; locally by the dashboard
 * server from the local Jobs service, on AWS by a Lambda behind CloudFront calling AWS IoT's
 * ListJobs / DescribeJob / ListJobExecutionsForJob / ListJobExecutionsForThing / CancelJob
 * (components/jobsApi.ts).
 *
 *   GET  {origin}/api/jobs                                     → {"jobs": [JobSummary…]}, newest first
 *   GET  {origin}/api/jobs/executions?job=ID[&status=S][&limit=N][&after=CURSOR]
 *                                                              → {"executions": [ExecutionRecord…], "next"?}
 *   GET  {origin}/api/jobs/executions?thing=NAME               → the thing's OTA history, newest first
 *   POST {origin}/api/jobs/cancel?job=ID                       → {"job": JobSummary}   (operators only)
 *   x-snapfleet-token: <dashboard token>
 *   → 400 / 401 / 403 / 404 / 405 / 500 {"error": "…"}
 *
 * Only the dashboard's app's jobs are listed (job ids start with `{app}-`, core/contracts/jobDocument.ts). */
import { checkName } from "./names";

export const JOBS_API_PATH = "api/jobs";
export const JOB_EXECUTIONS_PATH = "api/jobs/executions";
export const JOB_CANCEL_PATH = "api/jobs/cancel";
/** AWS's ListJobExecutionsForJob allows maxResults 1–250. */
export const MAX_EXECUTIONS_PAGE = 250;
/** The rollout panel shows the most recent jobs (each costs AWS a DescribeJob call). */
export const MAX_LISTED_JOBS = 20;
/** CloudFront's origin access control signs requests to a Lambda function URL, and for a POST
 * the viewer must send the SHA-256 of the body itself ("If you use PUT or POST methods with your
 * Lambda function URL, your users must compute the SHA256 of the body and include the payload
 * hash value of the request body in the x-amz-content-sha256 header",
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html).
 * Cancel has an empty body: this is the SHA-256 of nothing. */
export const EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export const EXECUTION_STATUSES = ["QUEUED", "IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED", "TIMED_OUT", "CANCELED", "REMOVED"] as const;
export type ExecutionStatusName = (typeof EXECUTION_STATUSES)[number];

export interface JobSummary {
  jobId: string;
  /** AWS's job status: IN_PROGRESS, CANCELED, COMPLETED, DELETION_IN_PROGRESS (SCHEDULED for staged ones). */
  status: string;
  /** unix ms */
  createdAt: number;
  /** Why it was cancelled (SUPERSEDED, ABORTED, USER_CANCELED...), when it was. */
  reasonCode?: string;
  /** Executions per status (AWS's jobProcessDetails); statuses with none may be absent. */
  counts: Partial<Record<ExecutionStatusName, number>>;
}

export interface ExecutionRecord {
  jobId: string;
  thing: string;
  status: ExecutionStatusName;
  /** unix ms */
  lastUpdatedAt: number;
  queuedAt?: number;
  startedAt?: number;
  /** What the device reported (the local cloud has it; AWS's list calls don't return it). */
  statusDetails?: Record<string, string>;
}

export interface JobsPage {
  jobs: JobSummary[];
}

export interface ExecutionsPage {
  executions: ExecutionRecord[];
  next?: string;
}

export function isExecutionStatus(value: unknown): value is ExecutionStatusName {
  return typeof value === "string" && (EXECUTION_STATUSES as readonly string[]).includes(value);
}

/** Checks a jobs page from the wire; throws naming the first bad field. */
export function decodeJobsPage(value: unknown): JobsPage {
  const page = value as Partial<JobsPage> | null;
  if (typeof page !== "object" || page === null || !Array.isArray(page.jobs)) throw new Error(`jobs: expected {"jobs": [...]}`);
  page.jobs.forEach((job, i) => {
    const j = job as Partial<JobSummary> | null;
    if (typeof j !== "object" || j === null) throw new Error(`jobs: jobs[${i}] is not an object`);
    if (typeof j.jobId !== "string" || typeof j.status !== "string" || typeof j.createdAt !== "number") throw new Error(`jobs: jobs[${i}] needs jobId, status (strings) and createdAt (unix ms)`);
    if (typeof j.counts !== "object" || j.counts === null) throw new Error(`jobs: jobs[${i}].counts must be an object`);
    for (const [status, n] of Object.entries(j.counts)) {
      if (!isExecutionStatus(status) || typeof n !== "number") throw new Error(`jobs: jobs[${i}].counts.${status} is not an execution status with a number`);
    }
  });
  return { jobs: page.jobs };
}

/** Checks an executions page from the wire; throws naming the first bad field. */
export function decodeExecutionsPage(value: unknown): ExecutionsPage {
  const page = value as Partial<ExecutionsPage> | null;
  if (typeof page !== "object" || page === null || !Array.isArray(page.executions)) throw new Error(`job executions: expected {"executions": [...]}`);
  if (page.next !== undefined && typeof page.next !== "string") throw new Error(`job executions: "next" must be a string`);
  page.executions.forEach((e, i) => {
    const r = e as Partial<ExecutionRecord> | null;
    if (typeof r !== "object" || r === null) throw new Error(`job executions: executions[${i}] is not an object`);
    const thingProblem = checkName("thing", r.thing);
    if (thingProblem) throw new Error(`job executions: executions[${i}]: ${thingProblem}`);
    if (typeof r.jobId !== "string" || !isExecutionStatus(r.status) || typeof r.lastUpdatedAt !== "number") {
      throw new Error(`job executions: executions[${i}] needs jobId, an execution status and lastUpdatedAt (unix ms)`);
    }
  });
  return { executions: page.executions, ...(page.next !== undefined ? { next: page.next } : {}) };
}
