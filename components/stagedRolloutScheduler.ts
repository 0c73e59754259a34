/** The staged-rollout scheduler on AWS (docs/staged-rollouts.md): a Lambda (lambda/stagedRollout)
 * run every minute by an EventBridge schedule, allowed to read, extend (AssociateTargetsWithJob),
 * tag and cancel this app's jobs only. The stages and threshold reach it in its environment, so
 * changing `ota.stages` updates the function in place, and the running rollout follows them. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RolloutStage } from "../core/jobs/stagedRollout";
import { ROLLOUT_ENV } from "../lambda/stagedRollout/index";
import type { RolloutSchedulerConfig } from "../lambda/stagedRollout/handler";
import { LambdaService } from "./lambdaService";

export interface StagedRolloutSchedulerArgs {
  app: string;
  region: string;
  account: string;
  thingGroup: string;
  stages: RolloutStage[];
  stageGroupArns: pulumi.Input<string>[];
  abortFailurePercent: number;
  minExecutedForAbort: number;
  /** The bundled lambda/stagedRollout code (bundleLambda("stagedRollout")). */
  code: string;
}

/** How often the scheduler looks: a stage's wait ends at most this late. */
export const ROLLOUT_SCHEDULE = "rate(1 minute)";

export class StagedRolloutScheduler extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly rule: aws.cloudwatch.EventRule;

  constructor(name: string, args: StagedRolloutSchedulerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("snapfleet:ota:StagedRolloutScheduler", name, {}, opts);
    const parent = { parent: this };
    const tags = { "snapfleet:app": args.app };
    const short = `${args.app}-ro`;
    const config: pulumi.Input<RolloutSchedulerConfig> = pulumi.all(args.stageGroupArns).apply((stageGroupArns) => ({
      thingGroup: args.thingGroup,
      stageGroupArns,
      stages: args.stages,
      abortFailurePercent: args.abortFailurePercent,
      minExecutedForAbort: args.minExecutedForAbort,
    }));
    const scheduler = new LambdaService(this, {
      app: args.app,
      names: { role: `${short}-role`, logs: `${name}-logs`, access: `${name}-access`, function: `${short}-scheduler` },
      statements: schedulerPolicy(args).Statement,
      handler: "index.handler",
      code: args.code,
      timeout: 50,
      memorySize: 256,
      // One run at a time: two overlapping runs could both advance the same stage.
      reservedConcurrentExecutions: 1,
      environment: { [ROLLOUT_ENV]: pulumi.jsonStringify(config) },
    });
    this.function = scheduler.function;
    this.rule = new aws.cloudwatch.EventRule(`${short}-schedule`, { scheduleExpression: ROLLOUT_SCHEDULE, description: `snapfleet ${args.app}: staged OTA rollouts`, tags }, parent);
    new aws.cloudwatch.EventTarget(`${name}-target`, { rule: this.rule.name, arn: this.function.arn }, parent);
    scheduler.allowInvoke(`${name}-invoke`, "events.amazonaws.com", { sourceArn: this.rule.arn });
    this.registerOutputs({ functionName: this.function.name });
  }
}

/** Least privilege: the app's jobs (ids start with `<app>-`, core/contracts/jobDocument.ts) and
 * its stage groups. ListJobs names no resource in IAM, so it alone is on `*`. */
export function schedulerPolicy(args: Pick<StagedRolloutSchedulerArgs, "app" | "region" | "account" | "stageGroupArns">) {
  const jobs = `arn:aws:iot:${args.region}:${args.account}:job/${args.app}-*`;
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["iot:ListJobs"], Resource: "*" },
      { Effect: "Allow", Action: ["iot:DescribeJob", "iot:CancelJob", "iot:ListTagsForResource", "iot:TagResource"], Resource: jobs },
      { Effect: "Allow", Action: ["iot:AssociateTargetsWithJob"], Resource: [jobs, ...args.stageGroupArns] },
    ],
  };
}
