/** The MCU's subscriptions as the co-processor holds them (mcuSubscriptions.ts): kept at the
 * broker across an MCU restart, messages held back until the MCU subscribed again, and let go
 * (with their waiting messages, in one log line) once its app started without them; and a
 * co-processor whose MCU restarts with messages queued on the link takes them back until the MCU
 * subscribed again (the MCU end here is a LinkSession over an in-process wire). */
import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import { waitFor } from "../../test/support/waitFor";
import { InMemoryTransport } from "../transport";
import { Coprocessor } from "./coprocessor";
import { DownlinkJournal } from "./downlinkJournal";
import { MSG } from "./linkMessages";
import { LinkSession } from "./linkSession";
import { McuSubscriptions } from "./mcuSubscriptions";

const ORDER = "sf/app/t/order/down";
const GONE = "sf/app/t/gone/down";

function bench() {
  const cloud = new InMemoryTransport();
  const journal = DownlinkJournal.open(undefined);
  const logs: string[] = [];
  const subscriptions = new McuSubscriptions(cloud, journal, (l) => logs.push(l));
  return { cloud, journal, logs, subscriptions };
}

describe("the MCU's subscriptions at the co-processor", () => {
  it("keeps them at the broker across an MCU restart; messages wait until it subscribed again", () => {
    const { cloud, journal, subscriptions } = bench();
    subscriptions.subscribed(ORDER, 1);
    subscriptions.mcuRestarted();
    assert.deepEqual(cloud.subscribedTopics, [ORDER], "still subscribed while the MCU boots");
    cloud.inject(ORDER, "1");
    assert.equal(journal.size, 1, "taken into the journal");
    assert.equal(subscriptions.deliverable(ORDER), false, "not for the MCU before it subscribed again");
    subscriptions.subscribed(ORDER, 1);
    assert.equal(subscriptions.deliverable(ORDER), true);
    assert.deepEqual(cloud.subscribedTopics, [ORDER], "one subscription at the broker");
  });

  it("lets go at the app's start what the MCU did not subscribe again, dropping its messages in one line", () => {
    const { cloud, journal, logs, subscriptions } = bench();
    subscriptions.subscribed(ORDER, 1);
    subscriptions.subscribed(GONE, 1);
    subscriptions.mcuRestarted();
    cloud.inject(GONE, "a");
    cloud.inject(ORDER, "b");
    cloud.inject(GONE, "c");
    subscriptions.subscribed(ORDER, 1); // the update removed `gone`
    subscriptions.appStarted();
    assert.deepEqual(cloud.subscribedTopics, [ORDER]);
    assert.deepEqual(journal.pending().map((e) => e.payload), ["b"]);
    assert.equal(subscriptions.dropped, 2);
    assert.deepEqual(logs, [
      `[coprocessor] the MCU subscribed to ${ORDER}: 1 message that waited for it go now`,
      `[coprocessor] the MCU's app started without ${GONE}: unsubscribed, and 2 messages waiting for it dropped (an update removed the channel)`,
    ]);
  });

  it("keeps a topic the MCU's stopping app unsubscribed until the next app's start decides", () => {
    const { cloud, journal, subscriptions } = bench();
    subscriptions.subscribed(ORDER, 1);
    subscriptions.appStarted();
    subscriptions.unsubscribed(ORDER); // an update in place: the old app stops
    cloud.inject(ORDER, "during the update");
    assert.equal(subscriptions.deliverable(ORDER), false);
    subscriptions.subscribed(ORDER, 1); // the new app has the channel too
    subscriptions.appStarted();
    assert.deepEqual(journal.pending().map((e) => e.payload), ["during the update"]);
    assert.equal(subscriptions.deliverable(ORDER), true);
  });

  it("adopts an earlier process's subscription: journaled, then let go if the running app has no such channel", () => {
    const { cloud, journal, logs, subscriptions } = bench();
    subscriptions.adopt(GONE, "from the persistent session");
    assert.equal(journal.size, 1);
    subscriptions.subscribed(ORDER, 1);
    subscriptions.appStarted();
    assert.equal(journal.size, 0);
    assert.deepEqual(cloud.subscribedTopics, [ORDER]);
    subscriptions.adopt(GONE, "late"); // after the start: dropped at once
    assert.equal(journal.size, 0);
    assert.equal(logs.length, 2);
  });

  it("a co-processor whose MCU restarts sends it nothing queued before the MCU subscribed again, then all of it in order", async () => {
    const cloud = new InMemoryTransport();
    let stalled = false;
    let mcu: LinkSession;
    const heard: { type: number; payload?: string }[] = [];
    // Bytes cross on a later turn of the event loop, as on a socket (never inside the write).
    const link = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        if (!stalled) setImmediate(() => mcu.receive(chunk));
        done();
      },
    });
    const startMcu = () =>
      new LinkSession({
        write: (bytes) => void (stalled || setImmediate(() => link.push(bytes))),
        message: (body) => {
          const topicLength = body[1] | (body[2] << 8);
          heard.push({ type: body[0], payload: body[0] === MSG.MESSAGE ? Buffer.from(body.subarray(3 + topicLength)).toString("utf8") : undefined });
        },
      });
    const subscribe = () => mcu.send(Buffer.concat([Buffer.from([MSG.SUBSCRIBE, 1]), Buffer.from(ORDER)]));
    mcu = startMcu();
    const mcuPoll = setInterval(() => mcu.poll(), 10);
    const coprocessor = new Coprocessor({ link, cloud });
    try {
      await waitFor("the link up", () => coprocessor.session.up && mcu.up, 10_000);
      subscribe();
      await waitFor("the subscription", () => cloud.subscribedTopics.includes(ORDER), 10_000);

      stalled = true; // queued on the link, not yet at the MCU, when it restarts
      for (let i = 1; i <= 5; i++) cloud.inject(ORDER, String(i));
      mcu = startMcu(); // a new session id: the board reset
      heard.length = 0;
      stalled = false;
      mcu.poll();
      // The co-processor's MQTT state follows anything it left queued for the restarted MCU.
      await waitFor("the MQTT state at the restarted MCU", () => heard.some((m) => m.type === MSG.MQTT_STATE), 10_000);
      assert.equal(coprocessor.session.peerRestarts, 1);
      assert.deepEqual(heard.filter((m) => m.type === MSG.MESSAGE), [], "nothing before the MCU subscribed again");
      assert.deepEqual(cloud.subscribedTopics, [ORDER], "still subscribed at the broker");
      subscribe();
      await waitFor("all 5 at the MCU", () => heard.filter((m) => m.type === MSG.MESSAGE).length >= 5, 10_000);
      assert.deepEqual(heard.filter((m) => m.type === MSG.MESSAGE).map((m) => m.payload), ["1", "2", "3", "4", "5"]);
      await waitFor("the journal emptied by the MCU's acknowledgements", () => coprocessor.journal.size === 0, 10_000);
    } finally {
      clearInterval(mcuPoll);
      coprocessor.close();
    }
  });
});
