import assert from "node:assert/strict";
import type { ChannelDecl } from "../../core/contracts/manifest";
import { openMemoryDatabase } from "../database/localDatabase";
import { HistoryTable } from "./historyTable";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 30, 12);
const channels: ChannelDecl[] = [
  { name: "temperature", qos: 0, direction: "both", replay: 0, history: { days: 7 } },
  { name: "door", qos: 1, direction: "both", replay: 0, history: { days: 1 } },
];
const row = (thing: string, channel: string, t: number, value: number, id = `b:${t}`) => ({ thing, channel, id, value, t, receivedAt: t });

describe("channel history (local database)", () => {
  it("answers a device's channel window oldest first, the newest `limit` of it, and stores a resent message once", () => {
    const table = new HistoryTable(openMemoryDatabase());
    table.recordNow([row("a", "temperature", NOW - 3000, 1), row("a", "temperature", NOW - 2000, 2), row("a", "temperature", NOW - 1000, 3), row("b", "temperature", NOW - 1500, 9), row("a", "door", NOW - 1500, 0)]);
    table.recordNow([row("a", "temperature", NOW - 2000, 2)]); // the same id again
    assert.equal(table.count(), 5);
    assert.deepEqual(table.query({ thing: "a", channel: "temperature", since: NOW - 2500, limit: 10 }).map((m) => [m.v, m.t]), [[2, NOW - 2000], [3, NOW - 1000]]);
    assert.deepEqual(table.query({ thing: "a", channel: "temperature", since: 0, limit: 2 }).map((m) => m.v), [2, 3]);
  });

  it("drops rows past each channel's days and keeps the rest", () => {
    const table = new HistoryTable(openMemoryDatabase());
    table.recordNow([
      { ...row("a", "temperature", NOW - 8 * DAY, 1), receivedAt: NOW - 8 * DAY },
      { ...row("a", "temperature", NOW - 6 * DAY, 2), receivedAt: NOW - 6 * DAY },
      { ...row("a", "door", NOW - 2 * DAY, 3), receivedAt: NOW - 2 * DAY },
      { ...row("a", "door", NOW - 3600_000, 4), receivedAt: NOW - 3600_000 },
    ]);
    assert.equal(table.prune(channels, NOW), 2);
    assert.deepEqual(table.query({ thing: "a", channel: "temperature", since: 0, limit: 10 }).map((m) => m.v), [2]);
    assert.deepEqual(table.query({ thing: "a", channel: "door", since: 0, limit: 10 }).map((m) => m.v), [4]);
  });

  it("stores a device time that is a day or more off (an unset clock) at the receive time", () => {
    const table = new HistoryTable(openMemoryDatabase());
    table.recordNow([{ thing: "a", channel: "temperature", id: "x:1", value: 5, t: 1000, receivedAt: NOW }]);
    assert.deepEqual(table.query({ thing: "a", channel: "temperature", since: NOW - 1, limit: 10 }).map((m) => m.t), [NOW]);
  });
});
