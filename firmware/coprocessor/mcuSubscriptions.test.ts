/** The MCU's subscriptions as the co-processor holds them (mcuSubscriptions.ts): kept at the
 * broker across an MCU restart, messages held back until the MCU subscribed again, and let go
 * (with their waiting messages, in one log line) once its app started without them. */
import assert from "node:assert/strict";
import { InMemoryTransport } from "../transport";
import { DownlinkJournal } from "./downlinkJournal";
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
    assert.deepEqual(logs, [`[coprocessor] the MCU's app started without ${GONE}: unsubscribed, and 2 messages waiting for it dropped (an update removed the channel)`]);
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
});
