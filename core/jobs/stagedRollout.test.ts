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

    it("stage bounds: percent in (0, 100] in steps of 0.01, growing; waitMinutes whole, 0 to 30 days", () => {
      const two = (first: Record<string, unknown>) => stagesProblems([first, { percent: 100 }]);
      for (const fine of [{ percent: 0.01, waitMinutes: 0 }, { percent: 12.34, waitMinutes: 43_200 }, { percent: 99.99, waitMinutes: 1 }]) assert.deepEqual(two(fine), [], JSON.stringify(fine));
      // Every step of 0.01, including those whose double times 100 is not a whole number (0.29 * 100 = 28.999999999999996).
      for (let hundredths = 1; hundredths < 10_000; hundredths++) assert.deepEqual(two({ percent: hundredths / 100, waitMinutes: 1 }), [], String(hundredths / 100));
      for (const percent of [-5, 100.01, 12.345, Number.NaN, Number.POSITIVE_INFINITY]) assert.match(two({ percent, waitMinutes: 1 })[0] ?? "", /\]\.percent is .*; give the share of the fleet this stage reaches/, String(percent));
      for (const waitMinutes of [-1, 43_201, 2.5, "30", null]) assert.match(two({ percent: 5, waitMinutes })[0] ?? "", /\]\.waitMinutes is .*; give whole minutes from 0 to 43200 \(30 days\)/, String(waitMinutes));
      assert.deepEqual(stagesProblems([{ percent: 100 }]), [], "one stage of 100 needs no wait");
      assert.deepEqual(stagesProblems(Array.from({ length: 100 }, (_, i) => (i === 99 ? { percent: 100 } : { percent: i + 1, waitMinutes: 0 }))), [], "100 stages is the most AWS takes, and is fine");
    });

    it("every stage must grow past the largest before it, not only its neighbour", () => {
      const problems = stagesProblems([{ percent: 50, waitMinutes: 1 }, { percent: 40, waitMinutes: 1 }, { percent: 45, waitMinutes: 1 }, { percent: 100 }]);
      assert.deepEqual(problems, [
        "ota.stages[1].percent is 40, not more than the stage before it (50); percents are cumulative and must grow",
        "ota.stages[2].percent is 45, not more than the stage before it (50); percents are cumulative and must grow",
      ]);
      assert.match(stagesProblems([{ percent: 50, waitMinutes: 1 }, { percent: 50, waitMinutes: 1 }, { percent: 100 }])[0], /percent is 50, not more than the stage before it \(50\)/);
    });

    it("quotes the bad value, shortened past 60 characters, or names its type when JSON can't show it", () => {
      const long = "x".repeat(100);
      assert.equal(stagesProblems([{ percent: long, waitMinutes: 1 }, { percent: 100 }])[0], `ota.stages[0].percent is "${"x".repeat(56)}...; give the share of the fleet this stage reaches, more than 0 and at most 100 (steps of 0.01)`);
      const sixty = "y".repeat(58); // 60 characters with its quotes: shown whole
      assert.match(stagesProblems([{ percent: sixty, waitMinutes: 1 }, { percent: 100 }])[0], new RegExp(`percent is "${sixty}"; give`));
      assert.match(stagesProblems([() => 5, { percent: 100 }])[0], /^ota\.stages\[0\] must be an object \{ percent, waitMinutes \}, got function$/);
      assert.match(stagesProblems([{ waitMinutes: 1 }, { percent: 100 }])[0], /^ota\.stages\[0\]\.percent is undefined; give/);
      assert.match(stagesProblems(undefined)[0], /must be a list of stages such as .*, got undefined$/);
    });

    it("a stage given as a list, or with several unknown fields, is named as such", () => {
      assert.match(stagesProblems([[5, 30], { percent: 100 }])[0], /^ota\.stages\[0\] must be an object \{ percent, waitMinutes \}, got \[5,30\]/);
      assert.equal(stagesProblems([{ percent: 5, waitMinutes: 1, wait: 1, pct: 5 }, { percent: 100 }])[0], `ota.stages[0] has unknown fields "wait", "pct"; a stage has percent and waitMinutes`);
      assert.equal(stagesProblems([{ percent: 100, wait: 1 }], "stages")[0], `stages[0] has unknown field "wait"; a stage has percent and waitMinutes`);
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
      for (const notAStage of ["greenhouse-stage-0", "greenhouse-stage-1.5", "greenhouse-stage--1", "greenhouse-stage-", "other-stage-1", "xgreenhouse-stage-1"]) {
        assert.equal(stageIndexOfGroup("greenhouse", notAStage), undefined, notAStage);
      }
      assert.equal(stageIndexOfGroup("greenhouse", stageGroupName("greenhouse", 99)), 99);
      assert.equal(stageIndexOfGroup("greenhouse", "greenhouse-stage-1"), 0, "the first stage");
      assert.equal(stageIndexOfGroup("greenhouse", "glasshouse-stage-3"), undefined, "another fleet's stage group of the same length");
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

    it("a stage that waits 0 minutes gives way at once; a moment short of its wait it still waits", () => {
      const quick: StagedRolloutPolicy = { ...POLICY, stages: [{ percent: 5, waitMinutes: 0 }, { percent: 100 }] };
      const advance = decideRollout(quick, { stage: 0, stageStartedAt: start, counts: counts({ succeeded: 1 }) }, start);
      assert.deepEqual(advance, { action: "advance", stage: 1, comment: "stage 2 of 2 (100%): stage 1 ran 0 min, 0 of 1 executed devices failed" });
      assert.deepEqual(decideRollout(POLICY, { stage: 1, stageStartedAt: start, counts: counts({}) }, start + 30 * MIN - 1), { action: "wait", until: start + 30 * MIN });
      const next = decideRollout(POLICY, { stage: 1, stageStartedAt: start, counts: counts({ succeeded: 40, failed: 2 }) }, start + 30 * MIN);
      assert.deepEqual(next, { action: "advance", stage: 2, comment: "stage 3 of 3 (100%): stage 2 ran 30 min, 2 of 42 executed devices failed" });
    });

    it("judges no share before anything executed, and reports the share to one decimal", () => {
      const none = { ...POLICY, minExecutedForAbort: 0 };
      assert.equal(decideRollout(none, { stage: 0, stageStartedAt: start, counts: counts({ queued: 5 }) }, start).action, "wait");
      const third = decideRollout(none, { stage: 0, stageStartedAt: start, counts: counts({ succeeded: 2, rejected: 1 }) }, start);
      assert.equal(third.action, "halt");
      assert.match(third.action === "halt" ? third.comment : "", /: 1 of 3 executed devices failed, were rejected or timed out \(33\.3%, threshold 20%\); fix the device code and deploy a new version$/);
      // minExecutedForAbort counts executed devices, not ones still queued or installing.
      assert.equal(decideRollout(POLICY, { stage: 1, stageStartedAt: start, counts: counts({ failed: 9, queued: 100 }) }, start).action, "wait");
      assert.equal(decideRollout(POLICY, { stage: 1, stageStartedAt: start, counts: counts({ failed: 9, succeeded: 1, queued: 100 }) }, start).action, "halt");
    });

    it("halts with a readable comment even when the stage it reads is past the stages (they were shortened since)", () => {
      const halt = decideRollout(POLICY, { stage: 5, stageStartedAt: start, counts: counts({ failed: 10 }) }, start);
      assert.equal(halt.action, "halt");
      assert.match(halt.action === "halt" ? halt.comment : "", /^halted at stage 6 of 3 \(\?% of the fleet\): 10 of 10 executed/);
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
