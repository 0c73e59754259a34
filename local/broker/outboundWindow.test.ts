import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { serverClientId } from "../../core/policy";
import { channelManifest } from "../../test/support/channelManifest";
import { waitFor } from "../../test/support/waitFor";
import { LocalBroker } from "./index";

const APP = "slowsub";
const manifest = channelManifest(APP, [{ name: "temperature", qos: 1, direction: "both", replay: 0 }]);
const LIMITS = { maxOutboundInFlightPerClient: 100, maxOutboundQueuedPerClient: 500 };
const MESSAGES = 10_000;

describe("broker and a subscriber that never acknowledges (outbound window)", function () {
  this.timeout(120_000);
  let stateDir: string;
  let broker: LocalBroker | undefined;
  const clients: mqtt.MqttClient[] = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-outbound-"));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await broker?.stop();
    broker = undefined;
    await rm(stateDir, { recursive: true, force: true });
  });

  async function connect(clientId: string, identity: { certPem: string; keyPem: string }, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
    const client = await mqtt.connectAsync({
      protocol: "mqtts",
      host: "127.0.0.1",
      port: broker!.mqttsPort,
      ca: broker!.caCertPem,
      cert: identity.certPem,
      key: identity.keyPem,
      clientId,
      protocolVersion: 4,
      reconnectPeriod: 0,
      ...options,
    });
    clients.push(client);
    return client;
  }

  it(`holds at most ${LIMITS.maxOutboundInFlightPerClient} unacknowledged + ${LIMITS.maxOutboundQueuedPerClient} queued for it while ${MESSAGES} messages are published, drops and counts the rest, and other subscribers get everything`, async () => {
    const log: string[] = [];
    broker = await LocalBroker.start({ stateDir, app: APP, manifest, load: LIMITS, log: (line) => log.push(line) });
    const topic = `sf/${APP}/dev-0/temperature/up`;
    // Another subscriber: the broker's own in-process one, which acknowledges everything.
    const other = new Set<number>();
    await new Promise<void>((resolve) =>
      broker!.aedes.subscribe(topic, (packet, done) => {
        other.add((JSON.parse(packet.payload.toString()) as { n: number }).n);
        done();
      }, resolve),
    );
    // The app's server reads its deliveries but never sends a PUBACK (mqtt.js has no switch for
    // that, so its packet writer leaves them out).
    const slow = await connect(serverClientId(APP), await broker.pki.serviceIdentity("server"));
    const writer = slow as unknown as { _sendPacket: (packet: { cmd: string }, done?: () => void, ...rest: unknown[]) => void };
    const sendPacket = writer._sendPacket.bind(slow);
    writer._sendPacket = (packet, done, ...rest) => (packet.cmd === "puback" ? done?.() : sendPacket(packet, done, ...rest));
    let slowReceived = 0;
    slow.on("message", () => slowReceived++);
    await slow.subscribeAsync(`sf/${APP}/+/temperature/up`, { qos: 1 });

    const device = await connect("dev-0", await broker.provisionDevice("dev-0"));
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
    await waitFor("nothing queued once it is gone", () => broker!.loadStats().outboundQueued === 0);
  });

  it("a persistent session keeps what waited in its window: after the subscriber comes back it gets every message", async () => {
    const limits = { maxOutboundInFlightPerClient: 10, maxOutboundQueuedPerClient: 500 };
    const count = 200;
    broker = await LocalBroker.start({ stateDir, app: APP, manifest, load: limits });
    const topic = `sf/${APP}/dev-0/temperature/up`;
    const server = await broker.pki.serviceIdentity("server");
    const slow = await connect(serverClientId(APP), server, { clean: false });
    const writer = slow as unknown as { _sendPacket: (packet: { cmd: string }, done?: () => void, ...rest: unknown[]) => void };
    const sendPacket = writer._sendPacket.bind(slow);
    writer._sendPacket = (packet, done, ...rest) => (packet.cmd === "puback" ? done?.() : sendPacket(packet, done, ...rest));
    await slow.subscribeAsync(`sf/${APP}/+/temperature/up`, { qos: 1 });
    const device = await connect("dev-0", await broker.provisionDevice("dev-0"));
    await Promise.all(Array.from({ length: count }, (_, n) => device.publishAsync(topic, JSON.stringify({ n }), { qos: 1 })));
    await waitFor("the rest waiting in its window", () => broker!.loadStats().outboundQueued === count - limits.maxOutboundInFlightPerClient);
    await slow.endAsync(true);

    // Back, acknowledging: the session's queue (aedes stored every message in it before delivery)
    // holds the in-flight deliveries and everything that waited.
    const heard = new Set<number>();
    const back = mqtt.connect({ protocol: "mqtts", host: "127.0.0.1", port: broker.mqttsPort, ca: broker.caCertPem, cert: server.certPem, key: server.keyPem, clientId: serverClientId(APP), protocolVersion: 4, reconnectPeriod: 0, clean: false });
    clients.push(back);
    back.on("message", (_topic, payload) => heard.add((JSON.parse(payload.toString()) as { n: number }).n));
    await waitFor(`all ${count} after it came back`, () => heard.size === count, 20_000);
    assert.deepEqual([...heard].sort((a, b) => a - b), Array.from({ length: count }, (_, n) => n));
    assert.equal(broker.loadStats().droppedOutbound, 0);
  });
});
