import assert from "node:assert/strict";
import { describeAge } from "./relativeTime";

describe("describeAge", () => {
  it("reads like a person would say it, at each unit boundary", () => {
    const cases: [number, string][] = [
      [-5000, "just now"], // a device clock slightly ahead
      [1499, "just now"],
      [2000, "2 s ago"],
      [59_400, "59 s ago"],
      [60_000, "1 min ago"],
      [59 * 60_000, "59 min ago"],
      [60 * 60_000, "1 h ago"],
      [47 * 3_600_000, "47 h ago"],
      [48 * 3_600_000, "2 d ago"],
    ];
    for (const [ms, text] of cases) assert.equal(describeAge(ms), text, `${ms} ms`);
  });
});
