/** A message overtaken on its way through the broker still reaches a subscriber; a real duplicate
 * (overlapping subscriptions) still arrives once. Real broker, both session stores, a dashboard
 * client over WebSocket as the browser connects (clean session). */
import assert from "node:assert/strict";
import { topics } from "../../core/contracts/topics";
import { brokerPerTest } from "../../test/support/brokerPerTest";
import { channelManifest } from "../../test/support/channelManifest";
import { connectDashboard } from "../../test/support/dashboardClient";
import { waitFor } from "../../test/support/waitFor";
import { RecentDeliveries } from "./dedupeHistory";

const APP = "grow";
const manifest = channelManifest(APP, [
  { name: "temp", qos: 0, direction: "device-to-server", replay: 0 },
  { name: "level", qos: 1, direction: "device-to-server", replay: 0 },
]);

describe("LocalBroker: deliveries are deduplicated by what a client got, not by the highest counter", function () {
  this.timeout(20000);
  const fixture = brokerPerTest("dedupe");

  async function dashboard(filters: string[]) {
    const client = await connectDashboard(fixture.broker, { clientId: `sf-${APP}-dashboard-d` });
    fixture.closeAfter(() => client.endAsync(true));
    const received: string[] = [];
    client.on("message", (topic, payload) => received.push(`${topic} ${String(payload)}`));
    for (const filter of filters) await client.subscribeAsync(filter, { qos: 1 });
    return received;
  }

  const publish = (topic: string, payload: string, qos: 0 | 1, retain = false) =>
    new Promise<void>((resolve, reject) => fixture.broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos, retain, dup: false }, (e) => (e ? reject(e) : resolve())));

  for (const store of ["on disk", "in memory"] as const) {
    it(`a retained QoS 1 status followed at once by readings: the dashboard gets the status too (sessions ${store})`, async () => {
      // A device comes online: retained status first, its readings right behind it. The status
      // waits for its store write, the QoS 0 reading has nothing to store and goes out first.
      await fixture.start({ app: APP, manifest, persistSessions: store === "on disk" });
      const received = await dashboard([topics.status(APP, "+"), topics.up(APP, "+", "+")]);
      const sent: string[] = [];
      const publishing: Promise<void>[] = [];
      for (let i = 1; i <= 5; i++) {
        const status = `${topics.status(APP, `gh-${i}`)} online`;
        const level = `${topics.up(APP, `gh-${i}`, "level")} ${i}`;
        const temp = `${topics.up(APP, `gh-${i}`, "temp")} ${20 + i}`;
        publishing.push(publish(topics.status(APP, `gh-${i}`), "online", 1, true), publish(topics.up(APP, `gh-${i}`, "level"), String(i), 1), publish(topics.up(APP, `gh-${i}`, "temp"), String(20 + i), 0));
        sent.push(status, level, temp);
      }
      await Promise.all(publishing);
      await waitFor(`all ${sent.length} messages at the dashboard`, () => received.length >= sent.length);
      await new Promise((resolve) => setTimeout(resolve, 100)); // room for a stray repeat
      assert.deepEqual([...received].sort(), [...sent].sort());
    });
  }

  it("overlapping subscriptions still deliver a message once", async () => {
    await fixture.start({ app: APP, manifest, persistSessions: true });
    const received = await dashboard([topics.status(APP, "+"), topics.status(APP, "gh-1")]);
    await publish(topics.status(APP, "gh-1"), "online", 1);
    await publish(topics.status(APP, "gh-1"), "offline", 0);
    await waitFor("both statuses", () => received.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(received, [`${topics.status(APP, "gh-1")} online`, `${topics.status(APP, "gh-1")} offline`]);
  });

  it("RecentDeliveries: a pair is a duplicate while among the last N, and memory stays at N", () => {
    const recent = new RecentDeliveries(3);
    assert.deepEqual([recent.add("b", 5), recent.add("b", 4), recent.add("b", 5), recent.add("c", 5)], [true, true, false, true]);
    assert.equal(recent.add("b", 6), true); // forgets ("b", 5), the oldest
    assert.equal(recent.add("b", 5), true);
    assert.equal(recent.add("b", 6), false);
  });
});
