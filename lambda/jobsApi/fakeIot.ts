/** A stand-in for `@aws-sdk/client-iot` in tests (AWS can't be reached from the test machine):
 * the five job commands the jobs API Lambda sends, on plain data, with AWS's shapes (Dates for
 * timestamps, thing ARNs, `jobProcessDetails`, `nextToken` pages of `maxResults`) and its
 * exceptions by name (ResourceNotFoundException, InvalidStateTransitionException). */
import type { IotModule } from "./iotJobsSource";

export interface FakeJob {
  jobId: string;
  status: "IN_PROGRESS" | "CANCELED" | "COMPLETED";
  createdAt: number;
  reasonCode?: string;
  /** thing → execution status */
  executions: Map<string, string>;
}

export interface FakeIot {
  module: IotModule;
  jobs: Map<string, FakeJob>;
  sent: Array<{ command: string; input: any }>;
}

const ARN = "arn:aws:iot:eu-west-1:123456789012";

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

export function fakeIot(): FakeIot {
  const jobs = new Map<string, FakeJob>();
  const sent: FakeIot["sent"] = [];
  class Command {
    constructor(readonly input: any) {}
  }
  class ListJobsCommand extends Command {}
  class DescribeJobCommand extends Command {}
  class ListJobExecutionsForJobCommand extends Command {}
  class ListJobExecutionsForThingCommand extends Command {}
  class CancelJobCommand extends Command {}
  const page = <T>(items: T[], input: { maxResults?: number; nextToken?: string }) => {
    const start = input.nextToken ? Number(Buffer.from(input.nextToken, "base64").toString()) : 0;
    const size = input.maxResults ?? 50;
    if (!Number.isInteger(size) || size < 1 || size > 250) throw awsError("InvalidRequestException", "maxResults must be 1-250");
    const next = start + size < items.length ? Buffer.from(String(start + size)).toString("base64") : undefined;
    return { items: items.slice(start, start + size), nextToken: next };
  };
  const job = (jobId: string) => {
    const found = jobs.get(jobId);
    if (!found) throw awsError("ResourceNotFoundException", `Job ${jobId} cannot be found.`);
    return found;
  };
  const summary = (status: string, t: number) => ({ status, queuedAt: new Date(t), lastUpdatedAt: new Date(t + 1000), executionNumber: 1 });
  class IoTClient {
    async send(command: Command): Promise<any> {
      sent.push({ command: command.constructor.name, input: command.input });
      const input = command.input;
      if (command instanceof ListJobsCommand) {
        // Oldest first, as an account that has many jobs may list them: the Lambda sorts.
        const { items, nextToken } = page([...jobs.values()].sort((a, b) => a.createdAt - b.createdAt), input);
        return { jobs: items.map((j) => ({ jobId: j.jobId, jobArn: `${ARN}:job/${j.jobId}`, status: j.status, createdAt: new Date(j.createdAt) })), nextToken };
      }
      if (command instanceof DescribeJobCommand) {
        const j = job(input.jobId);
        const count = (status: string) => [...j.executions.values()].filter((s) => s === status).length;
        return {
          job: {
            jobId: j.jobId,
            status: j.status,
            createdAt: new Date(j.createdAt),
            ...(j.reasonCode ? { reasonCode: j.reasonCode } : {}),
            jobProcessDetails: {
              numberOfQueuedThings: count("QUEUED"),
              numberOfInProgressThings: count("IN_PROGRESS"),
              numberOfSucceededThings: count("SUCCEEDED"),
              numberOfFailedThings: count("FAILED"),
              numberOfRejectedThings: 0,
              numberOfCanceledThings: count("CANCELED"),
              numberOfTimedOutThings: count("TIMED_OUT"),
              numberOfRemovedThings: 0,
            },
          },
        };
      }
      if (command instanceof ListJobExecutionsForJobCommand) {
        const j = job(input.jobId);
        const matching = [...j.executions].filter(([, s]) => input.status === undefined || s === input.status);
        const { items, nextToken } = page(matching, input);
        return { executionSummaries: items.map(([thing, s]) => ({ thingArn: `${ARN}:thing/${thing}`, jobExecutionSummary: summary(s, j.createdAt) })), nextToken };
      }
      if (command instanceof ListJobExecutionsForThingCommand) {
        const mine = [...jobs.values()].filter((j) => j.executions.has(input.thingName));
        const { items, nextToken } = page(mine, input);
        return { executionSummaries: items.map((j) => ({ jobId: j.jobId, jobExecutionSummary: summary(j.executions.get(input.thingName)!, j.createdAt) })), nextToken };
      }
      if (command instanceof CancelJobCommand) {
        const j = job(input.jobId);
        if (j.status !== "IN_PROGRESS") throw awsError("InvalidStateTransitionException", `Job ${j.jobId} is in a terminal state ${j.status}.`);
        j.status = "CANCELED";
        j.reasonCode = input.reasonCode;
        for (const [thing, s] of j.executions) if (s === "QUEUED") j.executions.set(thing, "CANCELED");
        return { jobId: j.jobId, jobArn: `${ARN}:job/${j.jobId}` };
      }
      throw new Error(`fake IoT: unexpected command ${command.constructor.name}`);
    }
  }
  const module = { IoTClient, ListJobsCommand, DescribeJobCommand, ListJobExecutionsForJobCommand, ListJobExecutionsForThingCommand, CancelJobCommand } as unknown as IotModule;
  return { module, jobs, sent };
}
