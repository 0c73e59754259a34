import assert from "node:assert/strict";
import mqtt from "mqtt";
import { serverClientId } from "../../core/policy";
import { channelManifest } from "../../test/support/channelManifest";
import { brokerPerTest } from "../../test/support/brokerPerTest";
import { waitFor } from "../../test/support/waitFor";

const APP = "slowsub";
const manifest = channelManifest(APP, [{ name: "temperature", qos: 1, direction: "both", replay: 0 }]);
const BOUND = 64 * 1024;
/** A never-acknowledging subscriber is found stalled quickly here (the default is 10 s). */
const LIMITS = { maxOutboundInFlightPerClient: 100, maxOutboundQueuedBytesPerClient: BOUND, outboundStallMs: 300 };
const MESSAGES = 10_000;
/** aedes's emitter fans out at most this many messages at once (aedes.js `concurrency`). */
const AEDES_CONCURRENCY = 100;

type PacketWriter = { _sendPacket: (packet: { cmd: string }, done?: () => void, ...rest: unknown[]) => void };

/** mqtt.js has no switch for withholding PUBACKs, so its packet writer keeps them: `release`
 * sends what it kept (a slow subscriber), never calling it makes one that never acknowledges. */
function withholdPubacks(client: mqtt.MqttClient): { release(): void; withheld(): number } {
  const writer = client as unknown as PacketWriter;
  const sendPacket = writer._sendPacket.bind(client);
  let kept: Array<() => void> = [];
  writer._sendPacket = (packet, done, ...rest) => {
    if (packet.cmd !== "puback") return sendPacket(packet, done, ...rest);
    // mqtt.js reads the next packet only once this one is handled: say it was.
    kept.push(() => sendPacket(packet, undefined, ...rest));
    done?.();
  };
  return {
    release() {
      const now = kept;
      kept = [];
      now.forEach((send) => send());
    },
    withheld: () => kept.length,
  };
}

describe("broker and subscribers slower than the fan-in (outbound window)", function () {
  this.timeout(120_000);
  const fixture = brokerPerTest("outbound");

  it(`a subscriber that never acknowledges while ${MESSAGES} are published: at most ${LIMITS.maxOutboundInFlightPerClient} in flight and ${BOUND} bytes queued for it, the others get everything, its QoS 1 is dropped only once it is stalled, QoS 0 to it is dropped and counted`, async () => {
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
    const slow = await fixture.connect(serverClientId(APP), await broker.pki.serviceIdentity("server"));
    withholdPubacks(slow);
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
    assert.ok(stats.outboundHolds > 0, `the publisher was held before the subscriber was found stalled: ${JSON.stringify(stats)}`);
    assert.ok(stats.outboundStalls >= 1, JSON.stringify(stats));
    assert.ok(stats.peakOutboundQueuedBytesPerClient <= BOUND, `accepted ${stats.peakOutboundQueuedBytesPerClient} bytes for it, bound ${BOUND}`);
    assert.ok(stats.peakOutboundHeldPublishes <= AEDES_CONCURRENCY, JSON.stringify(stats));
    assert.ok(stats.outboundQueuedBytes <= BOUND && stats.outboundQueued > 0, JSON.stringify(stats));
    assert.equal(stats.outboundHeldPublishes, 0, "nobody waits for a stalled subscriber");
    assert.equal(stats.droppedOutbound, MESSAGES - LIMITS.maxOutboundInFlightPerClient - stats.outboundQueued, "everything else for it was dropped and counted");
    await waitFor("the drop reported in the log", () => log.some((line) => /subscriber ".*" .*can't keep up: dropped \d+ QoS 1 deliveries \(it acknowledged nothing for 300 ms\)/.test(line)), 5000);

    // QoS 0 for it now is dropped and counted; the other subscriber still gets it.
    for (let n = MESSAGES; n < MESSAGES + 10; n++) device.publish(topic, JSON.stringify({ n }), { qos: 0 });
    await waitFor("10 QoS 0 dropped for it", () => broker.loadStats().droppedOutboundQos0 === 10);
    await waitFor("the QoS 0 messages at the other subscriber", () => other.size === MESSAGES + 10);
    assert.equal(slowReceived, LIMITS.maxOutboundInFlightPerClient);

    // It disconnects (a clean session): what waited for it is let go.
    await slow.endAsync(true);
    await waitFor("nothing queued once it is gone", () => broker.loadStats().outboundQueued === 0 && broker.loadStats().outboundQueuedBytes === 0);
  });

  it("a subscriber slower than the fan-in gets every QoS 1 message, none dropped, while its publishers are slowed down and its queue stays within its bound", async () => {
    const limits = { maxOutboundInFlightPerClient: 100, maxOutboundQueuedBytesPerClient: 32 * 1024, outboundStallMs: 60_000 };
    const broker = await fixture.start({ app: APP, manifest, load: limits });
    const slow = await fixture.connect(serverClientId(APP), await broker.pki.serviceIdentity("server"));
    const pubacks = withholdPubacks(slow);
    const heard = new Map<string, Set<number>>();
    slow.on("message", (topic, payload) => heard.set(topic, (heard.get(topic) ?? new Set()).add((JSON.parse(payload.toString()) as { n: number }).n)));
    await slow.subscribeAsync(`sf/${APP}/+/temperature/up`, { qos: 1 });

    const DEVICES = 3;
    const PER_DEVICE = 3000;
    const devices = await Promise.all(Array.from({ length: DEVICES }, async (_, d) => fixture.connect(`dev-${d}`, await broker.provisionDevice(`dev-${d}`))));
    let acked = 0;
    for (let n = 0; n < PER_DEVICE; n++) {
      devices.forEach((device, d) => void device.publishAsync(`sf/${APP}/dev-${d}/temperature/up`, JSON.stringify({ n }), { qos: 1 }).then(() => acked++));
    }
    // Nothing acknowledged yet: its queue fills to the bound, then the publishes wait for it.
    await waitFor("publishes held for the subscriber", () => broker.loadStats().outboundHeldPublishes > 0, 60_000);
    const during = broker.loadStats();
    assert.ok(acked < DEVICES * PER_DEVICE, "the publishers are slowed down: not all of their messages acknowledged");
    assert.ok(during.peakOutboundQueuedBytesPerClient <= limits.maxOutboundQueuedBytesPerClient, JSON.stringify(during));

    // Now it acknowledges, in batches, as a slow reader does.
    const total = () => [...heard.values()].reduce((sum, set) => sum + set.size, 0);
    const slowReader = setInterval(() => pubacks.release(), 5);
    try {
      await waitFor(`all ${DEVICES * PER_DEVICE} at the slow subscriber`, () => total() === DEVICES * PER_DEVICE, 100_000);
      await waitFor("every publish acknowledged", () => acked === DEVICES * PER_DEVICE, 30_000);
    } finally {
      clearInterval(slowReader);
    }
    const after = broker.loadStats();
    for (let d = 0; d < DEVICES; d++) assert.equal(heard.get(`sf/${APP}/dev-${d}/temperature/up`)?.size, PER_DEVICE, `dev-${d}`);
    assert.equal(after.droppedOutbound, 0);
    assert.equal(after.droppedOutboundQos0, 0);
    assert.equal(after.outboundStalls, 0);
    assert.ok(after.outboundHolds > 0 && after.holds > 0, `publishers slowed down at the socket: ${JSON.stringify(after)}`);
    assert.ok(after.peakOutboundQueuedBytesPerClient <= limits.maxOutboundQueuedBytesPerClient, JSON.stringify(after));
    assert.ok(after.peakOutboundHeldPublishes <= AEDES_CONCURRENCY, JSON.stringify(after));
    await waitFor("nothing waiting, nobody held", () => broker.loadStats().outboundQueued === 0 && broker.loadStats().outboundHeldPublishes === 0 && broker.loadStats().inFlight === 0);
  });

  it("thousands of messages published at once while a subscriber's window is full: the broker stays up and the others get them all", async () => {
    const broker = await fixture.start({ app: APP, manifest, load: LIMITS });
    const topic = `sf/${APP}/dev-0/temperature/up`;
    const slow = await fixture.connect(serverClientId(APP), await broker.pki.serviceIdentity("server"));
    withholdPubacks(slow);
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
    const stats = broker.loadStats();
    assert.ok(stats.outboundQueuedBytes <= BOUND && stats.peakOutboundQueuedBytesPerClient <= BOUND, JSON.stringify(stats));
    assert.equal(stats.droppedOutbound, count - LIMITS.maxOutboundInFlightPerClient - stats.outboundQueued);
  });

  it("a persistent session keeps what waited in its window: after the subscriber comes back it gets every message", async () => {
    const limits = { maxOutboundInFlightPerClient: 10 };
    const count = 200;
    const broker = await fixture.start({ app: APP, manifest, load: limits });
    const topic = `sf/${APP}/dev-0/temperature/up`;
    const server = await broker.pki.serviceIdentity("server");
    const slow = await fixture.connect(serverClientId(APP), server, { clean: false });
    withholdPubacks(slow);
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
