/** The page's side of the jobs API (core/contracts/jobsApi.ts), through callDashboardApi; every
 * answer checked before use. */
import {
  decodeExecutionsPage,
  decodeJobsPage,
  JOB_CANCEL_PATH,
  JOB_EXECUTIONS_PATH,
  JOBS_API_PATH,
  MAX_EXECUTIONS_PAGE,
  type ExecutionRecord,
  type ExecutionsPage,
  type ExecutionStatusName,
  type JobSummary,
} from "../../core/contracts/jobsApi";
import { callDashboardApi } from "./dashboardApi";

/** A full job's executions are read in pages; this bounds one listing (40 pages of 250). */
const MAX_EXECUTION_PAGES = 40;

export class JobsClient {
  constructor(private readonly token: string) {}

  async listJobs(): Promise<JobSummary[]> {
    return decodeJobsPage(await this.call("GET", JOBS_API_PATH, {})).jobs;
  }

  executionsPage(jobId: string, status: ExecutionStatusName | undefined, after?: string, limit = MAX_EXECUTIONS_PAGE): Promise<ExecutionsPage> {
    return this.call("GET", JOB_EXECUTIONS_PATH, { job: jobId, limit: String(limit), ...(status ? { status } : {}), ...(after ? { after } : {}) }).then(decodeExecutionsPage);
  }

  /** Every execution of a job, page by page (bounded). */
  async allExecutions(jobId: string): Promise<ExecutionRecord[]> {
    const all: ExecutionRecord[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < MAX_EXECUTION_PAGES; pages++) {
      const page = await this.executionsPage(jobId, undefined, after);
      all.push(...page.executions);
      if (page.next === undefined || page.next === after) break;
      after = page.next;
    }
    return all;
  }

  async thingHistory(thing: string): Promise<ExecutionRecord[]> {
    return decodeExecutionsPage(await this.call("GET", JOB_EXECUTIONS_PATH, { thing })).executions;
  }

  async cancel(jobId: string): Promise<JobSummary> {
    const body = (await this.call("POST", JOB_CANCEL_PATH, { job: jobId })) as { job?: JobSummary };
    if (!body.job) throw new Error("the cancel answer names no job");
    return body.job;
  }

  private call(method: "GET" | "POST", path: string, query: Record<string, string>): Promise<unknown> {
    return callDashboardApi(this.token, method, path, query);
  }
}
