import assert from "node:assert/strict";
import { statusDetailsProblem, statusDetailValue } from "./statusDetails";

describe("job execution statusDetails: what AWS accepts", () => {
  it("refuses what the API reference refuses, saying which pair and why", () => {
    assert.equal(statusDetailsProblem({ step: "downloading", "ota:reason_1": "x".repeat(1024) }), undefined);
    assert.match(statusDetailsProblem({ reason: "a\nb" })!, /statusDetails\.reason .*control characters/);
    assert.match(statusDetailsProblem({ reason: "" })!, /statusDetails\.reason must be non-empty/);
    assert.match(statusDetailsProblem({ reason: "é".repeat(1025) })!, /1025 characters; AWS takes at most 1024/);
    assert.match(statusDetailsProblem({ "a b": "x" })!, /key "a b" must be 1–128 characters/);
    assert.match(statusDetailsProblem({ ["k".repeat(129)]: "x" })!, /key/);
    assert.match(statusDetailsProblem(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"])))!, /11 pairs; AWS takes at most 10/);
    assert.match(statusDetailsProblem({ n: 1 })!, /statusDetails\.n must be a string, got number/);
    assert.match(statusDetailsProblem(["x"])!, /object of strings/);
  });

  it("takes exactly AWS's limits: 10 pairs, 128-character keys, 1,024-character values; a refused key is quoted up to 40 characters", () => {
    assert.equal(statusDetailsProblem(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, "v"]))), undefined);
    assert.equal(statusDetailsProblem({ ["k".repeat(128)]: "x" }), undefined);
    assert.equal(statusDetailsProblem({ ["k".repeat(129)]: "x" }), `statusDetails key ${JSON.stringify("k".repeat(40))} must be 1–128 characters of [a-zA-Z0-9:_-]`);
    assert.equal(statusDetailsProblem({ reason: "😀".repeat(1024) }), undefined);
  });

  it("turns any text into an accepted value: control characters become spaces, 1024 characters at most, never half a surrogate pair", () => {
    assert.equal(statusDetailValue("failed:\n  at app.ts:3\t(x)"), "failed: at app.ts:3 (x)");
    assert.equal(statusDetailValue("\n"), "-");
    assert.equal(statusDetailValue("a\u0000\u0001\u200bb"), "a b", "a run of control and format characters is one space");
    const long = statusDetailValue("😀".repeat(2000));
    assert.equal([...long].length, 1024);
    assert.equal(statusDetailsProblem({ reason: long }), undefined);
  });
});
