/** A device's retained statuses reach subscribers in the order it sent them and the retained store
 * keeps the last, even when a store write finishes late; a reconnect with the same client id
 * publishes the old connection's last will (as AWS does) before the new connection's status.
 * Real broker, a device over mutual TLS, a dashboard over WebSocket, an in-process subscriber. */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { encodeDeviceStatus } from "../../core/contracts/deviceStatus";
import { topics } from "../../core/contracts/topics";
import { brokerPerTest } from "../../test/support/brokerPerTest";
import { channelManifest } from "../../test/support/channelManifest";
import { connectDashboard } from "../../test/support/dashboardClient";
import { mqttsOptions } from "../../test/support/mqttsClient";
import { waitFor } from "../../test/support/waitFor";

const APP = "grow";
const STATUS = topics.status(APP, "gh-1");
const status = (online: boolean, bootId: string) => encodeDeviceStatus({ online, version: "v1", bootId, t: 1 });
const bootOf = (payload: Buffer | string) => (JSON.parse(String(payload)) as { bootId: string }).bootId;

describe("LocalBroker: retained messages of one topic in the order received", function () {
  this.timeout(20000);
  const fixture = brokerPerTest("retained-order");

  async function device(will?: string) {
    const identity = await fixture.broker.provisionDevice("gh-1");
    const client = await mqtt.connectAsync(
      mqttsOptions(fixture.broker, "gh-1", identity, { clean: false, ...(will ? { will: { topic: STATUS, payload: Buffer.from(will), qos: 1 as const, retain: true } } : {}) }),
    );
    fixture.closeAfter(() => client.endAsync(true));
    return client;
  }

  /** Boot ids of the statuses a dashboard (WebSocket, as the page) and an in-process subscriber get. */
  async function listeners() {
    const dashboard = await connectDashboard(fixture.broker, { clientId: `sf-${APP}-dashboard-o` });
    fixture.closeAfter(() => dashboard.endAsync(true));
    const heard = { dashboard: [] as string[], inProcess: [] as string[] };
    dashboard.on("message", (_topic, payload) => heard.dashboard.push(bootOf(payload)));
    await dashboard.subscribeAsync(topics.status(APP, "+"), { qos: 1 });
    fixture.broker.aedes.subscribe(STATUS, (packet, done) => (heard.inProcess.push(bootOf(packet.payload)), done()), () => {});
    return heard;
  }

  /** The retained status a new exact subscription gets. */
  async function retained(): Promise<string> {
    const probe = await connectDashboard(fixture.broker, { clientId: `sf-${APP}-dashboard-p` });
    fixture.closeAfter(() => probe.endAsync(true));
    const first = new Promise<string>((resolve) => probe.once("message", (_topic, payload) => resolve(bootOf(payload))));
    await probe.subscribeAsync(STATUS, { qos: 1 });
    return first;
  }

  it("an app switch's offline-then-online, the first store write finishing last: everyone hears online last, and it stays retained", async () => {
    const broker = await fixture.start({ app: APP, manifest: channelManifest(APP, []), persistSessions: true });
    // The on-disk store's writes run on libuv's threads and may finish in any order: make the
    // first one finish after the second, every time.
    const persistence = (broker.aedes as unknown as { persistence: { storeRetained(packet: { payload: Buffer }): Promise<void> } }).persistence;
    const store = persistence.storeRetained.bind(persistence);
    persistence.storeRetained = async (packet) => {
      if (packet.payload.length && bootOf(packet.payload) === "old-boot") await new Promise((resolve) => setTimeout(resolve, 200));
      return store(packet);
    };
    const heard = await listeners();
    const gh1 = await device();
    // Sent back to back, as the native device's supervisor stops one app and starts the next.
    await Promise.all([gh1.publishAsync(STATUS, status(false, "old-boot"), { qos: 1, retain: true }), gh1.publishAsync(STATUS, status(true, "new-boot"), { qos: 1, retain: true })]);
    await waitFor("both statuses heard", () => heard.dashboard.length === 2 && heard.inProcess.length === 2);
    assert.deepEqual(heard.dashboard, ["old-boot", "new-boot"]);
    assert.deepEqual(heard.inProcess, ["old-boot", "new-boot"]);
    assert.equal(broker.fleetStatus.get("gh-1")?.online, true);
    assert.equal(await retained(), "new-boot");
  });

  it("a reconnect with the same client id while the old connection is open: the old one's last will first, then the new status", async () => {
    const broker = await fixture.start({ app: APP, manifest: channelManifest(APP, []), persistSessions: true });
    const heard = await listeners();
    const first = await device(status(false, "will"));
    await first.publishAsync(STATUS, status(true, "first-boot"), { qos: 1, retain: true });
    const closed = new Promise<void>((resolve) => first.once("close", () => resolve()));
    const second = await device(status(false, "will"));
    await second.publishAsync(STATUS, status(true, "second-boot"), { qos: 1, retain: true });
    await closed;
    await waitFor("three statuses heard", () => heard.dashboard.length === 3 && heard.inProcess.length === 3);
    assert.deepEqual(heard.dashboard, ["first-boot", "will", "second-boot"]);
    assert.deepEqual(heard.inProcess, ["first-boot", "will", "second-boot"]);
    assert.equal(await retained(), "second-boot");
    assert.equal(broker.fleetStatus.get("gh-1")?.online, true);
  });
});
