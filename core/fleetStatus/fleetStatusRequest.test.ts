/** The fleet-status API's answers (the local dashboard server and the AWS Lambda share them):
 * the token first, then every parameter at its edges, then one page from the store. */
import assert from "node:assert/strict";
import { DEFAULT_FLEET_STATUS_PAGE, MAX_FLEET_STATUS_PAGE, MAX_FLEET_STATUS_SEGMENTS, decodeFleetStatusPage, type FleetSegment } from "../contracts/fleetStatus";
import type { TokenCheck } from "../contracts/dashboardToken";
import { answerFleetStatusRequest, type FleetStatusSource } from "./fleetStatusRequest";

interface PageCall {
  after: string | undefined;
  limit: number;
  segment?: FleetSegment;
}

function source(fail?: Error): FleetStatusSource & { calls: PageCall[] } {
  const calls: PageCall[] = [];
  return {
    calls,
    verifyToken: (token): TokenCheck => (token === "t" ? { valid: true, expiresAt: 0, role: "viewer" } : { valid: false, reason: "bad signature" }),
    page: async (after, limit, segment) => {
      if (fail) throw fail;
      calls.push(segment ? { after, limit, segment } : { after, limit });
      return { devices: [{ thing: "d-1", online: true, version: "v1", bootId: "b", t: 1, receivedAt: 2 }], next: "d-1", order: "thing" };
    },
  };
}

const ask = async (query: Record<string, string>, s = source(), token: string | undefined = "t") => {
  const response = await answerFleetStatusRequest({ token, query: new URLSearchParams(query) }, s);
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown>, calls: s.calls };
};
const error = async (query: Record<string, string>) => {
  const answer = await ask(query);
  assert.equal(answer.status, 400, JSON.stringify(query));
  assert.deepEqual(answer.calls, [], "a refused request reads nothing");
  return String(answer.body.error);
};

describe("the fleet-status API's answers", () => {
  it("a page from the store, encoded as columns, with its cursor; the default page size without ?limit", async () => {
    const answer = await ask({});
    assert.equal(answer.status, 200);
    assert.deepEqual(decodeFleetStatusPage(answer.body), { devices: [{ thing: "d-1", online: true, version: "v1", bootId: "b", t: 1, receivedAt: 2 }], next: "d-1", order: "thing" });
    assert.deepEqual(answer.calls, [{ after: undefined, limit: DEFAULT_FLEET_STATUS_PAGE }]);
  });

  it("a refused token is 401 with the reason, and nothing is read", async () => {
    for (const token of ["x", undefined]) {
      const s = source();
      const answer = await answerFleetStatusRequest({ token, query: new URLSearchParams({ limit: "0" }) }, s);
      assert.deepEqual([answer.status, JSON.parse(answer.body)], [401, { error: "dashboard token refused: bad signature" }]);
      assert.deepEqual(s.calls, []);
    }
  });

  it("limit: 1 and the maximum are taken, as given", async () => {
    for (const limit of [1, 2, MAX_FLEET_STATUS_PAGE]) {
      const answer = await ask({ limit: String(limit) });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.calls, [{ after: undefined, limit }]);
    }
  });

  it("limit: 0, negative, above the maximum, fractional or not a number is 400, naming the range and what was given", async () => {
    for (const limit of ["0", "-1", String(MAX_FLEET_STATUS_PAGE + 1), "1.5", "ten", ""]) {
      assert.equal(await error({ limit }), `limit must be an integer from 1 to ${MAX_FLEET_STATUS_PAGE}, got ${JSON.stringify(limit)}`);
    }
  });

  it("after: a thing name is the cursor; anything else is 400, quoting at most 80 characters of it", async () => {
    for (const after of ["d-1", "0", "a".repeat(128)]) {
      const answer = await ask({ after });
      assert.equal(answer.status, 200, after);
      assert.deepEqual(answer.calls, [{ after, limit: DEFAULT_FLEET_STATUS_PAGE }]);
    }
    for (const after of ["-d", "D-1", "d_1", "d-1/x", "x d", "a".repeat(129), "", `${"z".repeat(100)}!`]) {
      assert.equal(await error({ after }), `after must be the "next" cursor of the previous page, got ${JSON.stringify(after.slice(0, 80))}`, after);
    }
  });

  it("segment and segments: one segment of the fleet, from 0 to segments - 1, segments from 1 to the maximum", async () => {
    for (const [index, count] of [[0, 1], [0, MAX_FLEET_STATUS_SEGMENTS], [MAX_FLEET_STATUS_SEGMENTS - 1, MAX_FLEET_STATUS_SEGMENTS], [2, 3]]) {
      const answer = await ask({ segment: String(index), segments: String(count), limit: "10" });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.calls, [{ after: undefined, limit: 10, segment: { index, count } }]);
    }
  });

  it("segments missing, 0, above the maximum or fractional is 400; so is a segment missing, negative, fractional or not below segments", async () => {
    for (const segments of [undefined, "0", String(MAX_FLEET_STATUS_SEGMENTS + 1), "1.5", "x"]) {
      const query: Record<string, string> = { segment: "0" };
      if (segments !== undefined) query.segments = segments;
      assert.equal(await error(query), `segments must be an integer from 1 to ${MAX_FLEET_STATUS_SEGMENTS} (with segment), got ${JSON.stringify(segments ?? null)}`);
    }
    for (const segment of [undefined, "-1", "0.5", "3", "4", "x"]) {
      const query: Record<string, string> = { segments: "3" };
      if (segment !== undefined) query.segment = segment;
      assert.equal(await error(query), `segment must be an integer from 0 to 2 (segments - 1), got ${JSON.stringify(segment ?? null)}`);
    }
  });

  it("a store that fails is 500 with its message", async () => {
    const answer = await ask({}, source(new Error("table not found")));
    assert.deepEqual([answer.status, answer.body], [500, { error: "fleet status could not be read: table not found" }]);
  });
});
