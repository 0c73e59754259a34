/** The jobs API (core/contracts/jobsApi.ts) over the local Jobs service: what AWS IoT's
 * ListJobs + DescribeJob, ListJobExecutionsForJob, ListJobExecutionsForThing and CancelJob answer
 * on AWS (lambda/jobsApi), read from the local JobBook. The local dashboard server serves it. */
import type { TokenCheck } from "../../core/contracts/dashboardToken";
import { MAX_LISTED_JOBS, type ExecutionRecord, type ExecutionsPage, type JobSummary } from "../../core/contracts/jobsApi";
import type { Execution, Job } from "../../core/jobs/jobBook";
import { JobAlreadyEnded, JobNotFound, type JobsSource } from "../../core/jobs/jobsApiRequest";
import type { JobsService } from "./jobsService";

export function localJobsSource(jobs: JobsService, app: string, verifyToken: (token: string | undefined) => TokenCheck): JobsSource {
  const ofApp = (job: Job | undefined): job is Job => job !== undefined && job.config.jobId.startsWith(`${app}-`);
  const jobOrThrow = (jobId: string): Job => {
    const job = jobs.book.job(jobId);
    if (!ofApp(job)) throw new JobNotFound(`no job "${jobId}" of ${app}`);
    return job;
  };
  // Newest first; jobs created in the same millisecond keep their creation order, reversed.
  const newestFirst = () => jobs.book.allJobs().filter(ofApp).reverse().sort((a, b) => b.createdAt - a.createdAt);
  return {
    verifyToken,
    listJobs: async () => newestFirst().slice(0, MAX_LISTED_JOBS).map(summary),
    jobExecutions: async (jobId, status, after, limit): Promise<ExecutionsPage> => {
      const job = jobOrThrow(jobId);
      const matching = [...job.executions.values()].filter((e) => (status === undefined || e.status === status) && (after === undefined || e.thingName > after));
      matching.sort((a, b) => (a.thingName < b.thingName ? -1 : 1));
      const executions = matching.slice(0, limit).map(record);
      return matching.length > limit ? { executions, next: executions[executions.length - 1].thing } : { executions };
    },
    thingExecutions: async (thing) => newestFirst().flatMap((job) => (job.executions.has(thing) ? [record(job.executions.get(thing)!)] : [])),
    cancelJob: async (jobId) => {
      const job = jobOrThrow(jobId);
      if (job.status !== "IN_PROGRESS") throw new JobAlreadyEnded(`job "${jobId}" is already ${job.status}${job.reasonCode ? ` (${job.reasonCode})` : ""}: nothing to cancel`);
      jobs.cancelJob(jobId);
      return summary(job);
    },
  };
}

function summary(job: Job): JobSummary {
  const counts: JobSummary["counts"] = {};
  for (const e of job.executions.values()) counts[e.status] = (counts[e.status] ?? 0) + 1;
  return { jobId: job.config.jobId, status: job.status, createdAt: job.createdAt, ...(job.reasonCode ? { reasonCode: job.reasonCode } : {}), counts };
}

function record(e: Execution): ExecutionRecord {
  return {
    jobId: e.jobId,
    thing: e.thingName,
    status: e.status,
    lastUpdatedAt: e.lastUpdatedAt,
    ...(e.queuedAt !== undefined ? { queuedAt: e.queuedAt } : {}),
    ...(e.startedAt !== undefined ? { startedAt: e.startedAt } : {}),
    ...(Object.keys(e.statusDetails).length ? { statusDetails: e.statusDetails } : {}),
  };
}
