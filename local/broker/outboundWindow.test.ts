import assert from "node:assert/strict";
import mqtt from "mqtt";
import { serverClientId } from "../../core/policy";
import { channelManifest } from "../../test/support/channelManifest";
import { brokerPerTest } from "../../test/support/brokerPerTest";
import { waitFor } from "../../test/support/waitFor";

const APP = "slowsub";
const manifest = channelManifest(APP, [{ name: "temperature", qos: 1, direction: "both", replay: 0 }]);
const LIMITS = { maxOutboundInFlightPerClient: 100, maxOutboundQueuedPerClient: 500 };
const MESSAGES = 10_000;

describe("broker and a subscriber that never acknowledges (outbound window)", function () {
  this.timeout(120_000);
  const fixture = brokerPerTest("outbound");

  it(`holds at most ${LIMITS.maxOutboundInFlightPerClient} unacknowledged + ${LIMITS.maxOutboundQueuedPerClient} queued for it while ${MESSAGES} messages are published, drops and counts the rest, and other subscribers get everything`, async () => {
    const log: string[] = [];
    const broker = await fixture.start({ app: APP, manifest, load: LIMITS, log: (line) => log.push(line) });
    const topic = `sf/${APP}/dev-0/temperature/up`;
    // Another subscriber: the broker's own in-process one, which acknowledges everything.
    const other = new Set<number>();
    await new Promise<void>((resolve) =>
      broker.aedes.subscribe(topic, (packet, done) => {
        other.add((JSON.parse(packet.payload.toString()) as { n: number }).n);
        done();
      }, resolve),
    );
    // The app's server reads its deliveries but never sends a PUBACK (mqtt.js has no switch for
    // that, so its packet writer leaves them out).
    const slow = await fixture.connect(serverClientId(APP), await broker.pki.serviceIdentity("server"));
    const writer = slow as unknown as { _sendPacket: (packet: { cmd: string }, done?: () => void, ...rest: unknown[]) => void };
    const sendPacket = writer._sendPacket.bind(slow);
    writer._sendPacket = (packet, done, ...rest) => (packet.cmd === "puback" ? done?.() : sendPacket(packet, done, ...rest));
    let slowReceived = 0;
    slow.on("message", () => slowReceived++);
    await slow.subscribeAsync(`sf/${APP}/+/temperature/up`, { qos: 1 });

    const device = await fixture.connect("dev-0", await broker.provisionDevice("dev-0"));
    let acked = 0;
    for (let n = 0; n < MESSAGES; n++) void device.publishAsync(topic, JSON.stringify({ n }), { qos: 1 }).then(() => acked++);
    await waitFor(`the publisher's ${MESSAGES} PUBACKs`, () => acked === MESSAGES, 100_000);
    await waitFor(`all ${MESSAGES} at the other subscriber`, () => other.size === MESSAGES, 30_000);

    const stats = broker.loadStats();
    assert.equal(slowReceived, LIMITS.maxOutboundInFlightPerClient, "the slow subscriber gets no more than its window");
    assert.equal(stats.outboundQueued, LIMITS.maxOutboundQueuedPerClient);
    assert.ok(stats.peakOutboundQueuedPerClient <= LIMITS.maxOutboundQueuedPerClient, JSON.stringify(stats));
    assert.equal(stats.droppedOutbound, MESSAGES - LIMITS.maxOutboundInFlightPerClient - LIMITS.maxOutboundQueuedPerClient);
    await waitFor("the drop reported in the log", () => log.some((line) => /subscriber ".*" .*acknowledges too slowly: dropped \d+ QoS 1/.test(line)), 5000);

    // It disconnects (a clean session): what waited for it is let go.
    await slow.endAsync(true);
    await waitFor("nothing queued once it is gone", () => broker.loadStats().outboundQueued === 0);
  });

  it("thousands of messages published at once while a subscriber's window is full: the broker stays up and the others get them all", async () => {
    const broker = await fixture.start({ app: APP, manifest, load: LIMITS });
    const topic = `sf/${APP}/dev-0/temperature/up`;
    const slow = await fixture.connect(serverClientId(APP), await broker.pki.serviceIdentity("server"));
    const writer = slow as unknown as { _sendPacket: (packet: { cmd: string }, done?: () => void, ...rest: unknown[]) => void };
    const sendPacket = writer._sendPacket.bind(slow);
    writer._sendPacket = (packet, done, ...rest) => (packet.cmd === "puback" ? done?.() : sendPacket(packet, done, ...rest));
    await slow.subscribeAsync(`sf/${APP}/+/temperature/up`, { qos: 1 });
    let other = 0;
    await new Promise<void>((resolve) => broker.aedes.subscribe(topic, (_packet, done) => (other++, done()), resolve));
    // All at once, as a thousand devices publishing together hand them to the broker's emitter.
    const count = 20_000;
    let published = 0;
    for (let n = 0; n < count; n++) {
      broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(JSON.stringify({ n })), qos: 1, retain: false, dup: false }, () => published++);
    }
    await waitFor(`all ${count} published`, () => published === count, 60_000);
    await waitFor(`all ${count} at the other subscriber`, () => other === count, 30_000);
    assert.equal(broker.loadStats().outboundQueued, LIMITS.maxOutboundQueuedPerClient);
  });

  it("a persistent session keeps what waited in its window: after the subscriber comes back it gets every message", async () => {
    const limits = { maxOutboundInFlightPerClient: 10, maxOutboundQueuedPerClient: 500 };
    const count = 200;
    const broker = await fixture.start({ app: APP, manifest, load: limits });
    const topic = `sf/${APP}/dev-0/temperature/up`;
    const server = await broker.pki.serviceIdentity("server");
    const slow = await fixture.connect(serverClientId(APP), server, { clean: false });
    const writer = slow as unknown as { _sendPacket: (packet: { cmd: string }, done?: () => void, ...rest: unknown[]) => void };
    const sendPacket = writer._sendPacket.bind(slow);
    writer._sendPacket = (packet, done, ...rest) => (packet.cmd === "puback" ? done?.() : sendPacket(packet, done, ...rest));
    await slow.subscribeAsync(`sf/${APP}/+/temperature/up`, { qos: 1 });
    const device = await fixture.connect("dev-0", await broker.provisionDevice("dev-0"));
    await Promise.all(Array.from({ length: count }, (_, n) => device.publishAsync(topic, JSON.stringify({ n }), { qos: 1 })));
    await waitFor("the rest waiting in its window", () => broker.loadStats().outboundQueued === count - limits.maxOutboundInFlightPerClient);
    await slow.endAsync(true);

    // Back, acknowledging: the session's queue (aedes stored every message in it before delivery)
    // holds the in-flight deliveries and everything that waited.
    const heard = new Set<number>();
    const back = fixture.track(mqtt.connect(fixture.clientOptions(serverClientId(APP), server, { clean: false })));
    back.on("message", (_topic, payload) => heard.add((JSON.parse(payload.toString()) as { n: number }).n));
    await waitFor(`all ${count} after it came back`, () => heard.size === count, 20_000);
    assert.deepEqual([...heard].sort((a, b) => a - b), Array.from({ length: count }, (_, n) => n));
    assert.equal(broker.loadStats().droppedOutbound, 0);
  });
});
