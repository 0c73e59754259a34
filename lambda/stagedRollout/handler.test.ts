/** The staged-rollout scheduler Lambda called directly, against a faked AWS IoT that keeps jobs,
 * their targets, tags and execution counts the way AWS reports them (DescribeJob's
 * jobProcessDetails). Commands are the real @aws-sdk/client-iot classes. */
import assert from "node:assert/strict";
import * as iot from "@aws-sdk/client-iot";
import { bundleLambda } from "../../components/authorizerBundle";
import { createRolloutScheduler, STAGE_STARTED_TAG, type RolloutSchedulerConfig } from "./handler";
import { readRolloutConfig, ROLLOUT_ENV } from "./index";

const GROUP_ARN = (n: number) => `arn:aws:iot:eu-west-1:123456789012:thinggroup/gh-stage-${n}`;
const CONFIG: RolloutSchedulerConfig = {
  thingGroup: "gh",
  stageGroupArns: [GROUP_ARN(1), GROUP_ARN(2), GROUP_ARN(3)],
  stages: [{ percent: 5, waitMinutes: 30 }, { percent: 50, waitMinutes: 30 }, { percent: 100 }],
  abortFailurePercent: 20,
  minExecutedForAbort: 10,
};
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

interface FakeJob {
  jobId: string;
  status: "IN_PROGRESS" | "CANCELED" | "COMPLETED";
  targets: string[];
  createdAt: Date;
  tags: Record<string, string>;
  details: iot.JobProcessDetails;
  reasonCode?: string;
  comment?: string;
}

/** AWS IoT's control plane as far as the scheduler uses it; records every command. */
class FakeIot {
  readonly jobs = new Map<string, FakeJob>();
  readonly sent: { command: string; input: any }[] = [];
  failNext: string | undefined;

  add(job: Partial<FakeJob> & { jobId: string }): FakeJob {
    const full: FakeJob = { status: "IN_PROGRESS", targets: [GROUP_ARN(1)], createdAt: new Date(T0), tags: {}, details: {}, ...job };
    this.jobs.set(job.jobId, full);
    return full;
  }

  async send(command: { input: any }): Promise<any> {
    const name = command.constructor.name;
    const input = command.input;
    this.sent.push({ command: name, input });
    if (this.failNext === name) {
      this.failNext = undefined;
      throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    }
    const arnOf = (id: string) => `arn:aws:iot:eu-west-1:123456789012:job/${id}`;
    const byArn = (arn: string) => [...this.jobs.values()].find((j) => arnOf(j.jobId) === arn)!;
    switch (name) {
      case "ListJobsCommand": {
        const group = `arn:aws:iot:eu-west-1:123456789012:thinggroup/${input.thingGroupName}`;
        const all = [...this.jobs.values()].filter((j) => j.status === input.status && j.targets.includes(group));
        // One job per page, to exercise paging.
        const start = input.nextToken ? Number(input.nextToken) : 0;
        const page = all.slice(start, start + 1);
        return { jobs: page.map((j) => ({ jobId: j.jobId, jobArn: arnOf(j.jobId) })), nextToken: start + 1 < all.length ? String(start + 1) : undefined };
      }
      case "DescribeJobCommand": {
        const j = this.jobs.get(input.jobId)!;
        return { job: { jobId: j.jobId, jobArn: arnOf(j.jobId), status: j.status, targets: [...j.targets], createdAt: j.createdAt, jobProcessDetails: j.details } };
      }
      case "ListTagsForResourceCommand":
        return { tags: Object.entries(byArn(input.resourceArn).tags).map(([Key, Value]) => ({ Key, Value })) };
      case "TagResourceCommand":
        for (const t of input.tags) byArn(input.resourceArn).tags[t.Key] = t.Value;
        return {};
      case "AssociateTargetsWithJobCommand": {
        const j = this.jobs.get(input.jobId)!;
        if (j.status !== "IN_PROGRESS") throw Object.assign(new Error("job not in progress"), { name: "InvalidRequestException" });
        j.targets.push(...input.targets);
        return { jobId: j.jobId };
      }
      case "CancelJobCommand": {
        const j = this.jobs.get(input.jobId)!;
        Object.assign(j, { status: "CANCELED", reasonCode: input.reasonCode, comment: input.comment });
        return {};
      }
      default:
        throw new Error(`FakeIot: unexpected ${name}`);
    }
  }

  commands(): string[] {
    return this.sent.map((s) => s.command);
  }
}

describe("staged-rollout scheduler Lambda (handler called directly, AWS IoT faked)", () => {
  let fake: FakeIot;
  let clock: number;
  let log: string[];
  let run: () => Promise<unknown>;

  beforeEach(() => {
    fake = new FakeIot();
    clock = T0;
    log = [];
    run = createRolloutScheduler({ config: CONFIG, sdk: iot, client: fake, now: () => clock, log: (l) => log.push(l) });
  });

  it("leaves stage 1 alone while it waits, then adds stage 2's group to the job and records when", async () => {
    const job = fake.add({ jobId: "gh-aaaa", details: { numberOfSucceededThings: 4, numberOfQueuedThings: 1 } });
    clock = T0 + 29 * MIN;
    await run();
    assert.deepEqual(job.targets, [GROUP_ARN(1)]);
    assert.ok(!fake.commands().includes("AssociateTargetsWithJobCommand"));

    clock = T0 + 30 * MIN;
    assert.deepEqual(await run(), [{ jobId: "gh-aaaa", stage: 0, decision: "advance" }]);
    assert.deepEqual(job.targets, [GROUP_ARN(1), GROUP_ARN(2)]);
    assert.equal(job.tags[STAGE_STARTED_TAG], `1:${T0 + 30 * MIN}`);
    const associate = fake.sent.find((s) => s.command === "AssociateTargetsWithJobCommand")!.input as iot.AssociateTargetsWithJobCommandInput;
    assert.match(associate.comment ?? "", /^stage 2 of 3 \(50%\)/);

    // Stage 2 waits its own 30 minutes from the tag, not from the job's creation.
    clock = T0 + 59 * MIN;
    await run();
    assert.equal(job.targets.length, 2);
    clock = T0 + 60 * MIN;
    await run();
    assert.deepEqual(job.targets, CONFIG.stageGroupArns);
    clock = T0 + 600 * MIN;
    assert.deepEqual(await run(), [{ jobId: "gh-aaaa", stage: 2, decision: "complete" }]);
  });

  it("cancels a job whose failure share reached the threshold, with the reason, and never adds the next stage", async () => {
    const job = fake.add({ jobId: "gh-bbbb", details: { numberOfSucceededThings: 3, numberOfFailedThings: 1, numberOfTimedOutThings: 1 } });
    clock = T0 + 5 * MIN;
    assert.deepEqual(await run(), [{ jobId: "gh-bbbb", stage: 0, decision: "halt" }]);
    assert.equal(job.status, "CANCELED");
    assert.equal(job.reasonCode, "STAGE_FAILURE_THRESHOLD");
    assert.match(job.comment ?? "", /2 of 5 executed devices failed, were rejected or timed out \(40%, threshold 20%\)/);
    const cancel = fake.sent.find((s) => s.command === "CancelJobCommand")!.input as iot.CancelJobCommandInput;
    assert.equal(cancel.force, false);
    clock = T0 + 120 * MIN;
    await run();
    assert.deepEqual(job.targets, [GROUP_ARN(1)]);
    assert.match(log.join("\n"), /gh-bbbb: halted at stage 1 of 3/);
  });

  it("walks every page of jobs, skips jobs that are not this app's stages, and goes on when one job's call fails", async () => {
    fake.add({ jobId: "gh-1", details: { numberOfSucceededThings: 1 } });
    fake.add({ jobId: "gh-2", details: { numberOfSucceededThings: 1 } });
    fake.add({ jobId: "other", targets: ["arn:aws:iot:eu-west-1:123456789012:thinggroup/elsewhere"] });
    clock = T0 + 31 * MIN;
    fake.failNext = "AssociateTargetsWithJobCommand";
    const outcomes = await run();
    assert.deepEqual(outcomes, [{ jobId: "gh-2", stage: 0, decision: "advance" }]);
    assert.match(log.join("\n"), /gh-1: ThrottlingException: Rate exceeded \(retried on the next run\)/);
    assert.ok(!fake.sent.some((s) => s.input.jobId === "other"));
    await run();
    assert.equal(fake.jobs.get("gh-1")!.targets.length, 2, "retried a minute later");
  });

  it("a stage reached without its tag (the tag write failed) waits in full from when it is first seen", async () => {
    const job = fake.add({ jobId: "gh-cccc", targets: [GROUP_ARN(1), GROUP_ARN(2)], details: { numberOfSucceededThings: 10 } });
    clock = T0 + 500 * MIN;
    assert.deepEqual(await run(), [{ jobId: "gh-cccc", stage: 1, decision: "wait" }]);
    assert.equal(job.tags[STAGE_STARTED_TAG], `1:${T0 + 500 * MIN}`);
  });

  it("reads its configuration from the environment and refuses a bad one by name", () => {
    assert.deepEqual(readRolloutConfig({ [ROLLOUT_ENV]: JSON.stringify(CONFIG) }), CONFIG);
    assert.throws(() => readRolloutConfig({}), /SNAPFLEET_ROLLOUT is not set/);
    assert.throws(() => readRolloutConfig({ [ROLLOUT_ENV]: "{" }), /is not JSON/);
    assert.throws(() => readRolloutConfig({ [ROLLOUT_ENV]: JSON.stringify({ ...CONFIG, stages: [{ percent: 5 }] }) }), /SNAPFLEET_ROLLOUT\.stages\[0\]\.percent is 5; the last stage must be 100/);
    assert.throws(() => readRolloutConfig({ [ROLLOUT_ENV]: JSON.stringify({ ...CONFIG, stageGroupArns: [] }) }), /one thing group per stage/);
  });

  it("bundles with esbuild into a handler that leaves the AWS SDK to the runtime", async function () {
    this.timeout(20_000);
    const code = await bundleLambda("stagedRollout");
    assert.match(code, /require\("@aws-sdk\/client-iot"\)/);
    const module = { exports: {} as Record<string, unknown> };
    new Function("module", "exports", "require", code)(module, module.exports, require);
    assert.equal(typeof module.exports.handler, "function");
  });
});
