import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { mqtt } from "aws-iot-device-sdk-v2";
import { withOneMessageCallback } from "./oneMessageCallback";

/** The calls the wrapper makes on the crt connection, and a way to play its 'message' event. */
class FakeConnection extends EventEmitter {
  readonly subscribes: unknown[][] = [];
  readonly unsubscribes: string[] = [];
  subscribe(...args: unknown[]) {
    this.subscribes.push(args);
    return Promise.resolve({ topic: args[0], qos: args[1] });
  }
  unsubscribe(topic: string) {
    this.unsubscribes.push(topic);
    return Promise.resolve({});
  }
  failConnect = false;
  connect() {
    return this.failConnect ? Promise.reject(new Error("AWS_IO_SOCKET_CLOSED")) : Promise.resolve(false);
  }
  publish(topic: string) {
    return Promise.resolve({ topic, self: this instanceof FakeConnection });
  }
  arrive(topic: string, text: string) {
    this.emit("message", topic, new TextEncoder().encode(text).buffer, false, 1, false);
  }
}

describe("withOneMessageCallback: every subscription's messages through the connection's one 'message' callback", () => {
  let fake: FakeConnection;
  let connection: mqtt.MqttClientConnection;
  let heard: string[];
  const listen = (name: string) => (topic: string, payload: ArrayBuffer, dup: boolean, qos: number, retain: boolean) =>
    heard.push(`${name} ${topic} ${Buffer.from(payload).toString()} ${dup} ${qos} ${retain}`);

  beforeEach(() => {
    fake = new FakeConnection();
    connection = withOneMessageCallback(fake as unknown as mqtt.MqttClientConnection);
    heard = [];
  });

  it("subscribes without a native callback and gives each filter's callback the messages it matches, with the crt's arguments", async () => {
    const granted = await connection.subscribe("$aws/things/sim-1/jobs/notify-next", 1, listen("notify"));
    await connection.subscribe("$aws/things/sim-1/jobs/+/update/rejected", 1, listen("rejected"));
    assert.deepEqual(fake.subscribes, [
      ["$aws/things/sim-1/jobs/notify-next", 1],
      ["$aws/things/sim-1/jobs/+/update/rejected", 1],
    ]);
    assert.deepEqual(granted, { topic: "$aws/things/sim-1/jobs/notify-next", qos: 1 }, "the crt's answer, as it gave it");
    fake.arrive("$aws/things/sim-1/jobs/notify-next", "{}");
    fake.arrive("$aws/things/sim-1/jobs/j-7/update/rejected", "no");
    fake.arrive("$aws/things/sim-2/jobs/notify-next", "not ours");
    assert.deepEqual(heard, ["notify $aws/things/sim-1/jobs/notify-next {} false 1 false", "rejected $aws/things/sim-1/jobs/j-7/update/rejected no false 1 false"]);
  });

  it("a message no subscription matches goes to `unrouted` (an earlier process's session subscriptions, delivered at reconnect)", async () => {
    const unrouted: string[] = [];
    connection = withOneMessageCallback(fake as unknown as mqtt.MqttClientConnection, (topic, payload) => unrouted.push(`${topic} ${Buffer.from(payload).toString()}`));
    await connection.subscribe("sf/app/t-1/a/down", 1, listen("a"));
    fake.arrive("sf/app/t-1/b/down", "7");
    fake.arrive("sf/app/t-1/a/down", "8");
    assert.deepEqual(unrouted, ["sf/app/t-1/b/down 7"]);
    assert.deepEqual(heard, ["a sf/app/t-1/a/down 8 false 1 false"]);
  });

  it("a message matching two filters reaches both; a new subscription to a filter replaces its callback", async () => {
    await connection.subscribe("a/+/x", 1, listen("plus"));
    await connection.subscribe("a/#", 1, listen("hash"));
    await connection.subscribe("a/+/x", 1, listen("plus again"));
    fake.arrive("a/b/x", "1");
    assert.deepEqual(heard.sort(), ["hash a/b/x 1 false 1 false", "plus again a/b/x 1 false 1 false"]);
  });

  it("after unsubscribe (or a subscription without a callback) a filter's messages reach nobody", async () => {
    await connection.subscribe("a/b", 1, listen("one"));
    await connection.subscribe("c/d", 1, listen("two"));
    await connection.unsubscribe("a/b");
    await connection.subscribe("c/d", 1);
    assert.deepEqual(fake.unsubscribes, ["a/b"]);
    fake.arrive("a/b", "x");
    fake.arrive("c/d", "y");
    assert.deepEqual(heard, []);
  });

  it("after a failed connect (the crt then drops its any-message callback) each subscription gets its own native callback again", async () => {
    const before = listen("before");
    await connection.subscribe("a/b", 1, before);
    assert.equal(await connection.connect(), false);
    fake.failConnect = true;
    await assert.rejects(connection.connect(), /AWS_IO_SOCKET_CLOSED/, "the failure reaches the caller as it was");
    const after = listen("after");
    await connection.subscribe("c/d", 0, after);
    assert.deepEqual(fake.subscribes, [
      ["a/b", 1],
      ["a/b", 1, before],
      ["c/d", 0, after],
    ]);
    fake.arrive("a/b", "x");
    assert.deepEqual(heard, [], "no second delivery through 'message'");
  });

  it("everything else is the connection itself", async () => {
    let events = 0;
    connection.on("resume", () => events++);
    fake.emit("resume");
    assert.equal(events, 1);
    assert.deepEqual(await connection.publish("t", "p", 1), { topic: "t", self: true });
  });
});
