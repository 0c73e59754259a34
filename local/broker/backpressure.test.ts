import assert from "node:assert/strict";
import mqtt from "mqtt";
import { serverClientId } from "../../core/policy";
import { channelManifest } from "../../test/support/channelManifest";
import { brokerPerTest } from "../../test/support/brokerPerTest";
import { waitFor } from "../../test/support/waitFor";
import { resolveLoadLimits } from "./backpressure";

const APP = "load";
const manifest = channelManifest(APP, [{ name: "temperature", qos: 1, direction: "both", replay: 0 }]);
const LIMITS = { maxInFlight: 40, maxInFlightPerClient: 10 };
const DEVICES = 8;
const PER_DEVICE = 150;

describe("broker under overload (backpressure)", function () {
  this.timeout(60_000);
  const fixture = brokerPerTest("backpressure");

  it("holds QoS 1 publishers at the in-flight bounds, counts and drops QoS 0, and delivers every QoS 1 message once the load falls", async () => {
    const log: string[] = [];
    const broker = await fixture.start({ app: APP, manifest, load: LIMITS, log: (line) => log.push(line) });
    // A subscriber in the broker's process that stops completing its deliveries: no fan-out can
    // finish, the way nothing finishes in time when the broker is offered far more than it can do.
    const stalled: Array<() => void> = [];
    let stalling = true;
    await new Promise<void>((resolve) =>
      broker.aedes.subscribe(`sf/${APP}/+/temperature/up`, (_packet, done) => (stalling ? stalled.push(done) : done()), resolve),
    );
    // The app's server over mutual TLS: must end up with every QoS 1 message, once.
    const server = await fixture.connect(serverClientId(APP), await broker.pki.serviceIdentity("server"));
    const received = new Map<string, Set<number>>();
    const qos0Received: string[] = [];
    server.on("message", (topic, payload) => {
      const { n, qos0 } = JSON.parse(payload.toString()) as { n: number; qos0?: boolean };
      if (qos0) qos0Received.push(topic);
      else received.set(topic, (received.get(topic) ?? new Set()).add(n));
    });
    await server.subscribeAsync(`sf/${APP}/+/temperature/up`, { qos: 1 });

    const devices = await Promise.all(Array.from({ length: DEVICES }, async (_, i) => fixture.connect(`dev-${i}`, await broker.provisionDevice(`dev-${i}`))));
    const acks = devices.flatMap((device, d) =>
      Array.from({ length: PER_DEVICE }, (_, n) => device.publishAsync(`sf/${APP}/dev-${d}/temperature/up`, JSON.stringify({ n }), { qos: 1 })),
    );
    await waitFor("the broker to reach its in-flight bound and hold publishers", () => broker.loadStats().inFlight === LIMITS.maxInFlight && broker.loadStats().heldClients > 0);

    // QoS 0 arriving now is dropped and counted, not queued.
    const qos0Device = await fixture.connect("dev-q0", await broker.provisionDevice("dev-q0"));
    for (let n = 0; n < 50; n++) qos0Device.publish(`sf/${APP}/dev-q0/temperature/up`, JSON.stringify({ n, qos0: true }), { qos: 0 });
    await waitFor("50 QoS 0 messages dropped", () => broker.loadStats().droppedQos0 === 50);

    // Bounded, by the counters: nothing past the bounds was taken in while nothing could finish.
    const during = broker.loadStats();
    assert.ok(during.peakInFlight <= LIMITS.maxInFlight, `peak in flight ${during.peakInFlight} > ${LIMITS.maxInFlight}`);
    assert.ok(stalled.length <= LIMITS.maxInFlight, `${stalled.length} deliveries waiting > ${LIMITS.maxInFlight}`);
    assert.ok(during.published < DEVICES * PER_DEVICE / 2, `the broker took in ${during.published} of ${DEVICES * PER_DEVICE} publishes while stalled`);
    assert.ok(during.holds > 0 && during.heldClients <= DEVICES, JSON.stringify(during));

    // The load falls: everything held back arrives, exactly the QoS 1 messages, and the broker recovers.
    stalling = false;
    stalled.splice(0).forEach((done) => done());
    const total = () => [...received.values()].reduce((sum, set) => sum + set.size, 0);
    await waitFor(`all ${DEVICES * PER_DEVICE} QoS 1 messages at the server`, () => total() === DEVICES * PER_DEVICE, 30_000);
    await Promise.all(acks);
    await waitFor("nothing in flight and nobody held", () => broker.loadStats().inFlight === 0 && broker.loadStats().heldClients === 0);
    assert.equal(received.size, DEVICES);
    assert.deepEqual(qos0Received, [], "dropped QoS 0 messages must not arrive later");
    assert.ok(broker.loadStats().peakInFlight <= LIMITS.maxInFlight);
    await waitFor("the drop reported in the log", () => log.some((line) => /dropped 50 QoS 0 message\(s\)/.test(line)), 5000);

    // And it takes new load at once afterwards.
    await devices[0].publishAsync(`sf/${APP}/dev-0/temperature/up`, JSON.stringify({ n: PER_DEVICE }), { qos: 1 });
    await waitFor("a message after recovery", () => received.get(`sf/${APP}/dev-0/temperature/up`)!.has(PER_DEVICE));
  });

  it("drains a full emitter queue at the default bounds without growing the stack per message", async () => {
    const broker = await fixture.start({ app: APP, manifest });
    // Deliveries stall until the emitter's queue is as long as the broker lets it get; then they
    // all complete at once. The emitter (mqemitter) starts each queued message from the previous
    // one's completion: a publish's own completion must not add aedes' next read and parse to
    // that chain (the stack overflowed at 1,000 devices: RangeError in Readable.read).
    const stalled: Array<() => void> = [];
    let stalling = true;
    let delivered = 0;
    const order = new Map<string, number[]>();
    await new Promise<void>((resolve) =>
      broker.aedes.subscribe(
        `sf/${APP}/+/temperature/up`,
        (packet, done) => {
          delivered++;
          const seen = order.get(packet.topic) ?? [];
          order.set(packet.topic, [...seen, (JSON.parse(packet.payload.toString()) as { n: number }).n]);
          return stalling ? stalled.push(done) : done();
        },
        resolve,
      ),
    );
    const devices = await Promise.all(Array.from({ length: 40 }, async (_, i) => fixture.connect(`burst-${i}`, await broker.provisionDevice(`burst-${i}`))));
    const perDevice = 100;
    const acks = devices.flatMap((device, d) => Array.from({ length: perDevice }, (_, n) => device.publishAsync(`sf/${APP}/burst-${d}/temperature/up`, JSON.stringify({ n }), { qos: 1 })));
    await waitFor("the broker at its in-flight bound", () => broker.loadStats().inFlight >= 1900, 30_000);
    stalling = false;
    stalled.splice(0).forEach((done) => done());
    await Promise.all(acks);
    await waitFor("every message delivered and nothing in flight", () => delivered === devices.length * perDevice && broker.loadStats().inFlight === 0, 30_000);
    const inOrder = Array.from({ length: perDevice }, (_, n) => n);
    for (const [topic, ns] of order) assert.deepEqual(ns, inOrder, `${topic}: each device's messages once, in the order it sent them`);
  });

  it("refuses load limits that aren't whole numbers >= 1, naming the option", () => {
    assert.throws(() => resolveLoadLimits({ maxInFlight: 0 }), /LocalBroker load\.maxInFlight must be a whole number >= 1, got 0/);
    assert.throws(() => resolveLoadLimits({ maxInFlightPerClient: 2.5 }), /load\.maxInFlightPerClient must be a whole number >= 1, got 2\.5/);
    assert.deepEqual(resolveLoadLimits(undefined), {
      maxInFlightPerClient: 100,
      maxInFlight: 2000,
      maxOutboundInFlightPerClient: 100,
      maxOutboundQueuedBytesPerClient: 4 * 2 ** 20,
      maxOutboundQueuedBytes: 64 * 2 ** 20,
      outboundStallMs: 10_000,
    });
    assert.throws(() => resolveLoadLimits({ maxOutboundQueuedBytesPerClient: 0 }), /load\.maxOutboundQueuedBytesPerClient must be a whole number >= 1, got 0/);
    assert.throws(() => resolveLoadLimits({ outboundStallMs: -5 }), /load\.outboundStallMs must be a whole number >= 1, got -5/);
  });
});
