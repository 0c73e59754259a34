import assert from "node:assert/strict";
import { DedupWindow } from "./dedupWindow";

describe("DedupWindow", () => {
  it("accepts each id once, whatever the order", () => {
    const w = new DedupWindow();
    const seen = ["a:1", "a:2", "a:4", "a:2", "a:3", "a:4", "a:1", "a:5"].map((id) => w.accept(id));
    assert.deepEqual(seen, [true, true, true, false, true, false, false, true]);
    assert.equal(w.duplicates, 3);
  });

  it("keeps boots apart: the same seq from another boot is new", () => {
    const w = new DedupWindow();
    assert.equal(w.accept("a:1"), true);
    assert.equal(w.accept("b:1"), true);
    assert.equal(w.accept("a:1"), false);
    assert.equal(w.size, 2);
  });

  it("a receiver joining mid-stream accepts the first seq it sees and later ones", () => {
    const w = new DedupWindow();
    assert.equal(w.accept("a:500"), true);
    assert.equal(w.accept("a:501"), true);
    assert.equal(w.accept("a:500"), false);
    assert.equal(w.accept("a:499"), false, "below the first seen seq counts as already delivered");
  });

  it("gives up a gap that never fills once too many seqs wait above it", () => {
    const w = new DedupWindow({ maxAhead: 3 });
    w.accept("a:1");
    for (const seq of [3, 4, 5, 6]) assert.equal(w.accept(`a:${seq}`), true);
    // seq 2 was given up as lost; repeats of the ones above it are still caught.
    assert.equal(w.accept("a:2"), false);
    assert.equal(w.accept("a:5"), false);
    assert.equal(w.accept("a:7"), true);
  });

  it("dedup window bound: exactly maxAhead seqs may wait above a gap before it is given up", () => {
    const w = new DedupWindow({ maxAhead: 3 });
    w.accept("a:1");
    for (const seq of [3, 4, 5]) assert.equal(w.accept(`a:${seq}`), true);
    // Three seqs wait above the gap at 2: that is the bound, not past it, so 2 is still awaited.
    assert.equal(w.accept("a:2"), true, "a late seq within the bound is delivered");
    assert.equal(w.accept("a:2"), false);
    // One past the bound: 6 is missing and 7, 8, 9, 10 wait above it, so the gap is given up.
    for (const seq of [7, 8, 9, 10]) assert.equal(w.accept(`a:${seq}`), true);
    assert.equal(w.accept("a:6"), false, "a gap with more than maxAhead seqs above it counts as lost");
    assert.equal(w.accept("a:11"), true);
  });

  it("dedup window bound: after a gap is given up, a new gap above it is awaited again", () => {
    const w = new DedupWindow({ maxAhead: 2 });
    w.accept("a:1");
    for (const seq of [3, 4, 5]) w.accept(`a:${seq}`); // 2 given up: 3, 4, 5 delivered
    for (const seq of [7, 8]) assert.equal(w.accept(`a:${seq}`), true);
    assert.equal(w.accept("a:6"), true, "6 is a fresh gap within the bound, still awaited");
    for (const seq of [1, 2, 3, 4, 5, 6, 7, 8]) assert.equal(w.accept(`a:${seq}`), false, `a:${seq} again`);
    assert.equal(w.duplicates, 8);
  });

  it("ids are <bootId>:<seq> with a seq of digits, as envelopes carry them (core/contracts/envelope.ts)", () => {
    const w = new DedupWindow();
    assert.equal(w.accept("z:0"), true);
    assert.equal(w.accept("z:0"), false);
    assert.throws(() => w.accept("z:-1"), /not an envelope id/);
    assert.throws(() => w.accept("z:1.5"), /not an envelope id/);
    for (const bad of ["z:", "z: 7", "z:0x10", "z:1e3"]) assert.throws(() => w.accept(bad), /not an envelope id/, bad);
    assert.throws(() => w.accept(`z:${2 ** 53}`), /not an envelope id/);
  });

  it("dedup window bound: maxSenders boots are all remembered; one more forgets the least recently heard", () => {
    const w = new DedupWindow({ maxSenders: 2 });
    w.accept("a:1");
    w.accept("b:1");
    assert.equal(w.size, 2);
    assert.equal(w.accept("a:1"), false, "at the bound nobody is forgotten");
    assert.equal(w.accept("b:1"), false, "at the bound nobody is forgotten");
    w.accept("c:1");
    assert.equal(w.size, 2);
  });

  it("forgets the least recently heard sender beyond maxSenders", () => {
    const w = new DedupWindow({ maxSenders: 2 });
    w.accept("a:1");
    w.accept("b:1");
    w.accept("a:2"); // a heard more recently than b
    w.accept("c:1"); // evicts b
    assert.equal(w.size, 2);
    assert.equal(w.accept("a:2"), false, "a is still remembered");
    assert.equal(w.accept("b:1"), true, "b was forgotten, so its repeat passes (bounded memory has this price)");
  });

  it("refuses malformed ids and bad options with a message saying what is wrong", () => {
    const w = new DedupWindow();
    assert.throws(() => w.accept("nocolon"), /"nocolon" is not an envelope id <bootId>:<seq>/);
    assert.throws(() => w.accept("a:x"), /not an envelope id/);
    assert.throws(() => w.accept(":3"), /not an envelope id/);
    assert.throws(() => new DedupWindow({ maxAhead: 0 }), /maxAhead must be a whole number >= 1, got 0/);
    assert.throws(() => new DedupWindow({ maxSenders: 1.5 }), /maxSenders must be a whole number >= 1/);
    const smallest = new DedupWindow({ maxAhead: 1, maxSenders: 1 });
    assert.deepEqual(["a:1", "a:3", "a:1", "b:1", "a:1"].map((id) => smallest.accept(id)), [true, true, false, true, true], "1 is the smallest bound that works");
  });
});
