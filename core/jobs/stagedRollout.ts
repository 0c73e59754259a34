/** Staged rollouts (`FeatureApp`'s `ota.stages`): which devices are in which stage, when a stage
 * may give way to the next, and when the rollout halts. Plain functions of plain data, run for
 * real by the local Jobs service (local/jobs/stagedRollouts.ts) and by the scheduler Lambda on
 * AWS (lambda/stagedRollout/); the design, and why it is not AWS's rollout/abort configuration
 * alone, is in docs/staged-rollouts.md.
 *
 * One OTA job per version, CONTINUOUS, targeting one thing group per stage: stage k's group holds
 * the devices whose bucket (a hash of the thing name) falls in [percent(k-1), percent(k)), so
 * the groups are disjoint, their union is the fleet and a device's stage never changes between
 * versions (the same devices are always the canaries). The job starts on stage 1's group; each
 * next group is associated with the job (AWS AssociateTargetsWithJob) once the current stage has
 * waited its `waitMinutes` without the failure share reaching the threshold. */
import crypto from "node:crypto";
import { unknownFieldsProblem } from "../contracts/unknownFields";
import { inHundredths } from "./hundredths";

export interface RolloutStage {
  /** Share of the fleet that has the new version once this stage is reached (cumulative), 0.01–100. */
  percent: number;
  /** Minutes to watch this stage before the next one starts; required on every stage but the last. */
  waitMinutes?: number;
}

export interface StagedRolloutPolicy {
  stages: readonly RolloutStage[];
  /** Halt when this share (percent) of the executed devices failed, were rejected or timed out. */
  abortFailurePercent: number;
  /** Executed devices needed before the share counts; capped at the devices targeted so far, so a
   * canary smaller than this still halts the rollout. */
  minExecutedForAbort: number;
}

/** Executions of the job by status (AWS DescribeJob's jobProcessDetails has the same counts). */
export interface ExecutionCounts {
  queued: number;
  inProgress: number;
  succeeded: number;
  failed: number;
  rejected: number;
  timedOut: number;
}

export interface RolloutProgress {
  /** 0-based index of the last stage whose group the job targets. */
  stage: number;
  /** ms since epoch when that stage's group was added to the job (the job's creation for stage 0). */
  stageStartedAt: number;
  counts: ExecutionCounts;
}

export type RolloutDecision =
  | { action: "halt"; reasonCode: typeof HALT_REASON_CODE; comment: string }
  | { action: "advance"; stage: number; comment: string }
  | { action: "wait"; until: number }
  /** The last stage is reached: the whole fleet is targeted, nothing is left to decide. */
  | { action: "complete" };

/** CancelJob's reasonCode: `[\p{Upper}\p{Digit}_]+`, at most 128 characters (API_CancelJob). */
export const HALT_REASON_CODE = "STAGE_FAILURE_THRESHOLD";
/** AssociateTargetsWithJob: "The total number of targets associated with a job must not exceed 100." */
export const MAX_STAGES = 100;
/** Longest wait a stage may ask for: 30 days. */
export const MAX_WAIT_MINUTES = 43_200;
/** Buckets of 0.01 %: the finest share a stage can name. */
const BUCKETS = 10_000;
const MINUTE = 60_000;

/** Every problem with `stages`, each naming the entry (`ota.stages[1].percent ...`); empty when fine. */
export function stagesProblems(stages: unknown, field = "ota.stages"): string[] {
  if (!Array.isArray(stages)) return [`${field} must be a list of stages such as [{ percent: 5, waitMinutes: 30 }, { percent: 100 }], got ${describe(stages)}`];
  if (stages.length === 0) return [`${field} is empty; leave it out to roll out to the whole fleet at once, or end the list with { percent: 100 }`];
  if (stages.length > MAX_STAGES) return [`${field} has ${stages.length} stages; AWS IoT jobs take at most ${MAX_STAGES} target groups (one per stage)`];
  const problems: string[] = [];
  let previous = 0;
  stages.forEach((stage: unknown, i) => {
    const at = `${field}[${i}]`;
    const last = i === stages.length - 1;
    if (typeof stage !== "object" || stage === null || Array.isArray(stage)) {
      problems.push(`${at} must be an object { percent, waitMinutes }, got ${describe(stage)}`);
      return;
    }
    const unknown = unknownFieldsProblem(Object.keys(stage), ["percent", "waitMinutes"], `${at} has`, "a stage has");
    if (unknown) problems.push(unknown);
    const { percent, waitMinutes } = stage as Record<string, unknown>;
    if (typeof percent !== "number" || !Number.isFinite(percent) || percent <= 0 || percent > 100 || !inHundredths(percent)) {
      problems.push(`${at}.percent is ${describe(percent)}; give the share of the fleet this stage reaches, more than 0 and at most 100 (steps of 0.01)`);
    } else {
      if (percent <= previous) problems.push(`${at}.percent is ${percent}, not more than the stage before it (${previous}); percents are cumulative and must grow`);
      previous = Math.max(previous, percent);
      if (last && percent !== 100) problems.push(`${at}.percent is ${percent}; the last stage must be 100 so the whole fleet gets the version (add { percent: 100 })`);
    }
    if (last) {
      if (waitMinutes !== undefined) problems.push(`${at}.waitMinutes is set on the last stage, after which nothing waits; remove it`);
    } else if (waitMinutes === undefined) {
      problems.push(`${at}.waitMinutes is missing: how many minutes to watch this stage before the next one starts (0 to go on at once)`);
    } else if (typeof waitMinutes !== "number" || !Number.isInteger(waitMinutes) || waitMinutes < 0 || waitMinutes > MAX_WAIT_MINUTES) {
      problems.push(`${at}.waitMinutes is ${describe(waitMinutes)}; give whole minutes from 0 to ${MAX_WAIT_MINUTES} (30 days)`);
    }
  });
  return problems;
}

/** The stages, checked; throws one error listing every problem. */
export function checkStages(stages: unknown, where: string, field = "ota.stages"): RolloutStage[] {
  const problems = stagesProblems(stages, field);
  if (problems.length) throw new Error(`${where}: invalid ${field}:\n  - ${problems.join("\n  - ")}`);
  return (stages as RolloutStage[]).map((s) => ({ ...s }));
}

/** The device's place in the fleet, 0–9999: the first 4 bytes of sha256(thing name). Stable across
 * versions and processes, and spread evenly, so stage 1 of 5 % is about 5 % of any large fleet. */
export function thingBucket(thingName: string): number {
  return crypto.createHash("sha256").update(thingName).digest().readUInt32BE(0) % BUCKETS;
}

/** 0-based index of the stage whose group the device belongs to. */
export function stageOfThing(thingName: string, stages: readonly RolloutStage[]): number {
  const bucket = thingBucket(thingName);
  const index = stages.findIndex((s) => bucket < Math.round(s.percent * (BUCKETS / 100)));
  // Stryker disable next-line ConditionalExpression,ArithmeticOperator: unreachable for checked stages (the last is 100 %, above every bucket); kept so unchecked ones still give a stage
  return index < 0 ? stages.length - 1 : index;
}

/** Thing group of stage `index` (0-based) of the fleet's group: `greenhouse-stage-1`, … */
export function stageGroupName(thingGroup: string, index: number): string {
  return `${thingGroup}-stage-${index + 1}`;
}

/** The stage index a stage group name stands for, or undefined when it is not one of `thingGroup`'s. */
export function stageIndexOfGroup(thingGroup: string, groupName: string): number | undefined {
  const prefix = `${thingGroup}-stage-`;
  if (!groupName.startsWith(prefix)) return undefined;
  const n = Number(groupName.slice(prefix.length));
  return Number.isInteger(n) && n >= 1 ? n - 1 : undefined;
}

/** What to do now with a rollout that is still IN_PROGRESS. Halting comes first: a failing
 * stage is stopped even while it waits. */
export function decideRollout(policy: StagedRolloutPolicy, progress: RolloutProgress, now: number): RolloutDecision {
  const { stages } = policy;
  const { counts, stage } = progress;
  const failures = counts.failed + counts.rejected + counts.timedOut;
  const executed = counts.succeeded + failures;
  const targeted = executed + counts.queued + counts.inProgress;
  const needed = Math.max(1, Math.min(policy.minExecutedForAbort, targeted));
  if (failures > 0 && executed >= needed && failures * 100 >= policy.abortFailurePercent * executed) {
    const share = Math.round((failures * 1000) / executed) / 10;
    return {
      action: "halt",
      reasonCode: HALT_REASON_CODE,
      comment:
        `halted at stage ${stage + 1} of ${stages.length} (${stages[stage]?.percent ?? "?"}% of the fleet): ${failures} of ${executed} executed devices failed, ` +
        `were rejected or timed out (${share}%, threshold ${policy.abortFailurePercent}%); fix the device code and deploy a new version`,
    };
  }
  if (stage >= stages.length - 1) return { action: "complete" };
  const until = progress.stageStartedAt + (stages[stage].waitMinutes ?? 0) * MINUTE;
  if (now < until) return { action: "wait", until };
  return {
    action: "advance",
    stage: stage + 1,
    comment: `stage ${stage + 2} of ${stages.length} (${stages[stage + 1].percent}%): stage ${stage + 1} ran ${stages[stage].waitMinutes ?? 0} min, ${failures} of ${executed} executed devices failed`,
  };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? typeof value : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
