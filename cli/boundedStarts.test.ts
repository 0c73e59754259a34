import assert from "node:assert/strict";
import { startBounded } from "./boundedStarts";

describe("starting a fleet with bounded concurrency", () => {
  it("starts every item once, never more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await startBounded([...Array(50).keys()], 7, async (item) => {
      running++;
      most = Math.max(most, running);
      started.push(item);
      await new Promise((r) => setTimeout(r, item % 3));
      running--;
    });
    assert.deepEqual([...started].sort((a, b) => a - b), [...Array(50).keys()]);
    assert.equal(most, 7);
  });

  it("stops starting after a failure and throws it once those running have settled", async () => {
    const started: number[] = [];
    let settled = 0;
    const error = await startBounded([...Array(20).keys()], 3, async (item) => {
      started.push(item);
      await new Promise((r) => setTimeout(r, 5));
      settled++;
      if (item === 4) throw new Error("device 4 could not connect");
    }).then(() => undefined, (e: Error) => e);
    assert.equal(error?.message, "device 4 could not connect");
    assert.ok(started.length < 20, `started ${started.length}`);
    assert.equal(settled, started.length, "nothing left running");
  });

  it("begins nothing more once its signal is aborted, and returns when those running have settled", async () => {
    const stop = new AbortController();
    const started: number[] = [];
    let settled = 0;
    await startBounded([...Array(20).keys()], 3, async (item) => {
      started.push(item);
      if (item === 4) stop.abort();
      await new Promise((r) => setTimeout(r, 5));
      settled++;
    }, stop.signal);
    assert.deepEqual(started, [0, 1, 2, 3, 4], "the three lanes' items up to the abort, none after");
    assert.equal(settled, started.length, "nothing left running");
  });
});
