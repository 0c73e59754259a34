import assert from "node:assert/strict";
import { checkStages, decideRollout, stageGroupName, stageIndexOfGroup, stageOfThing, stagesProblems, thingBucket, type ExecutionCounts, type StagedRolloutPolicy } from "./stagedRollout";

const STAGES = [{ percent: 5, waitMinutes: 30 }, { percent: 50, waitMinutes: 30 }, { percent: 100 }];
const POLICY: StagedRolloutPolicy = { stages: STAGES, abortFailurePercent: 20, minExecutedForAbort: 10 };
const MIN = 60_000;
const counts = (c: Partial<ExecutionCounts>): ExecutionCounts => ({ queued: 0, inProgress: 0, succeeded: 0, failed: 0, rejected: 0, timedOut: 0, ...c });

describe("staged rollouts: stages, membership and decisions (core/jobs/stagedRollout.ts)", () => {
  describe("validation", () => {
    it("accepts the documented example and copies it", () => {
      const checked = checkStages(STAGES, "FeatureApp \"gh\"");
      assert.deepEqual(checked, STAGES);
      assert.notEqual(checked[0], STAGES[0]);
    });

    it("names every problem with its entry and what to do", () => {
      const problems = stagesProblems([{ percent: 50, waitMinutes: 30 }, { percent: 40, wait: 5 }, { percent: 90, waitMinutes: -1 }, { percent: 95, waitMinutes: 10 }]);
      assert.deepEqual(problems, [
        `ota.stages[1] has unknown field "wait"; a stage has percent and waitMinutes`,
        "ota.stages[1].percent is 40, not more than the stage before it (50); percents are cumulative and must grow",
        "ota.stages[1].waitMinutes is missing: how many minutes to watch this stage before the next one starts (0 to go on at once)",
        "ota.stages[2].waitMinutes is -1; give whole minutes from 0 to 43200 (30 days)",
        "ota.stages[3].percent is 95; the last stage must be 100 so the whole fleet gets the version (add { percent: 100 })",
        "ota.stages[3].waitMinutes is set on the last stage, after which nothing waits; remove it",
      ]);
    });

    it("refuses what is not a list of stages, an empty list, odd percents and too many stages", () => {
      assert.match(stagesProblems("5%")[0], /must be a list of stages such as/);
      assert.match(stagesProblems([])[0], /is empty; leave it out/);
      assert.match(stagesProblems([null])[0], /ota\.stages\[0\] must be an object/);
      assert.match(stagesProblems([{ percent: 0, waitMinutes: 1 }, { percent: 100 }])[0], /ota\.stages\[0\]\.percent is 0; give the share/);
      assert.match(stagesProblems([{ percent: 0.001, waitMinutes: 1 }, { percent: 100 }])[0], /steps of 0\.01/);
      assert.match(stagesProblems([{ percent: "5", waitMinutes: 1 }, { percent: 100 }])[0], /percent is "5"/);
      assert.match(stagesProblems([{ percent: 100, waitMinutes: 2.5 }].concat())[0], /waitMinutes is set on the last stage/);
      const many = Array.from({ length: 101 }, (_, i) => ({ percent: i + 1 }));
      assert.match(stagesProblems(many)[0], /101 stages; AWS IoT jobs take at most 100/);
      assert.throws(() => checkStages([{ percent: 5 }], "FeatureApp \"gh\""), /^Error: FeatureApp "gh": invalid ota\.stages:\n  - ota\.stages\[0\]\.percent is 5; the last stage must be 100/);
    });
  });

  describe("membership", () => {
    it("puts each device in one stage, the same one every time, with about each stage's share", () => {
      const things = Array.from({ length: 20_000 }, (_, i) => `greenhouse-${i}`);
      const perStage = [0, 0, 0];
      for (const t of things) perStage[stageOfThing(t, STAGES)]++;
      assert.equal(perStage.reduce((a, b) => a + b), things.length);
      // 5 %, 45 %, 50 % of 20,000, give or take sampling noise (a few standard deviations).
      assert.ok(Math.abs(perStage[0] - 1000) < 130, `stage 1 got ${perStage[0]}`);
      assert.ok(Math.abs(perStage[1] - 9000) < 300, `stage 2 got ${perStage[1]}`);
      assert.ok(Math.abs(perStage[2] - 10000) < 300, `stage 3 got ${perStage[2]}`);
      assert.equal(stageOfThing("greenhouse-7", STAGES), stageOfThing("greenhouse-7", STAGES.map((s) => ({ ...s }))));
    });

    it("keeps the canaries when later stages change (only the bucket and the first percent decide)", () => {
      const other = [{ percent: 5, waitMinutes: 0 }, { percent: 100 }];
      for (let i = 0; i < 2000; i++) {
        const t = `dev-${i}`;
        assert.equal(stageOfThing(t, STAGES) === 0, stageOfThing(t, other) === 0, t);
        assert.equal(stageOfThing(t, STAGES) === 0, thingBucket(t) < 500, t);
      }
    });

    it("names stage groups after the fleet's group and reads them back", () => {
      assert.equal(stageGroupName("greenhouse", 0), "greenhouse-stage-1");
      assert.equal(stageIndexOfGroup("greenhouse", "greenhouse-stage-3"), 2);
      assert.equal(stageIndexOfGroup("greenhouse", "greenhouse"), undefined);
      assert.equal(stageIndexOfGroup("greenhouse", "greenhouse-stage-x"), undefined);
    });
  });

  describe("decisions", () => {
    const start = 1_000_000;

    it("waits out a stage, then advances, and completes at the last stage", () => {
      const progress = { stage: 0, stageStartedAt: start, counts: counts({ succeeded: 3, queued: 2 }) };
      assert.deepEqual(decideRollout(POLICY, progress, start + 29 * MIN), { action: "wait", until: start + 30 * MIN });
      const advance = decideRollout(POLICY, progress, start + 30 * MIN);
      assert.equal(advance.action, "advance");
      assert.equal(advance.action === "advance" && advance.stage, 1);
      assert.deepEqual(decideRollout(POLICY, { ...progress, stage: 2 }, start), { action: "complete" });
    });

    it("halts a canary smaller than minExecutedForAbort when its failure share reaches the threshold", () => {
      // 5 devices in the canary: the threshold counts once all 5 executed, not after 10.
      const two = decideRollout(POLICY, { stage: 0, stageStartedAt: start, counts: counts({ succeeded: 3, failed: 1, timedOut: 1 }) }, start + MIN);
      assert.equal(two.action, "halt");
      assert.equal(two.action === "halt" && two.reasonCode, "STAGE_FAILURE_THRESHOLD");
      assert.match(two.action === "halt" ? two.comment : "", /^halted at stage 1 of 3 \(5% of the fleet\): 2 of 5 executed devices failed, were rejected or timed out \(40%, threshold 20%\)/);
      // Still installing: not enough executed yet to judge.
      assert.equal(decideRollout(POLICY, { stage: 0, stageStartedAt: start, counts: counts({ failed: 1, inProgress: 4 }) }, start + MIN).action, "wait");
    });

    it("does not halt below the threshold, and halts even after the last stage", () => {
      const below = counts({ succeeded: 90, failed: 10, rejected: 9 }); // 19 %
      assert.equal(decideRollout(POLICY, { stage: 1, stageStartedAt: start, counts: below }, start + 31 * MIN).action, "advance");
      const at = counts({ succeeded: 80, failed: 10, rejected: 10 }); // 20 %
      assert.equal(decideRollout(POLICY, { stage: 2, stageStartedAt: start, counts: at }, start).action, "halt");
      assert.equal(decideRollout({ ...POLICY, abortFailurePercent: 0 }, { stage: 0, stageStartedAt: start, counts: counts({ succeeded: 20 }) }, start).action, "wait");
    });
  });
});
