/** The staged-rollout scheduler on AWS: run every minute by an EventBridge schedule, it looks at
 * each IN_PROGRESS OTA job of the app that targets stage 1's thing group and applies the decision
 * of core/jobs/stagedRollout.ts (the one the local cloud runs): CancelJob when the failure share
 * reached the threshold, AssociateTargetsWithJob with the next stage's group when the current
 * stage waited its minutes, nothing otherwise. Design and AWS pages: docs/staged-rollouts.md.
 *
 * State lives on the job itself: its targets say which stages it reached, and a tag says when
 * the last one started (AWS jobs carry tags; TagResource/ListTagsForResource take a job ARN).
 * So the Lambda keeps nothing between runs, and a failed run is simply retried a minute later. */
import type {
  AssociateTargetsWithJobCommandInput,
  CancelJobCommandInput,
  DescribeJobCommandInput,
  DescribeJobCommandOutput,
  ListJobsCommandInput,
  ListJobsCommandOutput,
  ListTagsForResourceCommandInput,
  ListTagsForResourceCommandOutput,
  TagResourceCommandInput,
} from "@aws-sdk/client-iot";
import { decideRollout, stageGroupName, type RolloutDecision, type StagedRolloutPolicy } from "../../core/jobs/stagedRollout";

/** What the scheduler is told at deploy time (environment SNAPFLEET_ROLLOUT, JSON). */
export interface RolloutSchedulerConfig extends StagedRolloutPolicy {
  /** The fleet's thing group (stage k's group is `${thingGroup}-stage-k`). */
  thingGroup: string;
  /** ARNs of the stage groups, in stage order. */
  stageGroupArns: string[];
}

type Command<I> = new (input: I) => { input: I };

/** The command classes used, from @aws-sdk/client-iot (the Lambda runtime's; tests pass the installed one). */
export interface IotCommands {
  ListJobsCommand: Command<ListJobsCommandInput>;
  DescribeJobCommand: Command<DescribeJobCommandInput>;
  ListTagsForResourceCommand: Command<ListTagsForResourceCommandInput>;
  TagResourceCommand: Command<TagResourceCommandInput>;
  AssociateTargetsWithJobCommand: Command<AssociateTargetsWithJobCommandInput>;
  CancelJobCommand: Command<CancelJobCommandInput>;
}

export interface IotClientLike {
  send(command: { input: object }): Promise<any>;
}

export interface RolloutSchedulerDeps {
  config: RolloutSchedulerConfig;
  sdk: IotCommands;
  client: IotClientLike;
  now?: () => number;
  log?: (line: string) => void;
}

/** When the job's current stage started: `<stage index>:<ms since epoch>`. */
export const STAGE_STARTED_TAG = "snapfleet:stage-started-at";

export interface JobOutcome {
  jobId: string;
  stage: number;
  decision: RolloutDecision["action"];
}

export function createRolloutScheduler(deps: RolloutSchedulerDeps): () => Promise<JobOutcome[]> {
  const { config, sdk, client } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => {});
  const firstGroup = stageGroupName(config.thingGroup, 0);

  async function jobsOnStageOne(): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await client.send(new sdk.ListJobsCommand({ status: "IN_PROGRESS", thingGroupName: firstGroup, maxResults: 100, nextToken }))) as ListJobsCommandOutput;
      for (const job of page.jobs ?? []) if (job.jobId) ids.push(job.jobId);
      nextToken = page.nextToken;
    } while (nextToken);
    return ids;
  }

  /** When the stage started: the tag when it names this stage, the job's creation for stage 1;
   * otherwise (the tag write after an advance failed) now, recorded, so the stage waits in full. */
  async function stageStartedAt(jobArn: string, stage: number, createdAt: number): Promise<number> {
    const { tags } = (await client.send(new sdk.ListTagsForResourceCommand({ resourceArn: jobArn }))) as ListTagsForResourceCommandOutput;
    const tag = tags?.find((t) => t.Key === STAGE_STARTED_TAG)?.Value;
    const [taggedStage, at] = (tag ?? "").split(":").map(Number);
    if (tag && taggedStage === stage && Number.isFinite(at)) return at;
    if (stage === 0) return createdAt;
    const started = now();
    await tagStage(jobArn, stage, started);
    return started;
  }

  async function tagStage(jobArn: string, stage: number, at: number): Promise<void> {
    await client.send(new sdk.TagResourceCommand({ resourceArn: jobArn, tags: [{ Key: STAGE_STARTED_TAG, Value: `${stage}:${at}` }] }));
  }

  async function step(jobId: string): Promise<JobOutcome | undefined> {
    const { job } = (await client.send(new sdk.DescribeJobCommand({ jobId }))) as DescribeJobCommandOutput;
    if (!job || job.status !== "IN_PROGRESS" || !job.jobArn) return undefined;
    const reached = (job.targets ?? []).map((arn) => config.stageGroupArns.indexOf(arn)).filter((i) => i >= 0);
    if (!reached.length) return undefined; // not a staged job of this app
    const stage = Math.max(...reached);
    const d = job.jobProcessDetails ?? {};
    const decision = decideRollout(
      config,
      {
        stage,
        stageStartedAt: await stageStartedAt(job.jobArn, stage, job.createdAt ? new Date(job.createdAt).getTime() : now()),
        counts: {
          queued: d.numberOfQueuedThings ?? 0,
          inProgress: d.numberOfInProgressThings ?? 0,
          succeeded: d.numberOfSucceededThings ?? 0,
          failed: d.numberOfFailedThings ?? 0,
          rejected: d.numberOfRejectedThings ?? 0,
          timedOut: d.numberOfTimedOutThings ?? 0,
        },
      },
      now(),
    );
    if (decision.action === "halt") {
      // force: false, as AWS's own abort does: devices already installing finish (A/B slots keep them safe).
      await client.send(new sdk.CancelJobCommand({ jobId, reasonCode: decision.reasonCode, comment: decision.comment.slice(0, 2028), force: false }));
      log(`${jobId}: ${decision.comment}`);
    } else if (decision.action === "advance") {
      // One stage per run: the next run (a minute later) sees the new stage's counts first.
      await client.send(new sdk.AssociateTargetsWithJobCommand({ jobId, targets: [config.stageGroupArns[decision.stage]], comment: decision.comment.slice(0, 2028) }));
      await tagStage(job.jobArn, decision.stage, now());
      log(`${jobId}: ${decision.comment}`);
    }
    return { jobId, stage, decision: decision.action };
  }

  return async () => {
    const outcomes: JobOutcome[] = [];
    for (const jobId of await jobsOnStageOne()) {
      // One job's trouble (throttling, a job deleted meanwhile) must not stall the others.
      try {
        const outcome = await step(jobId);
        if (outcome) outcomes.push(outcome);
      } catch (error) {
        log(`${jobId}: ${(error as Error).name}: ${(error as Error).message} (retried on the next run)`);
      }
    }
    return outcomes;
  };
}
