/** When a crashed process is started again (restartBackoff.ts): the delay doubles with each crash
 * within the window up to its ceiling, the crash after the allowed restarts gives up, and crashes
 * older than the window no longer count. */
import assert from "node:assert/strict";
import { RestartBackoff } from "./restartBackoff";

describe("RestartBackoff", () => {
  it("doubles the delay per recent crash, up to the ceiling, then gives up", () => {
    const backoff = new RestartBackoff({ firstDelayMs: 500, maxDelayMs: 4000, maxRestarts: 5, windowMs: 60_000 });
    const decisions = [0, 1000, 2000, 3000, 4000, 5000].map((t) => backoff.crashed(t));
    assert.deepEqual(decisions, [
      { restart: true, attempt: 1, delayMs: 500 },
      { restart: true, attempt: 2, delayMs: 1000 },
      { restart: true, attempt: 3, delayMs: 2000 },
      { restart: true, attempt: 4, delayMs: 4000 },
      { restart: true, attempt: 5, delayMs: 4000 },
      { restart: false, crashes: 6 },
    ]);
  });

  it("forgets crashes older than the window: a process that ran a while starts over at the first delay", () => {
    const backoff = new RestartBackoff({ firstDelayMs: 500, maxRestarts: 2, windowMs: 10_000 });
    assert.deepEqual(backoff.crashed(0), { restart: true, attempt: 1, delayMs: 500 });
    assert.deepEqual(backoff.crashed(5_000), { restart: true, attempt: 2, delayMs: 1000 });
    assert.deepEqual(backoff.crashed(9_000), { restart: false, crashes: 3 });
    assert.deepEqual(backoff.crashed(30_000), { restart: true, attempt: 1, delayMs: 500 });
  });

  it("defaults: 0.5 s first, at most 5 restarts within 60 s", () => {
    const backoff = new RestartBackoff();
    assert.equal(backoff.maxRestarts, 5);
    assert.equal(backoff.windowMs, 60_000);
    assert.deepEqual(backoff.crashed(0), { restart: true, attempt: 1, delayMs: 500 });
  });
});
