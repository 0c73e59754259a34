/** The history decisions on their own: the history API's checks (token, then each parameter
 * against the deployed app's channels) and retention and time-keeping, which the local store
 * (SQLite) and AWS (DynamoDB's TTL) both follow. */
import assert from "node:assert/strict";
import type { TokenCheck } from "../contracts/dashboardToken";
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from "../contracts/history";
import type { ChannelDecl } from "../contracts/manifest";
import { answerHistoryRequest, parseHistoryQuery, type HistoryQuery, type HistorySource } from "./historyRequest";
import { expiresAtSeconds, MAX_CLOCK_SKEW_MS, retentionCutoff, storedTime } from "./retention";

const DAY = 86_400_000;
const channel = (name: string, history?: { days: number }): ChannelDecl => ({ name, qos: 1, direction: "both", replay: 0, ...(history ? { history } : {}) });
const CHANNELS = [channel("soil", { days: 7 }), channel("cmd")];
const parse = (query: Record<string, string>) => parseHistoryQuery(new URLSearchParams(query), CHANNELS);
const problem = (query: Record<string, string>) => {
  const q = parse(query);
  assert.ok(q instanceof Error, JSON.stringify(query));
  return q.message;
};

describe("the history API's checks", () => {
  it("a device's kept channel, from a time, up to a limit; from the beginning and the default limit when left out", () => {
    assert.deepEqual(parse({ thing: "gh-1", channel: "soil" }), { thing: "gh-1", channel: "soil", since: 0, limit: DEFAULT_HISTORY_LIMIT });
    assert.deepEqual(parse({ thing: "gh-1", channel: "soil", since: "1700000000000", limit: "1" }), { thing: "gh-1", channel: "soil", since: 1700000000000, limit: 1 });
    assert.deepEqual(parse({ thing: "gh-1", channel: "soil", since: "0", limit: String(MAX_HISTORY_LIMIT) }), { thing: "gh-1", channel: "soil", since: 0, limit: MAX_HISTORY_LIMIT });
  });

  it("a thing that can't be a device name is refused, quoted up to 80 characters", () => {
    for (const thing of ["", "GH-1", "gh 1", "x".repeat(100)]) {
      assert.equal(problem({ thing, channel: "soil" }), `thing must be a device name, got ${JSON.stringify(thing.slice(0, 80))}`);
    }
    assert.equal(problem({ channel: "soil" }), 'thing must be a device name, got ""');
  });

  it("a channel the app doesn't have, or one that keeps no history, is refused saying how to keep one", () => {
    assert.equal(problem({ thing: "gh-1", channel: "light" }), 'channel "light" is not a channel of the deployed app');
    assert.equal(problem({ thing: "gh-1" }), 'channel "" is not a channel of the deployed app');
    assert.equal(problem({ thing: "gh-1", channel: "y".repeat(100) }), `channel ${JSON.stringify("y".repeat(80))} is not a channel of the deployed app`);
    assert.equal(problem({ thing: "gh-1", channel: "cmd" }), 'channel "cmd" keeps no history; declare it with { history: { days: N } }');
  });

  it("since must be a time: not negative, not text, not infinite", () => {
    for (const since of ["-1", "soon", "Infinity"]) assert.equal(problem({ thing: "gh-1", channel: "soil", since }), `since must be a time in unix milliseconds, got ${JSON.stringify(since)}`);
  });

  it("limit from 1 to the maximum, whole", () => {
    for (const limit of ["0", "-3", String(MAX_HISTORY_LIMIT + 1), "1.5", "all"]) {
      assert.equal(problem({ thing: "gh-1", channel: "soil", limit }), `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}, got ${JSON.stringify(limit)}`);
    }
  });

  function source(fail?: Error): HistorySource & { queries: HistoryQuery[] } {
    const queries: HistoryQuery[] = [];
    return {
      queries,
      verifyToken: (token): TokenCheck => (token === "t" ? { valid: true, expiresAt: 0, role: "viewer" } : { valid: false, reason: "expired" }),
      channels: () => CHANNELS,
      query: (q) => {
        if (fail) throw fail;
        queries.push(q);
        return [{ id: "b:1", v: 42, t: 5 }];
      },
    };
  }
  const ask = async (token: string | undefined, query: Record<string, string>, s: HistorySource) => {
    const response = await answerHistoryRequest({ token, query: new URLSearchParams(query) }, s);
    return [response.status, JSON.parse(response.body)];
  };

  it("answers the store's messages; a refused token is 401 before the parameters; a bad parameter 400; a failing store 500", async () => {
    const s = source();
    assert.deepEqual(await ask("t", { thing: "gh-1", channel: "soil" }, s), [200, { messages: [{ id: "b:1", v: 42, t: 5 }] }]);
    assert.deepEqual(s.queries, [{ thing: "gh-1", channel: "soil", since: 0, limit: DEFAULT_HISTORY_LIMIT }]);
    assert.deepEqual(await ask("wrong", { thing: "BAD" }, s), [401, { error: "dashboard token refused: expired" }]);
    assert.deepEqual(await ask(undefined, {}, s), [401, { error: "dashboard token refused: expired" }]);
    assert.deepEqual(await ask("t", { thing: "gh-1", channel: "cmd" }, s), [400, { error: 'channel "cmd" keeps no history; declare it with { history: { days: N } }' }]);
    assert.equal(s.queries.length, 1, "refused requests query nothing");
    assert.deepEqual(await ask("t", { thing: "gh-1", channel: "soil" }, source(new Error("disk full"))), [500, { error: "history could not be read: disk full" }]);
  });
});

describe("history retention and time-keeping", () => {
  it("a channel kept N days drops what is older than N days before now", () => {
    assert.equal(retentionCutoff(10 * DAY, 7), 3 * DAY);
    assert.equal(retentionCutoff(10 * DAY + 5, 1), 9 * DAY + 5);
  });

  it("DynamoDB's TTL is in whole seconds, rounded up, N days after the message", () => {
    assert.equal(expiresAtSeconds(0, 1), 86_400);
    assert.equal(expiresAtSeconds(1, 1), 86_401, "never expires before its N days");
    assert.equal(expiresAtSeconds(1_000, 2), 172_801);
  });

  it("a device time within a day of the receive time is kept; further off, unset or not a number, the receive time is stored", () => {
    const received = 1_700_000_000_000;
    assert.equal(MAX_CLOCK_SKEW_MS, DAY);
    assert.equal(storedTime(received - 5_000, received), received - 5_000);
    assert.equal(storedTime(received - DAY, received), received - DAY, "exactly a day is still believed");
    assert.equal(storedTime(received + DAY, received), received + DAY);
    assert.equal(storedTime(received - DAY - 1, received), received);
    assert.equal(storedTime(received + DAY + 1, received), received);
    assert.equal(storedTime(3_000, received), received, "1970 after a cold boot");
    assert.equal(storedTime(Number.NaN, received), received);
    assert.equal(storedTime(Number.POSITIVE_INFINITY, received), received);
  });
});
