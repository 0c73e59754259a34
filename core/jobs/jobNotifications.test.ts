import assert from "node:assert/strict";
import type { Execution, ExecutionStatus } from "./jobBook";
import { JobNotifications } from "./jobNotifications";

const execution = (jobId: string, status: ExecutionStatus, versionNumber = 1): Execution => ({
  jobId,
  thingName: "a",
  status,
  statusDetails: {},
  queuedAt: 1,
  lastUpdatedAt: 1,
  versionNumber,
  executionNumber: 1,
});

describe("job notifications: when AWS sends notify and notify-next", () => {
  it("follows the documented triggers, and forgets a thing once nothing is pending", () => {
    const told = new JobNotifications();
    const j1 = execution("j1", "QUEUED");
    assert.deepEqual(told.due("a", { inProgress: [], queued: [j1] }), { list: true, next: true }, "a first execution is queued");
    assert.deepEqual(told.due("a", { inProgress: [], queued: [j1] }), { list: false, next: false }, "nothing changed");
    const running = execution("j1", "IN_PROGRESS", 2);
    assert.deepEqual(told.due("a", { inProgress: [running], queued: [] }), { list: true, next: false }, "start-next: status changed, same first");
    assert.deepEqual(told.due("a", { inProgress: [execution("j1", "IN_PROGRESS", 3)], queued: [] }), { list: false, next: false }, "progress: details only");
    assert.deepEqual(told.due("a", { inProgress: [running], queued: [execution("j2", "QUEUED")] }), { list: true, next: false }, "queued behind");
    assert.deepEqual(told.due("a", { inProgress: [], queued: [execution("j2", "QUEUED")] }), { list: true, next: true }, "the first ended");
    assert.equal(told.size, 1);
    assert.deepEqual(told.due("a", { inProgress: [], queued: [] }), { list: true, next: true }, "the queue emptied");
    assert.equal(told.size, 0, "a thing with nothing pending is forgotten: memory follows the active fleet, not every thing ever seen");
    assert.deepEqual(told.due("a", { inProgress: [], queued: [] }), { list: false, next: false });
    assert.deepEqual(told.due("b", { inProgress: [], queued: [] }), { list: false, next: false }, "a thing that never had jobs hears nothing");
  });
});
