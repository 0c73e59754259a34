import assert from "node:assert/strict";
import { checkCrashLoopOptions, CrashLoopDetector } from "./crashLoop";

describe("firmware: crash-loop detection", () => {
  it("counts N failures within M ms, sliding; slower failures never add up", () => {
    const loop = new CrashLoopDetector({ failures: 3, withinMs: 1000 });
    assert.deepEqual([0, 600, 1200, 1800].map((t) => loop.record(t)), [false, false, false, false], "one every 600 ms: 3 span 1200 ms");
    assert.equal(loop.record(2100), true, "1200, 1800, 2100 are within 1000 ms");
    const exact = new CrashLoopDetector({ failures: 2, withinMs: 500 });
    assert.deepEqual([exact.record(0), exact.record(500)], [false, true], "the window includes its end");
    assert.equal(new CrashLoopDetector({ failures: 1, withinMs: 1 }).record(5), true, "failures: 1 means any failure");
  });

  it("refuses options that can't work", () => {
    assert.throws(() => checkCrashLoopOptions({ failures: 0, withinMs: 1000 }), /crashLoop\.failures must be a whole number >= 1, got 0/);
    assert.throws(() => checkCrashLoopOptions({ failures: 3, withinMs: -5 }), /crashLoop\.withinMs must be a positive number/);
  });
});
