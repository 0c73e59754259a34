/** The jobs API (core/contracts/jobsApi.ts) over AWS IoT's control plane, for the Lambda behind
 * CloudFront: ListJobs + DescribeJob (counts: `jobProcessDetails`), ListJobExecutionsForJob,
 * ListJobExecutionsForThing and CancelJob (AWS IoT API reference,
 * https://docs.aws.amazon.com/iot/latest/apireference/API_Operations_AWS_IoT.html). The local
 * cloud answers the same requests from its Jobs service (local/jobs/jobsApiSource.ts). */
import { isExecutionStatus, MAX_LISTED_JOBS, type ExecutionRecord, type ExecutionsPage, type JobSummary } from "../../core/contracts/jobsApi";
import { JobAlreadyEnded, JobNotFound, type JobsSource } from "../../core/jobs/jobsApiRequest";

/** The parts of `@aws-sdk/client-iot` used here (the Lambda runtime provides the module). */
export interface IotModule {
  IoTClient: new (config: object) => IotClient;
  ListJobsCommand: new (input: object) => unknown;
  DescribeJobCommand: new (input: object) => unknown;
  ListJobExecutionsForJobCommand: new (input: object) => unknown;
  ListJobExecutionsForThingCommand: new (input: object) => unknown;
  CancelJobCommand: new (input: object) => unknown;
}

export interface IotClient {
  send(command: unknown): Promise<any>;
}

/** ListJobs pages read at most (250 jobs each): an account's old jobs must not make a page load slow. */
const MAX_LIST_PAGES = 4;
/** AWS's maxResults bound for the list calls. */
const MAX_RESULTS = 250;

/** "numberOfQueuedThings" → QUEUED, ... (DescribeJob's JobProcessDetails). */
const COUNT_FIELDS: Record<string, keyof JobSummary["counts"]> = {
  numberOfQueuedThings: "QUEUED",
  numberOfInProgressThings: "IN_PROGRESS",
  numberOfSucceededThings: "SUCCEEDED",
  numberOfFailedThings: "FAILED",
  numberOfRejectedThings: "REJECTED",
  numberOfTimedOutThings: "TIMED_OUT",
  numberOfCanceledThings: "CANCELED",
  numberOfRemovedThings: "REMOVED",
};

export function iotJobsSource(sdk: IotModule, client: IotClient, app: string, verifyToken: JobsSource["verifyToken"]): JobsSource {
  const ofApp = (jobId: unknown): jobId is string => typeof jobId === "string" && jobId.startsWith(`${app}-`);
  const describe = async (jobId: string): Promise<JobSummary> => {
    const { job } = await call(() => client.send(new sdk.DescribeJobCommand({ jobId })), jobId);
    const counts: JobSummary["counts"] = {};
    for (const [field, status] of Object.entries(COUNT_FIELDS)) {
      const n = job?.jobProcessDetails?.[field];
      if (typeof n === "number" && n > 0) counts[status] = n;
    }
    return { jobId, status: String(job?.status ?? "UNKNOWN"), createdAt: millis(job?.createdAt), ...(job?.reasonCode ? { reasonCode: String(job.reasonCode) } : {}), counts };
  };
  return {
    verifyToken,
    async listJobs() {
      const jobs: { jobId: string; createdAt: number }[] = [];
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const answer = await client.send(new sdk.ListJobsCommand({ maxResults: MAX_RESULTS, ...(nextToken ? { nextToken } : {}) }));
        for (const j of answer.jobs ?? []) if (ofApp(j.jobId)) jobs.push({ jobId: j.jobId, createdAt: millis(j.createdAt) });
        nextToken = answer.nextToken;
        if (!nextToken) break;
      }
      // ListJobs promises no order: newest first here, then the counts of the ones shown.
      jobs.sort((a, b) => b.createdAt - a.createdAt);
      return Promise.all(jobs.slice(0, MAX_LISTED_JOBS).map((j) => describe(j.jobId)));
    },
    async jobExecutions(jobId, status, after, limit): Promise<ExecutionsPage> {
      const answer = await call(() => client.send(new sdk.ListJobExecutionsForJobCommand({ jobId, maxResults: limit, ...(status ? { status } : {}), ...(after ? { nextToken: after } : {}) })), jobId);
      const executions = (answer.executionSummaries ?? []).flatMap((s: { thingArn?: string; jobExecutionSummary?: Summary }) => {
        const record = toRecord(jobId, thingOfArn(s.thingArn), s.jobExecutionSummary);
        return record ? [record] : [];
      });
      return { executions, ...(answer.nextToken ? { next: String(answer.nextToken) } : {}) };
    },
    async thingExecutions(thing) {
      const records: ExecutionRecord[] = [];
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const answer = await call(() => client.send(new sdk.ListJobExecutionsForThingCommand({ thingName: thing, maxResults: MAX_RESULTS, ...(nextToken ? { nextToken } : {}) })), undefined);
        for (const s of answer.executionSummaries ?? []) {
          if (!ofApp(s.jobId)) continue;
          const record = toRecord(s.jobId, thing, s.jobExecutionSummary);
          if (record) records.push(record);
        }
        nextToken = answer.nextToken;
        if (!nextToken) break;
      }
      return records.sort((a, b) => (b.queuedAt ?? b.lastUpdatedAt) - (a.queuedAt ?? a.lastUpdatedAt));
    },
    async cancelJob(jobId) {
      // Without `force`: queued executions are cancelled, devices already installing finish.
      await call(() => client.send(new sdk.CancelJobCommand({ jobId, reasonCode: "USER_CANCELED", comment: "cancelled from the snapfleet dashboard by an operator" })), jobId);
      return describe(jobId);
    },
  };
}

interface Summary {
  status?: string;
  queuedAt?: Date | number;
  startedAt?: Date | number;
  lastUpdatedAt?: Date | number;
}

function toRecord(jobId: string, thing: string | undefined, s: Summary | undefined): ExecutionRecord | undefined {
  if (!thing || !s || !isExecutionStatus(s.status)) return undefined;
  return {
    jobId,
    thing,
    status: s.status,
    lastUpdatedAt: millis(s.lastUpdatedAt),
    ...(s.queuedAt !== undefined ? { queuedAt: millis(s.queuedAt) } : {}),
    ...(s.startedAt !== undefined ? { startedAt: millis(s.startedAt) } : {}),
  };
}

/** `arn:aws:iot:{region}:{account}:thing/{name}` → name. */
function thingOfArn(arn: string | undefined): string | undefined {
  const at = arn?.lastIndexOf(":thing/") ?? -1;
  return at < 0 ? undefined : arn!.slice(at + ":thing/".length);
}

/** The SDK returns Dates for timestamps. */
function millis(value: Date | number | undefined): number {
  return value instanceof Date ? value.getTime() : typeof value === "number" ? value : 0;
}

/** AWS's exceptions as the jobs API's answers: 404 for a job that isn't there, 409 for one that
 * can't be cancelled any more. */
async function call<T>(request: () => Promise<T>, jobId: string | undefined): Promise<T> {
  try {
    return await request();
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "ResourceNotFoundException") throw new JobNotFound(`no job "${jobId}"`);
    if (name === "InvalidStateTransitionException") throw new JobAlreadyEnded(`job "${jobId}" can't be cancelled any more: ${(error as Error).message}`);
    throw error;
  }
}
