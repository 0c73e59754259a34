import assert from "node:assert/strict";
import type { ConnectionListener, QoS, Transport } from "../transport";
import { MAX_SEND_ATTEMPTS, ReliableOutbox } from "./reliableOutbox";

/** A transport whose PUBACKs the test hands out one by one (the in-memory one acks at once). */
class ManualAckTransport implements Transport {
  connected = true;
  readonly sent: { payload: string; qos: QoS; retain: boolean; ack: () => void; fail: (e?: Error) => void }[] = [];
  private listeners = new Set<ConnectionListener>();
  publish(_topic: string, payload: string, qos: QoS, retain: boolean): Promise<void> {
    return new Promise((ack, fail) => this.sent.push({ payload, qos, retain, ack: () => ack(), fail }));
  }
  subscribe(): () => void {
    return () => {};
  }
  onConnectionChange(listener: ConnectionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The outbox refills on the turn after a PUBACK (setImmediate): let two turns pass. */
const tick = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
const msg = (n: number, qos: QoS = 1) => ({ topic: "t", payload: String(n), qos });

describe("ReliableOutbox", () => {
  it("keeps at most the window of QoS 1 messages unacknowledged and sends the rest as acks come", async () => {
    const transport = new ManualAckTransport();
    const outbox = new ReliableOutbox({ transport, capacity: 10, inFlightWindow: 2 });
    [1, 2, 3, 4].forEach((n) => outbox.push(msg(n)));
    assert.deepEqual(transport.sent.map((s) => s.payload), ["1", "2"]);
    assert.equal(outbox.unacknowledged, 2);
    assert.equal(outbox.queued, 2);
    transport.sent[0].ack();
    await tick();
    assert.deepEqual(transport.sent.map((s) => s.payload), ["1", "2", "3"]);
    transport.sent[1].ack();
    transport.sent[2].ack();
    await tick();
    transport.sent[3].ack();
    await tick();
    assert.equal(outbox.acknowledged, 4);
    assert.equal(outbox.unacknowledged, 0);
  });

  it("QoS 0 messages don't wait for acknowledgement", () => {
    const transport = new ManualAckTransport();
    const outbox = new ReliableOutbox({ transport, capacity: 10, inFlightWindow: 1 });
    [1, 2, 3].forEach((n) => outbox.push(msg(n, 0)));
    assert.deepEqual(transport.sent.map((s) => s.payload), ["1", "2", "3"]);
    assert.equal(outbox.unacknowledged, 0);
  });

  it("waits while offline, drops the oldest beyond capacity, and sends in order once resumed", async () => {
    const transport = new ManualAckTransport();
    transport.connected = false;
    const outbox = new ReliableOutbox({ transport, capacity: 3 });
    [1, 2, 3, 4, 5].forEach((n) => outbox.push(msg(n)));
    assert.equal(transport.sent.length, 0);
    assert.equal(outbox.dropped, 2);
    transport.connected = true;
    outbox.resume();
    assert.deepEqual(transport.sent.map((s) => s.payload), ["3", "4", "5"]);
  });

  it("a refused QoS 1 publish goes back in its place and is retried, in order, after the next reconnect", async () => {
    const transport = new ManualAckTransport();
    const errors: string[] = [];
    const outbox = new ReliableOutbox({ transport, capacity: 10, inFlightWindow: 2, onError: (e) => errors.push(e) });
    [1, 2, 3].forEach((n) => outbox.push(msg(n)));
    transport.sent[0].fail(new Error("connection closed"));
    transport.sent[1].fail(new Error("connection closed"));
    await tick();
    assert.equal(transport.sent.length, 2, "no retry loop before a reconnect");
    assert.equal(outbox.queued, 3);
    assert.match(errors[0], /publish on "t" failed \(connection closed\); retrying after the next reconnect/);
    outbox.resume();
    assert.deepEqual(transport.sent.slice(2).map((s) => s.payload), ["1", "2"]);
    transport.sent[2].ack();
    await tick();
    assert.deepEqual(transport.sent.slice(2).map((s) => s.payload), ["1", "2", "3"]);
  });

  it("QoS 0 lines flushed as the link dies again are not lost: they go back in order, and only the capacity drops", async () => {
    // Logs kept while offline; the link comes back and falls while they are being written.
    const transport = new ManualAckTransport();
    transport.connected = false;
    const errors: string[] = [];
    const logs = new ReliableOutbox({ transport, capacity: 4, onError: (e) => errors.push(e) });
    [1, 2, 3, 4].forEach((n) => logs.push(msg(n, 0)));
    transport.connected = true;
    logs.resume();
    assert.deepEqual(transport.sent.map((s) => s.payload), ["1", "2", "3", "4"]);
    transport.sent[0].ack(); // 1 was written
    for (const s of transport.sent.slice(1)) s.fail(new Error("Failed to write to TLS handler"));
    transport.connected = false;
    logs.push(msg(5, 0)); // still offline: 5 waits behind 2, 3, 4
    await tick();
    assert.equal(logs.dropped, 0, "nothing had to be dropped: 2, 3, 4 and 5 fit the buffer");
    assert.equal(errors.length, 1, "one line for the failed flush, not one per message");
    logs.push(msg(6, 0)); // the buffer is full now: the oldest waiting line (2) goes
    assert.equal(logs.dropped, 1);
    transport.connected = true;
    logs.resume();
    assert.deepEqual(transport.sent.slice(4).map((s) => s.payload), ["3", "4", "5", "6"]);
  });

  it("a message refused at every attempt is dropped and counted after MAX_SEND_ATTEMPTS, so it can't block the queue", async () => {
    const transport = new ManualAckTransport();
    const errors: string[] = [];
    const outbox = new ReliableOutbox({ transport, capacity: 10, inFlightWindow: 1, onError: (e) => errors.push(e) });
    outbox.push(msg(1));
    outbox.push(msg(2));
    for (let attempt = 1; attempt <= MAX_SEND_ATTEMPTS; attempt++) {
      assert.equal(transport.sent.at(-1)!.payload, "1", `attempt ${attempt} is message 1`);
      transport.sent.at(-1)!.fail(new Error("not authorized"));
      await tick();
      outbox.resume(); // the reconnect after the broker closed the connection
    }
    assert.equal(outbox.dropped, 1);
    assert.match(errors.at(-1)!, /publish on "t" refused 5 times \(not authorized\); dropped/);
    assert.equal(transport.sent.at(-1)!.payload, "2", "the next one goes out");
  });

  it("refuses a window AWS IoT would not honour and a capacity below 1; takes the limits themselves (windows 1 and 100, capacity 1)", () => {
    const transport = new ManualAckTransport();
    for (const inFlightWindow of [0, 101, 1.5, Number.NaN]) {
      assert.throws(() => new ReliableOutbox({ transport, capacity: 10, inFlightWindow }), new RegExp(`from 1 to 100 .*got ${inFlightWindow}`));
    }
    assert.throws(() => new ReliableOutbox({ transport, capacity: 0 }), /capacity must be a whole number >= 1, got 0/);
    assert.throws(() => new ReliableOutbox({ transport, capacity: 2.5 }), /capacity must be a whole number >= 1, got 2.5/);
    // The limits themselves are allowed: AWS IoT's 100 unacknowledged, and a one-message buffer.
    const outbox = new ReliableOutbox({ transport, capacity: 1, inFlightWindow: 100 });
    for (let n = 1; n <= 100; n++) outbox.push(msg(n));
    assert.equal(outbox.unacknowledged, 100);
    new ReliableOutbox({ transport, capacity: 10, inFlightWindow: 1 });
  });

  it("hands the retain flag over as given, and not retained unless asked", () => {
    const transport = new ManualAckTransport();
    const outbox = new ReliableOutbox({ transport, capacity: 10 });
    outbox.push({ topic: "status", payload: "s", qos: 1, retain: true });
    outbox.push({ topic: "t", payload: "v", qos: 1 });
    outbox.push({ topic: "t", payload: "w", qos: 1, retain: false });
    assert.deepEqual(transport.sent.map((s) => s.retain), [true, false, false]);
  });

  it("counts as acknowledged only QoS 1 messages the broker acknowledged, not QoS 0 ones handed over", async () => {
    const transport = new ManualAckTransport();
    const outbox = new ReliableOutbox({ transport, capacity: 10 });
    outbox.push(msg(1, 0));
    outbox.push(msg(2, 1));
    for (const s of transport.sent) s.ack();
    await tick();
    assert.equal(outbox.acknowledged, 1);
  });

  it("the last messages refused keep their order when nothing waits behind them", async () => {
    const transport = new ManualAckTransport();
    const outbox = new ReliableOutbox({ transport, capacity: 10, inFlightWindow: 2 });
    [1, 2].forEach((n) => outbox.push(msg(n)));
    transport.sent[0].fail(new Error("connection closed"));
    transport.sent[1].fail(new Error("connection closed"));
    await tick();
    outbox.resume();
    assert.deepEqual(transport.sent.slice(2).map((s) => s.payload), ["1", "2"]);
  });

  it("after a refused publish nothing more is sent until the next reconnect, even when new messages come", async () => {
    const transport = new ManualAckTransport();
    const outbox = new ReliableOutbox({ transport, capacity: 10 });
    outbox.push(msg(1));
    transport.sent[0].fail(new Error("Failed to write to TLS handler"));
    await tick();
    outbox.push(msg(2)); // the transport still says connected: it has not noticed yet
    assert.equal(transport.sent.length, 1, "no publish into a link that just refused one");
    outbox.resume();
    assert.deepEqual(transport.sent.slice(1).map((s) => s.payload), ["1", "2"]);
  });

  it("a refused message put back into a full buffer costs the oldest one, counted: the buffer never grows past its capacity", async () => {
    const transport = new ManualAckTransport();
    const outbox = new ReliableOutbox({ transport, capacity: 2, inFlightWindow: 1 });
    [1, 2, 3].forEach((n) => outbox.push(msg(n))); // 1 in flight, 2 and 3 fill the buffer
    transport.sent[0].fail(new Error("connection closed"));
    await tick();
    assert.equal(outbox.queued, 2);
    assert.equal(outbox.dropped, 1);
    outbox.resume();
    transport.sent[1].ack();
    await tick();
    assert.deepEqual(transport.sent.slice(1).map((s) => s.payload), ["2", "3"]);
  });

  it("a message refused at every attempt without an error object is still dropped, counted and reported", async () => {
    const transport = new ManualAckTransport();
    const errors: string[] = [];
    const outbox = new ReliableOutbox({ transport, capacity: 10, onError: (e) => errors.push(e) });
    outbox.push(msg(1));
    for (let attempt = 1; attempt <= MAX_SEND_ATTEMPTS; attempt++) {
      transport.sent.at(-1)!.fail(undefined);
      await tick();
      outbox.resume();
    }
    assert.equal(outbox.dropped, 1);
    assert.match(errors.at(-1)!, /publish on "t" refused 5 times \(undefined\); dropped/);
  });

  it("a publish rejected without an error object is still put back and reported", async () => {
    const transport = new ManualAckTransport();
    const errors: string[] = [];
    const outbox = new ReliableOutbox({ transport, capacity: 10, onError: (e) => errors.push(e) });
    outbox.push(msg(1));
    transport.sent[0].fail(undefined);
    await tick();
    assert.equal(outbox.queued, 1);
    assert.match(errors[0], /publish on "t" failed \(undefined\); retrying after the next reconnect/);
  });
});
