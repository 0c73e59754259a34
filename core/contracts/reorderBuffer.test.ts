import assert from "node:assert/strict";
import { ManualClock } from "../../firmware/clock";
import { decodeEnvelope, EnvelopeSender } from "./envelope";
import { EnvelopeReceiver } from "./envelopeReceiver";
import { ReorderBuffer, type ReorderGap } from "./reorderBuffer";

/** A sender's messages as the wire carries them: one EnvelopeSender over two topics, so each
 * topic sees the sender's seqs with holes and `p` links them. */
function sendOn(sender: EnvelopeSender, topics: string[], clock: ManualClock) {
  return topics.map((topic, i) => ({ topic, envelope: decodeEnvelope(sender.encode(topic, i, clock.now())) }));
}

function setup(options: { timeoutMs?: number; maxHeld?: number; maxStreams?: number; senderOf?: (stream: string) => string | undefined } = {}) {
  const clock = new ManualClock();
  const delivered: string[] = [];
  const gaps: ReorderGap[] = [];
  const late: string[] = [];
  const buffer = new ReorderBuffer<string>({ clock, deliver: (id) => delivered.push(id), onGap: (g) => gaps.push(g), onLate: (_s, id) => late.push(id), ...options });
  const accept = (m: { topic: string; envelope: { id: string; p?: number } }) => buffer.accept(m.topic, m.envelope, m.envelope.id);
  return { clock, delivered, gaps, late, buffer, accept };
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe("ReorderBuffer", () => {
  it("delivers one topic's messages in the sender's order whatever order they arrive in (every permutation of six)", () => {
    const clock = new ManualClock();
    const sender = new EnvelopeSender("b1");
    // The sender writes on "a" and "b" in turn: "a" sees seqs 1, 3, 4, 6, 7, 9 (holes are "b"'s).
    const wire = sendOn(sender, ["a", "b", "a", "a", "b", "a", "a", "b", "a"], clock);
    const onA = wire.filter((m) => m.topic === "a");
    const inOrder = onA.map((m) => m.envelope.id);
    assert.deepEqual(inOrder, ["b1:1", "b1:3", "b1:4", "b1:6", "b1:7", "b1:9"]);
    let checked = 0;
    for (const order of permutations(onA)) {
      const { delivered, gaps, buffer, accept } = setup();
      for (const m of order) accept(m);
      assert.deepEqual(delivered, inOrder, `arrival order ${order.map((m) => m.envelope.id).join(" ")}`);
      assert.equal(buffer.held, 0);
      assert.equal(gaps.length, 0);
      checked++;
    }
    assert.equal(checked, 720);
  });

  it("drops repeats, whether the first copy was delivered or is still waiting", () => {
    const { clock, delivered, buffer, accept } = setup();
    const [m1, m2, m3] = sendOn(new EnvelopeSender("b1"), ["t", "t", "t"], clock);
    assert.equal(accept(m2), "held");
    assert.equal(accept(m2), "duplicate"); // a retransmission of a waiting one
    assert.equal(accept(m1), "delivered");
    assert.equal(accept(m1), "duplicate"); // a replay of a delivered one
    assert.equal(accept(m3), "delivered");
    assert.equal(accept(m2), "duplicate");
    assert.deepEqual(delivered, ["b1:1", "b1:2", "b1:3"]);
    assert.equal(buffer.duplicates, 3);
    assert.equal(buffer.delivered, 3);
  });

  it("waits for a missing message for the timeout, then delivers on in order and reports the skipped id; the straggler is late", () => {
    const { clock, delivered, gaps, late, buffer, accept } = setup({ timeoutMs: 1000 });
    const sender = new EnvelopeSender("b1");
    const [m1, m2, m3, m4] = sendOn(sender, ["t", "t", "t", "t"], clock);
    accept(m1);
    assert.equal(accept(m3), "held");
    clock.advance(400);
    assert.equal(accept(m4), "held");
    clock.advance(599);
    assert.deepEqual(delivered, ["b1:1"], "m3 has waited 999 ms: still waiting");
    clock.advance(1);
    assert.deepEqual(delivered, ["b1:1", "b1:3", "b1:4"]);
    assert.equal(gaps.length, 1);
    assert.deepEqual({ ...gaps[0], text: "" }, { stream: "t", bootId: "b1", after: 1, missing: 2, resumedAt: 3, reason: "timeout", text: "" });
    assert.equal(gaps[0].text, "gap on t: skipped b1:2, not there after 1000 ms; delivering from b1:3");
    assert.equal(buffer.held, 0);
    assert.equal(accept(m2), "late");
    assert.deepEqual(late, ["b1:2"]);
    assert.deepEqual(delivered, ["b1:1", "b1:3", "b1:4"], "a late message is never delivered out of order");
    assert.equal(buffer.duplicates, 0, "late is not counted as a repeat");
    assert.equal(accept(m4), "duplicate");
  });

  it("each early message waits at most the timeout: a second hole behind the first is given up when its own wait ends", () => {
    const { clock, delivered, gaps, accept } = setup({ timeoutMs: 1000 });
    const m = sendOn(new EnvelopeSender("b1"), ["t", "t", "t", "t", "t"], clock);
    accept(m[0]);
    accept(m[2]); // waits for m[1]
    clock.advance(500);
    accept(m[4]); // waits for m[3]
    clock.advance(500);
    assert.deepEqual(delivered, ["b1:1", "b1:3"]);
    clock.advance(499);
    assert.deepEqual(delivered, ["b1:1", "b1:3"]);
    accept(m[3]); // arrives in time: m[4] follows it
    assert.deepEqual(delivered, ["b1:1", "b1:3", "b1:4", "b1:5"]);
    assert.equal(gaps.length, 1);
  });

  it("a backlog handed over slowly beside live traffic is waited for as long as it keeps coming (AWS: 10 stored messages/s)", () => {
    const { clock, delivered, gaps, accept } = setup({ timeoutMs: 1000 });
    const m = sendOn(new EnvelopeSender("b1"), Array.from({ length: 12 }, () => "t"), clock);
    accept(m[0]);
    // Reconnect: live messages 9..12 arrive at once, the queued 2..8 one every 900 ms.
    for (const i of [8, 9, 10, 11]) accept(m[i]);
    for (let i = 1; i <= 7; i++) {
      clock.advance(900);
      accept(m[i]);
    }
    assert.deepEqual(delivered, m.map((x) => x.envelope.id), "6.3 s in all, never 1 s without progress");
    assert.equal(gaps.length, 0);
    // Without progress the wait ends once the chain made none for 1 s and the early one waited 1 s.
    const more = sendOn(new EnvelopeSender("b2"), ["t", "t", "t"], clock);
    accept(more[0]);
    clock.advance(500);
    accept(more[2]);
    clock.advance(999);
    assert.equal(gaps.length, 0);
    clock.advance(1);
    assert.equal(gaps.length, 1);
    assert.equal(delivered.at(-1), "b2:3");
  });

  it("no gap is given up while the link is down, however long; the wait starts again at each reconnect (a replay cut short by the next outage)", () => {
    const { clock, delivered, gaps, late, buffer, accept } = setup({ timeoutMs: 1000 });
    const [m1, m2, m3, m4] = sendOn(new EnvelopeSender("srv"), ["t", "t", "t", "t"], clock);
    accept(m1);
    // Live 3 and 4 overtook the session's queued 2, then the link fell before the broker replayed it.
    accept(m3);
    accept(m4);
    buffer.linkChanged(false);
    clock.advance(60_000); // a loaded machine takes its time reconnecting
    buffer.linkChanged(true);
    clock.advance(900);
    buffer.linkChanged(false); // the next outage cuts the replay short
    buffer.linkChanged(false); // told twice: still down
    clock.advance(5_000);
    buffer.linkChanged(true);
    clock.advance(999);
    assert.deepEqual(gaps, []);
    assert.equal(accept(m2), "delivered", "the replay comes, late in wall time, within the timeout of the reconnect");
    assert.deepEqual(delivered, ["srv:1", "srv:2", "srv:3", "srv:4"]);
    assert.deepEqual([late, buffer.held, buffer.gaps, buffer.late], [[], 0, 0, 0]);
  });

  it("after a reconnect a gap is given up timeoutMs after it if the missing message never comes; the straggler is reported as late, not delivered out of order", () => {
    const { clock, delivered, gaps, late, buffer, accept } = setup({ timeoutMs: 1000 });
    const [m1, m2, m3] = sendOn(new EnvelopeSender("srv"), ["t", "t", "t"], clock);
    accept(m1);
    accept(m3);
    buffer.linkChanged(false);
    clock.advance(3_000);
    buffer.linkChanged(true);
    clock.advance(1_500); // a loaded broker takes its time to start handing the session over
    assert.equal(accept(m1), "duplicate", "the replay starts (with a copy never acknowledged): the wait counts from here");
    clock.advance(999);
    assert.deepEqual(delivered, ["srv:1"]);
    clock.advance(1);
    assert.deepEqual(delivered, ["srv:1", "srv:3"]);
    assert.deepEqual(gaps.map((g) => g.text), ["gap on t: skipped srv:2, not there after 1000 ms; delivering from srv:3"]);
    assert.equal(accept(m2), "late");
    assert.deepEqual(late, ["srv:2"]);
    assert.deepEqual(delivered, ["srv:1", "srv:3"]);
  });

  it("a link that comes back and stays silent gives a gap up timeoutMs after the reconnect plus timeoutMs (nothing waits forever)", () => {
    const { clock, delivered, gaps, buffer, accept } = setup({ timeoutMs: 1000 });
    const [m1, , m3] = sendOn(new EnvelopeSender("srv"), ["t", "t", "t"], clock);
    accept(m1);
    accept(m3);
    buffer.linkChanged(false);
    clock.advance(500);
    buffer.linkChanged(true);
    clock.advance(1_999);
    assert.equal(gaps.length, 0);
    clock.advance(1);
    assert.deepEqual(delivered, ["srv:1", "srv:3"]);
    assert.deepEqual(gaps.map((g) => g.reason), ["timeout"]);
  });

  it("no gap is given up while the sender's link is down (its last will), however long; its wait counts from its first message after it is back", () => {
    // The server end: the receiver's own link stays up, the device's falls and takes 20 s to come back.
    const { clock, delivered, gaps, late, buffer, accept } = setup({ timeoutMs: 1000, senderOf: (stream) => stream.split("/")[1] });
    const [m1, m2, m3, m4] = sendOn(new EnvelopeSender("dev"), ["sf/d1/t", "sf/d1/t", "sf/d1/t", "sf/d1/t"], clock);
    const other = sendOn(new EnvelopeSender("oth"), ["sf/d2/t", "sf/d2/t", "sf/d2/t"], clock);
    accept(m1);
    accept(m3); // 2 was sent, never acknowledged: the device resends it once it is back
    accept(other[0]);
    accept(other[2]); // d2's own gap: its link never fell, so its wait runs as before
    buffer.senderLinkChanged("d1", false);
    clock.advance(1000);
    assert.deepEqual(gaps.map((g) => g.stream), ["sf/d2/t"], "only the chain of the device still online gave its gap up");
    clock.advance(19_000);
    buffer.senderLinkChanged("d1", false); // told twice: still down
    buffer.senderLinkChanged("d1", true); // its online status
    clock.advance(1_999); // reconnecting, then resending slowly: nothing heard yet
    assert.equal(gaps.length, 1);
    accept(m4); // the first message after it is back (a new one overtook the resent 2): the wait counts from here
    clock.advance(999);
    assert.equal(gaps.length, 1);
    assert.equal(accept(m2), "delivered", "its retransmission comes, 22 s after it was sent");
    assert.deepEqual(delivered, ["dev:1", "oth:1", "oth:3", "dev:2", "dev:3", "dev:4"]);
    assert.deepEqual([late, buffer.held, buffer.late], [[], 0, 0]);
  });

  it("after the sender is back a gap it never fills is given up timeoutMs after its first message (nothing waits forever); the straggler is late", () => {
    const { clock, delivered, gaps, late, buffer, accept } = setup({ timeoutMs: 1000, senderOf: (stream) => stream.split("/")[1] });
    const [m1, m2, m3, m4] = sendOn(new EnvelopeSender("dev"), ["sf/d1/t", "sf/d1/t", "sf/d1/t", "sf/d1/t"], clock);
    accept(m1);
    accept(m3);
    buffer.senderLinkChanged("d1", false);
    clock.advance(10_000);
    buffer.senderLinkChanged("d1", true);
    clock.advance(500);
    accept(m4);
    clock.advance(999);
    assert.equal(gaps.length, 0);
    clock.advance(1);
    assert.deepEqual(gaps.map((g) => g.text), ["gap on sf/d1/t: skipped dev:2, not there after 1000 ms; delivering from dev:3"]);
    assert.deepEqual(delivered, ["dev:1", "dev:3", "dev:4"]);
    assert.equal(accept(m2), "late");
    assert.deepEqual(late, ["dev:2"]);
  });

  it("a sender that comes back and stays silent gives a gap up timeoutMs after its online status plus timeoutMs; a sender offline still keeps the bound", () => {
    const { clock, gaps, buffer, accept } = setup({ timeoutMs: 1000, maxHeld: 2, senderOf: (stream) => stream.split("/")[1] });
    const [m1, , m3] = sendOn(new EnvelopeSender("dev"), ["sf/d1/t", "sf/d1/t", "sf/d1/t"], clock);
    accept(m1);
    accept(m3);
    buffer.senderLinkChanged("d1", false);
    clock.advance(5_000);
    buffer.senderLinkChanged("d1", true);
    clock.advance(1_999);
    assert.equal(gaps.length, 0);
    clock.advance(1);
    assert.deepEqual(gaps.map((g) => g.reason), ["timeout"]);
    buffer.senderLinkChanged("d1", false);
    const [n1, , n3, n4, n5] = sendOn(new EnvelopeSender("dv2"), ["sf/d1/t", "sf/d1/t", "sf/d1/t", "sf/d1/t", "sf/d1/t"], clock);
    accept(n1);
    accept(n3);
    accept(n4);
    accept(n5);
    assert.deepEqual(gaps.map((g) => g.reason), ["timeout", "full"], "maxHeld holds while the sender is offline");
  });

  it("a receiver whose link is down still keeps its bound: one more than maxHeld gives the first gap up at once", () => {
    const { clock, delivered, gaps, buffer, accept } = setup({ timeoutMs: 1000, maxHeld: 2 });
    const [m1, , m3, m4, m5] = sendOn(new EnvelopeSender("srv"), ["t", "t", "t", "t", "t"], clock);
    accept(m1);
    buffer.linkChanged(false);
    accept(m3);
    accept(m4);
    assert.equal(gaps.length, 0);
    accept(m5);
    assert.deepEqual(gaps.map((g) => g.reason), ["full"]);
    assert.deepEqual(delivered, ["srv:1", "srv:3", "srv:4", "srv:5"]);
    assert.equal(buffer.held, 0);
  });

  it("a gap spanning several of the sender's seqs names the range (other topics' seqs are in it)", () => {
    const { clock, gaps, accept } = setup({ timeoutMs: 10 });
    const wire = sendOn(new EnvelopeSender("b1"), ["t", "x", "t", "x", "t"], clock);
    accept(wire[0]);
    accept(wire[4]); // p = 3, which is lost; 2 and 4 were on "x"
    clock.advance(10);
    assert.equal(gaps[0].text, "gap on t: skipped b1:3 (and whatever of b1:2..2 was sent on this topic), not there after 10 ms; delivering from b1:5");
  });

  it("holds at most maxHeld per chain: one more gives the first gap up at once", () => {
    const { clock, delivered, gaps, buffer, accept } = setup({ maxHeld: 3 });
    const m = sendOn(new EnvelopeSender("b1"), ["t", "t", "t", "t", "t", "t"], clock);
    accept(m[0]);
    for (const i of [2, 3, 4]) assert.equal(accept(m[i]), "held");
    assert.equal(buffer.held, 3);
    assert.equal(accept(m[5]), "delivered");
    assert.deepEqual(delivered, ["b1:1", "b1:3", "b1:4", "b1:5", "b1:6"]);
    assert.equal(gaps[0].reason, "full");
    assert.match(gaps[0].text, /skipped b1:2, 3 later messages waiting/);
    assert.equal(buffer.held, 0);
    assert.deepEqual([buffer.overflows, buffer.forgotten], [1, 0], "counted as one overflow (the C twin's too)");
  });

  it("holds at most maxHeldBytes over all chains: an early message past it gives its chain's first gaps up at once, in order, as many as it takes (the C twin's rule)", () => {
    const clock = new ManualClock();
    const delivered: string[] = [];
    const gaps: ReorderGap[] = [];
    // each message's size in bytes: 4 unless named here
    const sizes: Record<string, number> = { "c:7": 9, "c:9": 11, "d:3": 8 };
    const buffer = new ReorderBuffer<string>({ clock, maxHeldBytes: 10, sizeOf: (id) => sizes[id] ?? 4, deliver: (id) => delivered.push(id), onGap: (g) => gaps.push(g) });
    const maxSeen: number[] = [];
    const accept = (id: string, p: number) => {
      const result = buffer.accept("t", { id, p }, id);
      maxSeen.push(buffer.heldBytes);
      return result;
    };
    accept("c:1", 0);
    assert.equal(accept("c:3", 2), "held");
    assert.equal(accept("c:5", 4), "held");
    assert.deepEqual([buffer.heldBytes, buffer.overflows], [8, 0], "8 B waiting, within the bound");
    // 8 + 9 > 10: c:2 given up (c:3 delivered, 13 B left), then c:4 (c:5 delivered, 9 B left): c:7 fits and waits
    assert.equal(accept("c:7", 6), "held");
    assert.deepEqual(delivered, ["c:1", "c:3", "c:5"]);
    assert.deepEqual(
      gaps.map((g) => [g.reason, g.text]),
      [
        ["heldBytes", "gap on t: skipped c:2, over 10 B waiting; delivering from c:3"],
        ["heldBytes", "gap on t: skipped c:4, over 10 B waiting; delivering from c:5"],
      ],
    );
    assert.deepEqual([buffer.overflows, buffer.gaps, buffer.held, buffer.heldBytes], [1, 2, 1, 9], "one overflow for the one message, two gaps, c:7 waiting");
    assert.equal(accept("c:6", 5), "delivered");
    assert.deepEqual(delivered.slice(3), ["c:6", "c:7"], "c:6 then c:7, in order");
    assert.equal(accept("c:4", 3), "late", "a straggler of a gap given up is late, as for maxHeld");
    // larger than the bound alone: its own gap given up, delivered at once
    assert.equal(accept("c:9", 8), "delivered");
    assert.equal(gaps[2].text, "gap on t: skipped c:8, over 10 B waiting; delivering from c:9");
    // another chain holds 8 B: a second chain's early 4 B gives up its own gap, the first chain's wait is not touched
    buffer.accept("u", { id: "d:1" }, "d:1");
    assert.equal(buffer.accept("u", { id: "d:3", p: 2 }, "d:3"), "held");
    buffer.accept("v", { id: "e:1" }, "e:1");
    assert.equal(buffer.accept("v", { id: "e:3", p: 2 }, "e:3"), "delivered");
    assert.deepEqual([delivered.at(-1), buffer.held, buffer.heldBytes, buffer.overflows], ["e:3", 1, 8, 3], "d:3 still waits for d:2");
    assert.ok(Math.max(...maxSeen) <= 10, `never more than 10 B waiting between calls: ${maxSeen.join(", ")}`);
    clock.advance(1000);
    assert.deepEqual([delivered.at(-1), buffer.heldBytes], ["d:3", 0], "the timer still gives d:2 up, and the bytes are given back");
    assert.throws(() => new ReorderBuffer({ clock, deliver: () => {}, maxHeldBytes: 10 }), /maxHeldBytes needs sizeOf/);
    assert.throws(() => new ReorderBuffer({ clock, deliver: () => {}, maxHeldBytes: 0, sizeOf: () => 1 }), /maxHeldBytes must be a whole number >= 1, got 0/);
  });

  it("EnvelopeReceiver counts a QoS 1 payload's bytes as received (UTF-8) against maxHeldBytes", () => {
    const clock = new ManualClock();
    const got: unknown[] = [];
    const log: string[] = [];
    const sender = new EnvelopeSender("s");
    const wire = [0, "lost", "éé", "x", "y"].map((v) => sender.encode("a", v, 0));
    const bytes = (payload: string) => new TextEncoder().encode(payload).length;
    // one byte short of wire[2..4]: counted in UTF-16 units ("éé" is 2 of them, 4 bytes) they would fit
    const maxHeldBytes = bytes(wire[2]) + bytes(wire[3]) + bytes(wire[4]) - 1;
    const receiver = new EnvelopeReceiver({ clock, maxHeldBytes, deliver: (e) => got.push(e.v), log: (l) => log.push(l) });
    assert.equal(receiver.receive("a", 1, wire[0], undefined), "delivered");
    assert.equal(receiver.receive("a", 1, wire[2], undefined), "held");
    assert.equal(receiver.receive("a", 1, wire[3], undefined), "held");
    assert.equal(receiver.receive("a", 1, wire[4], undefined), "delivered");
    assert.deepEqual(got, [0, "éé", "x", "y"]);
    assert.equal(receiver.overflows, 1);
    assert.deepEqual(log, [`gap on a: skipped s:2, over ${maxHeldBytes} B waiting; delivering from s:3`]);
    assert.deepEqual(receiver.bounds, { maxStreams: 1024, maxHeld: 1024, maxHeldBytes });
  });

  it("a new boot id is a new chain from seq 1: delivered at once, not mistaken for repeats, not held behind the old boot's gap", () => {
    const { clock, delivered, gaps, accept } = setup({ timeoutMs: 1000 });
    const before = sendOn(new EnvelopeSender("old"), ["t", "t", "t"], clock);
    accept(before[0]);
    accept(before[2]); // before[1] never comes: the sender rebooted
    const after = sendOn(new EnvelopeSender("new"), ["t", "t"], clock);
    assert.equal(accept(after[0]), "delivered");
    assert.equal(accept(after[1]), "delivered");
    assert.deepEqual(delivered, ["old:1", "new:1", "new:2"]);
    clock.advance(1000);
    assert.deepEqual(delivered, ["old:1", "new:1", "new:2", "old:3"]);
    assert.equal(gaps.length, 1);
  });

  it("a receiver that starts mid-stream waits once for earlier messages, then takes the stream from there without calling it a gap", () => {
    const { clock, delivered, gaps, buffer, accept } = setup({ timeoutMs: 1000 });
    const m = sendOn(new EnvelopeSender("b1"), ["t", "t", "t", "t"], clock);
    assert.equal(accept(m[2]), "held");
    assert.equal(accept(m[1]), "held", "m[1]'s own predecessor is unknown too");
    clock.advance(1000);
    assert.deepEqual(delivered, ["b1:2", "b1:3"]);
    assert.equal(gaps.length, 0);
    assert.equal(buffer.joinedMidStream, 1);
    assert.equal(accept(m[3]), "delivered");
    assert.equal(accept(m[0]), "duplicate");
  });

  it("the queued-then-new reconnect case: messages queued for a fresh chain are delivered before the one that overtook them", () => {
    const { clock, delivered, accept } = setup();
    const m = sendOn(new EnvelopeSender("b1"), ["t", "t", "t", "t"], clock);
    for (const i of [3, 0, 1, 2]) accept(m[i]);
    assert.deepEqual(delivered, ["b1:1", "b1:2", "b1:3", "b1:4"]);
  });

  it("messages of older senders (no p) are delivered as they come, once", () => {
    const { delivered, accept } = setup();
    for (const id of ["o:5", "o:3", "o:5", "o:7"]) accept({ topic: "t", envelope: { id } });
    assert.deepEqual(delivered, ["o:5", "o:7"], "without p there is no order to restore; o:3 is behind what was delivered");
  });

  it("remembers at most maxStreams chains: the least recently heard one is flushed in order, then forgotten", () => {
    const { clock, delivered, gaps, buffer, accept } = setup({ maxStreams: 2 });
    const a = sendOn(new EnvelopeSender("a"), ["t", "t", "t"], clock);
    accept(a[0]);
    accept(a[2]);
    accept(sendOn(new EnvelopeSender("b"), ["t"], clock)[0]);
    accept(sendOn(new EnvelopeSender("c"), ["t"], clock)[0]);
    assert.equal(buffer.streams, 2);
    assert.deepEqual(delivered, ["a:1", "b:1", "a:3", "c:1"]);
    assert.equal(gaps[0].reason, "forgotten");
    assert.deepEqual([buffer.forgotten, buffer.overflows], [1, 0], "counted (the C twin's too)");
    clock.advance(60_000);
    assert.equal(delivered.length, 4, "no timer outlives its chain");
  });

  it("a forgotten chain heard again is a chain joined mid-stream: its next message waits the timeout, a repeat of its is delivered again (the price of the bound)", () => {
    const { clock, delivered, gaps, buffer, accept } = setup({ maxStreams: 2, timeoutMs: 1000 });
    const a = sendOn(new EnvelopeSender("a"), ["t", "t", "t"], clock);
    accept(a[0]);
    accept(a[1]);
    accept(sendOn(new EnvelopeSender("b"), ["t"], clock)[0]);
    accept(sendOn(new EnvelopeSender("c"), ["t"], clock)[0]);
    assert.equal(buffer.forgotten, 1);
    assert.equal(accept(a[2]), "held", "a:3 names a:2, which the new chain never saw");
    assert.equal(accept(a[1]), "held", "a:2 repeated: new to the new chain");
    assert.equal(buffer.forgotten, 2, "b forgotten for a");
    clock.advance(1000);
    assert.deepEqual(delivered, ["a:1", "a:2", "b:1", "c:1", "a:2", "a:3"]);
    assert.deepEqual([buffer.joinedMidStream, gaps.length], [1, 0]);
  });

  it("a deliver that throws leaves the buffer consistent: the rest follows on the timer, in order", () => {
    const clock = new ManualClock();
    const delivered: string[] = [];
    const buffer = new ReorderBuffer<string>({
      clock,
      timeoutMs: 100,
      deliver: (id) => {
        delivered.push(id);
        if (id === "b1:2") throw new Error("listener failed");
      },
    });
    const m = sendOn(new EnvelopeSender("b1"), ["t", "t", "t"], clock);
    buffer.accept("t", m[2].envelope, m[2].envelope.id);
    buffer.accept("t", m[0].envelope, m[0].envelope.id);
    assert.throws(() => buffer.accept("t", m[1].envelope, m[1].envelope.id), /listener failed/);
    clock.advance(100);
    assert.deepEqual(delivered, ["b1:1", "b1:2", "b1:3"]);
    assert.equal(buffer.gaps, 0);
  });

  it("refuses bad ids and bad options, saying what is wrong", () => {
    const { buffer } = setup();
    assert.throws(() => buffer.accept("t", { id: "nocolon" }, ""), /"nocolon" is not an envelope id <bootId>:<seq>/);
    assert.throws(() => buffer.accept("t", { id: "b:0" }, ""), /"b:0" is not an envelope id/);
    const clock = new ManualClock();
    assert.throws(() => new ReorderBuffer({ clock, deliver: () => {}, timeoutMs: -1 }), /timeoutMs must be a number of milliseconds >= 0, got -1/);
    assert.throws(() => new ReorderBuffer({ clock, deliver: () => {}, maxHeld: 0 }), /maxHeld must be a whole number >= 1, got 0/);
    assert.throws(() => new ReorderBuffer({ clock, deliver: () => {}, maxStreams: 2.5 }), /maxStreams must be a whole number >= 1, got 2.5/);
    assert.throws(() => decodeEnvelope('{"id":"b:3","v":1,"t":0,"p":3}'), /"p" \(the sender's previous seq on this topic\) must be a whole number from 0 to below the seq, got 3/);
    assert.throws(() => decodeEnvelope('{"id":"b:3","v":1,"t":0,"p":"2"}'), /got "2"/);
    assert.throws(() => new EnvelopeSender("a:b"), /boot id "a:b" must be non-empty and contain no ":"/);
  });
});

describe("EnvelopeReceiver", () => {
  it("QoS 1: in order and once; QoS 0: once, as it comes; malformed ones logged and dropped", () => {
    const clock = new ManualClock();
    const got: string[] = [];
    const log: string[] = [];
    const receiver = new EnvelopeReceiver<string>({ clock, deliver: (e, ctx) => got.push(`${ctx} ${e.v}`), log: (l) => log.push(l) });
    const sender = new EnvelopeSender("s");
    const q1 = ["a", "a", "a"].map((t, i) => sender.encode(t, i, 0));
    const q0 = ["b", "b"].map((t, i) => sender.encode(t, 10 + i, 0));
    assert.equal(receiver.receive("a", 1, q1[2], "q1"), "held");
    assert.equal(receiver.receive("b", 0, q0[0], "q0"), "delivered", "QoS 0 doesn't wait behind QoS 1");
    assert.equal(receiver.receive("b", 0, q0[0], "q0"), "duplicate");
    assert.equal(receiver.receive("b", 0, q0[1], "q0"), "delivered");
    assert.equal(receiver.receive("a", 1, q1[0], "q1"), "delivered");
    assert.equal(receiver.receive("a", 1, q1[1], "q1"), "delivered");
    assert.equal(receiver.receive("a", 1, q1[1], "q1"), "duplicate");
    assert.equal(receiver.receive("a", 1, "{not json", "q1"), "malformed");
    assert.deepEqual(got, ["q0 10", "q0 11", "q1 0", "q1 1", "q1 2"]);
    assert.equal(receiver.duplicates, 2);
    assert.equal(log.length, 1);
    assert.match(log[0], /^dropped a malformed message on a: /);
  });

  it("logs a gap given up and a late message", () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const receiver = new EnvelopeReceiver({ clock, deliver: () => {}, log: (l) => log.push(l), timeoutMs: 50 });
    const sender = new EnvelopeSender("s");
    const m = [0, 1, 2].map((v) => sender.encode("a", v, 0));
    receiver.receive("a", 1, m[0], undefined);
    receiver.receive("a", 1, m[2], undefined);
    clock.advance(50);
    receiver.receive("a", 1, m[1], undefined);
    assert.deepEqual(log, ["gap on a: skipped s:2, not there after 50 ms; delivering from s:3", "late on a: s:2 came after its gap was given up; dropped"]);
    assert.equal(receiver.gaps, 1);
    assert.equal(receiver.late, 1);
  });
});
