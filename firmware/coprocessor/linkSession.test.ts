/** The co-processor's link session on a simulated clock: silence from the MCU is an outage only
 * while this side was listening. A peer that stops talking is noticed after OUTAGE_MS; a host that
 * stalls itself for longer (its event loop busy) finds the MCU's frames waiting and keeps the link. */
import assert from "node:assert/strict";
import { KEEPALIVE_MS, LinkSession, OUTAGE_MS } from "./linkSession";

function pair() {
  const clock = { now: 0 };
  const wire: { toMcu: Buffer[]; toHost: Buffer[] } = { toMcu: [], toHost: [] };
  const host = new LinkSession({ write: (b) => wire.toMcu.push(b), message: () => {} }, () => clock.now);
  const toMcu: number[] = [];
  const mcu = new LinkSession({ write: (b) => wire.toHost.push(b), message: (body) => toMcu.push(body[0]) }, () => clock.now);
  const deliver = () => {
    for (const b of wire.toMcu.splice(0)) mcu.receive(b);
    for (const b of wire.toHost.splice(0)) host.receive(b);
  };
  return { clock, wire, host, mcu, deliver, toMcu };
}

describe("co-processor link session: outages and priorities", () => {
  it("a silent MCU is an outage after OUTAGE_MS while the host keeps polling", () => {
    const { clock, host, mcu, deliver } = pair();
    deliver();
    assert.ok(host.up && mcu.up);
    let downAt: number | undefined;
    for (clock.now = 10; clock.now <= OUTAGE_MS + 1000; clock.now += 10) {
      host.poll(); // the MCU is gone: it neither polls nor answers
      if (!host.up && downAt === undefined) downAt = clock.now;
    }
    assert.ok(downAt !== undefined && downAt > OUTAGE_MS && downAt <= OUTAGE_MS + 20, `outage noticed at ${downAt} ms`);
    assert.equal(host.outages, 1);
  });

  it("a host that stalled itself longer than OUTAGE_MS reads the MCU's waiting frames and keeps the link", () => {
    const { clock, host, mcu, deliver } = pair();
    deliver();
    // The MCU keeps sending keepalives; the host's event loop is blocked for 3 x OUTAGE_MS.
    for (clock.now = 10; clock.now <= 3 * OUTAGE_MS; clock.now += 10) mcu.poll();
    host.poll(); // first thing after the stall: the timer, before the socket's data
    assert.ok(host.up, "no outage for time the host was not listening");
    deliver();
    for (let i = 0; i < 10; i++) {
      clock.now += KEEPALIVE_MS / 5;
      host.poll();
      mcu.poll();
      deliver();
    }
    assert.ok(host.up);
    assert.equal(host.outages, 0);
  });

  it("a message goes ahead of queued OTA chunks (bulk), never ahead of the frame in flight", () => {
    const { host, deliver, toMcu } = pair();
    deliver();
    for (const chunk of [1, 2, 3]) host.send(Uint8Array.of(chunk), true); // 1 goes out at once
    host.send(Uint8Array.of(9));
    for (let i = 0; i < 10; i++) deliver();
    assert.deepEqual(toMcu, [1, 9, 2, 3]);
  });
});
