import assert from "node:assert/strict";
import { otaJobId, unusedJobId } from "./jobDocument";

describe("OTA job ids", () => {
  it("the same code gets its id again only while no job has it; then -2, -3 (ids are never reused)", () => {
    const id = otaJobId("greenhouse", "0b8739778fdbeec0aa");
    assert.equal(id, "greenhouse-0b8739778fdbeec0");
    const taken = new Set<string>();
    assert.equal(unusedJobId(id, (j) => taken.has(j)), id);
    taken.add(id);
    assert.equal(unusedJobId(id, (j) => taken.has(j)), `${id}-2`);
    taken.add(`${id}-2`);
    assert.equal(unusedJobId(id, (j) => taken.has(j)), `${id}-3`);
  });
});
