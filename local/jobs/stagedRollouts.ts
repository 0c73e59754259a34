/** Staged rollouts in the local cloud: the local counterpart of the scheduler Lambda on AWS
 * (lambda/stagedRollout/), running the same decisions (core/jobs/stagedRollout.ts) against the
 * local Jobs service with the same AWS operations: the job targets stage 1's thing group, each
 * next stage's group is added with AssociateTargetsWithJob, a failing rollout is stopped with
 * CancelJob. Design and AWS pages: docs/staged-rollouts.md.
 *
 * It re-decides after every execution change (a failing canary halts at once) and at the end of
 * each stage's wait (a timer). Time comes from `now`, so tests drive it with a fake clock and call
 * `evaluate()` after moving it. */
import type { JobConfig } from "../../core/jobs/jobBook";
import {
  decideRollout,
  stageGroupName,
  stageOfThing,
  type RolloutStage,
  type StagedRolloutPolicy,
} from "../../core/jobs/stagedRollout";
import type { JobsService } from "./jobsService";

export interface StagedRolloutsOptions {
  jobs: JobsService;
  /** The fleet's thing group; stage k's group is `${thingGroup}-stage-k`. */
  thingGroup: string;
  /** Checked stages (checkStages) and the failure threshold. */
  policy: StagedRolloutPolicy;
  now?: () => number;
  log?: (line: string) => void;
}

/** What the rollout panel and the CLI show about the current rollout. */
export interface RolloutState {
  jobId: string;
  stages: readonly RolloutStage[];
  /** 0-based index of the last stage reached. */
  stage: number;
  stageStartedAt: number;
  /** complete: every stage reached (still halted if failures pass the threshold). */
  state: "rolling" | "complete" | "halted" | "superseded";
  /** Why it halted (CancelJob's comment), or what the last advance said. */
  comment?: string;
}

export class StagedRollouts {
  private current: RolloutState | undefined;
  private timer: NodeJS.Timeout | undefined;
  private evaluating = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly options: StagedRolloutsOptions) {
    this.unsubscribe = options.jobs.onExecutionChange((e) => {
      if (e.jobId === this.current?.jobId) this.evaluate();
    });
  }

  /** The stage group a device belongs to (fixed for its name: the same canaries every version). */
  stageGroupOf(thing: string): string {
    return stageGroupName(this.options.thingGroup, stageOfThing(thing, this.options.policy.stages));
  }

  /** A device joins the fleet: it joins its stage's group, and gets the current job once that stage is reached. */
  addDevice(thing: string): void {
    this.options.jobs.addThingToGroup(this.stageGroupOf(thing), thing);
  }

  /** Creates the version's job on stage 1's group; it supersedes the previous version's job. */
  start(job: Omit<JobConfig, "thingGroup" | "targetSelection">): void {
    if (this.current?.state === "rolling" || this.current?.state === "complete") this.current.state = "superseded";
    this.current = { jobId: job.jobId, stages: this.options.policy.stages, stage: 0, stageStartedAt: this.now(), state: "rolling" };
    this.options.jobs.createJob({ ...job, thingGroup: stageGroupName(this.options.thingGroup, 0), targetSelection: "CONTINUOUS" });
    this.log(`rollout: ${job.jobId} stage 1 of ${this.options.policy.stages.length} (${this.options.policy.stages[0].percent}% of the fleet)`);
    this.evaluate();
  }

  /** The current rollout (undefined before the first deploy). */
  state(): RolloutState | undefined {
    return this.current && { ...this.current };
  }

  /** Decides now: halt, advance (as many stages as have nothing left to wait for) or wait. */
  evaluate(): void {
    if (this.evaluating) return;
    this.evaluating = true;
    try {
      this.decide();
    } finally {
      this.evaluating = false;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.unsubscribe();
  }

  private decide(): void {
    clearTimeout(this.timer);
    const rollout = this.current;
    // A rollout that reached its last stage is still watched: failures there cancel what is queued.
    if (!rollout || (rollout.state !== "rolling" && rollout.state !== "complete")) return;
    const { jobs } = this.options;
    for (;;) {
      const job = jobs.book.job(rollout.jobId);
      if (!job || job.status !== "IN_PROGRESS") {
        // Cancelled by something else: the Jobs service's own abort criteria, or a newer job.
        rollout.state = job?.reasonCode === "SUPERSEDED" ? "superseded" : "halted";
        rollout.comment ??= job?.comment ?? job?.reasonCode;
        return;
      }
      const c = jobs.book.executionCounts(rollout.jobId);
      const decision = decideRollout(
        this.options.policy,
        {
          stage: rollout.stage,
          stageStartedAt: rollout.stageStartedAt,
          counts: { queued: c.QUEUED, inProgress: c.IN_PROGRESS, succeeded: c.SUCCEEDED, failed: c.FAILED, rejected: c.REJECTED, timedOut: c.TIMED_OUT },
        },
        this.now(),
      );
      switch (decision.action) {
        case "halt":
          rollout.state = "halted";
          rollout.comment = decision.comment;
          this.log(`rollout: ${rollout.jobId} ${decision.comment}`);
          try {
            jobs.cancelJob(rollout.jobId, decision.reasonCode, decision.comment);
          } catch (error) {
            // An operator cancelled it first, say: it is over either way.
            this.log(`rollout: ${rollout.jobId} not cancelled: ${(error as Error).message}`);
          }
          return;
        case "complete":
          rollout.state = "complete";
          return;
        case "wait":
          this.timer = setTimeout(() => this.evaluate(), Math.max(0, decision.until - this.now()) + 5);
          this.timer.unref();
          return;
        case "advance":
          rollout.stage = decision.stage;
          rollout.stageStartedAt = this.now();
          rollout.comment = decision.comment;
          this.log(`rollout: ${rollout.jobId} ${decision.comment}`);
          jobs.associateTargets(rollout.jobId, [stageGroupName(this.options.thingGroup, decision.stage)]);
          // Loop: a stage with nothing to wait for (waitMinutes 0) gives way to the next at once.
          continue;
      }
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}
