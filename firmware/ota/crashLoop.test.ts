import assert from "node:assert/strict";
import { checkCrashLoopOptions, CrashLoopDetector, DEFAULT_CRASH_LOOP } from "./crashLoop";

describe("firmware: crash-loop detection", () => {
  it("counts N failures within M ms, sliding; slower failures never add up", () => {
    const loop = new CrashLoopDetector({ failures: 3, withinMs: 1000 });
    assert.deepEqual([0, 600, 1200, 1800].map((t) => loop.record(t)), [false, false, false, false], "one every 600 ms: 3 span 1200 ms");
    assert.equal(loop.record(2100), true, "1200, 1800, 2100 are within 1000 ms");
    const exact = new CrashLoopDetector({ failures: 2, withinMs: 500 });
    assert.deepEqual([exact.record(0), exact.record(500)], [false, true], "the window includes its end");
    assert.equal(new CrashLoopDetector({ failures: 1, withinMs: 1 }).record(5), true, "failures: 1 means any failure");
  });

  it("by default, 5 failures within 60 s make a crash loop (README), and the reason says so", () => {
    const loop = new CrashLoopDetector();
    assert.deepEqual([0, 15_000, 30_000, 45_000].map((t) => loop.record(t)), [false, false, false, false]);
    assert.equal(loop.record(60_000), true, "the fifth failure, 60 s after the first");
    const slow = new CrashLoopDetector(DEFAULT_CRASH_LOOP);
    assert.deepEqual([0, 15_000, 30_000, 45_000, 60_001].map((t) => slow.record(t)), [false, false, false, false, false], "5 failures over 60.001 s are not a loop");
    assert.equal(loop.describe(), "5 failures within 60 s");
    assert.equal(new CrashLoopDetector({ failures: 3, withinMs: 2500 }).describe(), "3 failures within 2.5 s");
  });

  it("accepts the smallest options that work: one failure, any positive window", () => {
    const smallest = { failures: 1, withinMs: 0.5 };
    assert.equal(checkCrashLoopOptions(smallest), smallest);
    assert.throws(() => checkCrashLoopOptions({ failures: 1.5, withinMs: 1000 }), /crashLoop\.failures must be a whole number >= 1, got 1\.5/);
    assert.throws(() => checkCrashLoopOptions({ failures: 2, withinMs: 0 }), /crashLoop\.withinMs must be a positive number of milliseconds, got 0/);
    assert.throws(() => checkCrashLoopOptions({ failures: 2, withinMs: Number.NaN }), /crashLoop\.withinMs must be a positive number/);
  });

  it("refuses options that can't work", () => {
    assert.throws(() => checkCrashLoopOptions({ failures: 0, withinMs: 1000 }), /crashLoop\.failures must be a whole number >= 1, got 0/);
    assert.throws(() => checkCrashLoopOptions({ failures: 3, withinMs: -5 }), /crashLoop\.withinMs must be a positive number/);
  });
});
