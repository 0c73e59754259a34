import assert from "node:assert/strict";
import type { ConnectionListener, QoS, Transport } from "../transport";
import { ReliableOutbox } from "./reliableOutbox";

/** A transport whose PUBACKs the test hands out one by one (the in-memory one acks at once). */
class ManualAckTransport implements Transport {
  connected = true;
  readonly sent: { payload: string; qos: QoS; ack: () => void; fail: (e: Error) => void }[] = [];
  private listeners = new Set<ConnectionListener>();
  publish(_topic: string, payload: string, qos: QoS): Promise<void> {
    return new Promise((ack, fail) => this.sent.push({ payload, qos, ack: () => ack(), fail }));
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

  it("a refused QoS 0 publish is lost and counted (at most once)", async () => {
    const transport = new ManualAckTransport();
    const outbox = new ReliableOutbox({ transport, capacity: 10 });
    outbox.push(msg(1, 0));
    transport.sent[0].fail(new Error("closed"));
    await tick();
    assert.equal(outbox.dropped, 1);
    assert.equal(outbox.queued, 0);
  });

  it("refuses a window AWS IoT would not honour and a capacity below 1", () => {
    const transport = new ManualAckTransport();
    assert.throws(() => new ReliableOutbox({ transport, capacity: 10, inFlightWindow: 101 }), /from 1 to 100 .*got 101/);
    assert.throws(() => new ReliableOutbox({ transport, capacity: 0 }), /capacity must be a whole number >= 1, got 0/);
  });
});
