import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stageOfThing } from "../core/jobs/stagedRollout";
import { readRolloutConfig, ROLLOUT_ENV } from "../lambda/stagedRollout/index";
import { FeatureApp } from "./featureApp";
import { createJobRequest, type OtaJobProps } from "./otaJobRequests";
import { ROLLOUT_SCHEDULE } from "./stagedRolloutScheduler";
import { MOCK_ACCOUNT, MOCK_REGION, OTA_JOB_TYPE, plain, settled, useAwsMocks, valueOf } from "./testing/mockAws";

const FIXTURE_BUNDLE = path.join(__dirname, "testing", "web-bundle");
const STAGES = [{ percent: 5, waitMinutes: 30 }, { percent: 50, waitMinutes: 30 }, { percent: 100 }];
const DEVICES = Array.from({ length: 12 }, (_, i) => `tank-${i + 1}`);

describe("FeatureApp ota.stages (Pulumi mocks)", function () {
  this.timeout(60_000);
  let entry: string;
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-featureapp-stages-"));
    entry = path.join(dir, "app.ts");
    fs.writeFileSync(entry, `export function App(api: any) {\n  api.mcu.onStart(() => api.log("tank up"));\n}\n`);
  });
  after(() => fs.rmSync(path.dirname(entry), { recursive: true, force: true }));

  it("creates a thing group per stage, puts each device in its stage's, starts the job on stage 1 and schedules the scheduler Lambda", async () => {
    const mocks = await useAwsMocks();
    const app = new FeatureApp("tank", { entry, fleet: { devices: DEVICES }, ota: { stages: STAGES, abortFailurePercent: 25, minExecutedForAbort: 4 }, dashboardBundleDir: FIXTURE_BUNDLE });
    await valueOf(app.jobId);
    await settled(mocks);

    const groups = mocks.ofType("aws:iot/thingGroup:ThingGroup").map((g) => g.inputs.name);
    assert.deepEqual(groups, ["tank", "tank-stage-1", "tank-stage-2", "tank-stage-3"]);
    const memberships = mocks.ofType("aws:iot/thingGroupMembership:ThingGroupMembership").map((m) => [m.inputs.thingName, m.inputs.thingGroupName]);
    for (const device of DEVICES) {
      assert.deepEqual(memberships.filter(([thing]) => thing === device).map(([, group]) => group), ["tank", `tank-stage-${stageOfThing(device, STAGES) + 1}`], device);
    }

    const job = mocks.one(OTA_JOB_TYPE).inputs as OtaJobProps;
    const stageArn = (n: number) => `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:aws:iot/thingGroup:ThingGroup/tank-fleet-stage-${n}`;
    assert.deepEqual(job.stageGroupArns, [stageArn(1), stageArn(2), stageArn(3)]);
    const request = createJobRequest(job);
    assert.deepEqual(request.targets, [stageArn(1)]);
    assert.equal(request.targetSelection, "CONTINUOUS");
    assert.deepEqual(request.abortConfig?.criteriaList?.[0], { failureType: "ALL", action: "CANCEL", thresholdPercentage: 25, minNumberOfExecutedThings: 4 });

    const fn = mocks.one("aws:lambda/function:Function", "ro-scheduler");
    assert.equal(fn.inputs.handler, "index.handler");
    assert.equal(fn.inputs.reservedConcurrentExecutions, 1);
    const config = readRolloutConfig({ [ROLLOUT_ENV]: plain<string>(fn.inputs.environment.variables[ROLLOUT_ENV]) });
    assert.deepEqual(config, { thingGroup: "tank", stageGroupArns: job.stageGroupArns, stages: STAGES, abortFailurePercent: 25, minExecutedForAbort: 4 });
    assert.equal(mocks.one("aws:cloudwatch/eventRule:EventRule").inputs.scheduleExpression, ROLLOUT_SCHEDULE);
    assert.equal(mocks.one("aws:cloudwatch/eventTarget:EventTarget").inputs.arn, `arn:aws:mock:${MOCK_REGION}:${MOCK_ACCOUNT}:aws:lambda/function:Function/tank-ro-scheduler`);
    const permission = mocks.ofType("aws:lambda/permission:Permission").find((p) => p.inputs.principal === "events.amazonaws.com")!;
    assert.match(permission.inputs.sourceArn, /eventRule:EventRule\/tank-ro-schedule$/);

    const policy = JSON.parse(mocks.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.includes("rollout"))!.inputs.policy);
    const jobs = `arn:aws:iot:${MOCK_REGION}:${MOCK_ACCOUNT}:job/tank-*`;
    assert.deepEqual(policy.Statement, [
      { Effect: "Allow", Action: ["iot:ListJobs"], Resource: "*" },
      { Effect: "Allow", Action: ["iot:DescribeJob", "iot:CancelJob", "iot:ListTagsForResource", "iot:TagResource"], Resource: jobs },
      { Effect: "Allow", Action: ["iot:AssociateTargetsWithJob"], Resource: [jobs, stageArn(1), stageArn(2), stageArn(3)] },
    ]);
  });

  it("without stages: one thing group, the job on it, no scheduler", async () => {
    const mocks = await useAwsMocks();
    const app = new FeatureApp("tank", { entry, fleet: { devices: DEVICES.slice(0, 2) }, dashboardBundleDir: FIXTURE_BUNDLE });
    await valueOf(app.jobId);
    await settled(mocks);
    assert.deepEqual(mocks.ofType("aws:iot/thingGroup:ThingGroup").map((g) => g.inputs.name), ["tank"]);
    const job = mocks.one(OTA_JOB_TYPE).inputs as OtaJobProps;
    assert.equal(job.stageGroupArns, undefined);
    assert.deepEqual(createJobRequest(job).targets, [job.thingGroupArn]);
    assert.equal(mocks.ofType("aws:cloudwatch/eventRule:EventRule").length, 0);
  });

  it("bad stages fail the preview with every problem, by field, before any resource exists", async () => {
    const mocks = await useAwsMocks();
    assert.throws(
      () => new FeatureApp("tank", { entry, ota: { stages: [{ percent: 50, waitMinutes: 30 }, { percent: 20 }] as any, maximumPerMinute: 0 }, dashboardBundleDir: FIXTURE_BUNDLE }),
      (e: Error) => {
        assert.match(e.message, /^FeatureApp "tank": invalid arguments:/);
        assert.match(e.message, /ota\.maximumPerMinute is 0/);
        assert.match(e.message, /ota\.stages\[1\]\.percent is 20, not more than the stage before it \(50\)/);
        assert.match(e.message, /ota\.stages\[1\]\.percent is 20; the last stage must be 100/);
        return true;
      },
    );
    await settled(mocks);
    assert.equal(mocks.resources.length, 0);
  });
});
