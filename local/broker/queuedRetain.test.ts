/** The RETAIN flag the broker sends, as MQTT 3.1.1 and 5 §3.3.1.3 and AWS IoT Core set it
 * (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-retain; queuedRetainFlag.ts):
 * 1 only on the stored message a new subscription brings, 0 on every message sent because it matched
 * an established subscription, live or queued for an offline persistent session. The scenario of
 * issue 13: a device subscribed to its own status topic loses its link, the broker publishes its
 * retained last will, and the session queues it. Real clients from outside: mqtt.js over mutual TLS
 * (MQTT 3.1.1 and 5), a dashboard over WebSocket; sessions in memory and on disk. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { encodeDeviceStatus, LAST_WILL_BOOT_ID } from "../../core/contracts/deviceStatus";
import { topics } from "../../core/contracts/topics";
import { channelManifest } from "../../test/support/channelManifest";
import { connectDashboard } from "../../test/support/dashboardClient";
import { waitFor } from "../../test/support/waitFor";
import type { IdentityFiles } from "../certificates";
import { LocalBroker } from "./index";

const APP = "grow";
const manifest = channelManifest(APP, [{ name: "temperature", qos: 1, direction: "both", replay: 0 }]);

interface Received {
  payload: string;
  retain: boolean;
}

const will = encodeDeviceStatus({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 1 });
const online = encodeDeviceStatus({ online: true, version: "1.0.0", bootId: "boot-1", t: 2 });

for (const persistSessions of [false, true]) {
  describe(`LocalBroker sets RETAIN as MQTT and AWS IoT do (sessions ${persistSessions ? "on disk" : "in memory"})`, function () {
    this.timeout(20_000);
    let stateDir: string;
    let broker: LocalBroker;
    const open: Array<() => Promise<unknown>> = [];

    before(async () => {
      stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-queued-retain-"));
      broker = await LocalBroker.start({ stateDir, app: APP, manifest, persistSessions });
    });
    afterEach(async () => {
      for (const close of open.splice(0).reverse()) await close().catch(() => undefined);
    });
    after(async () => {
      await broker?.stop();
      await rm(stateDir, { recursive: true, force: true });
    });

    /** A device's persistent session over mutual TLS, its last will the retained offline status;
     * `received` is every message on its own status topic, with the flag it came with. */
    function device(identity: IdentityFiles, thing: string, protocolVersion: 4 | 5) {
      const received: Received[] = [];
      const client = mqtt.connect(`mqtts://127.0.0.1:${broker.mqttsPort}`, {
        clientId: thing,
        ca: broker.caCertPem,
        cert: identity.certPem,
        key: identity.keyPem,
        protocolVersion,
        clean: false,
        // MQTT 5 keeps a session after the link only for its Session Expiry Interval.
        ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 600 } } : {}),
        will: { topic: topics.status(APP, thing), payload: Buffer.from(will), qos: 1, retain: true },
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      // Attached before CONNACK: a resumed session's queued messages follow it at once.
      client.on("message", (_topic, payload, packet) => received.push({ payload: String(payload), retain: packet.retain }));
      open.push(() => client.endAsync(true));
      const connected = new Promise<mqtt.IConnackPacket>((resolve, reject) => {
        client.once("connect", resolve);
        client.once("error", reject);
      });
      return { client, received, connected };
    }

    async function dashboard(): Promise<{ client: mqtt.MqttClient; received: Received[] }> {
      const client = await connectDashboard(broker);
      open.push(() => client.endAsync(true));
      const received: Received[] = [];
      client.on("message", (_topic, payload, packet) => received.push({ payload: String(payload), retain: packet.retain }));
      return { client, received };
    }

    const clientOf = (thing: string) => (broker.aedes as unknown as { clients: Record<string, unknown> }).clients[thing];

    /** The device subscribed to its own status and said online (retained), then its socket died:
     * the broker published the will, retained, while the session was offline. */
    async function willQueuedWhileAway(thing: string, protocolVersion: 4 | 5, subscription: mqtt.IClientSubscribeOptions = { qos: 1 }) {
      const identity = await broker.provisionDevice(thing);
      const statusTopic = topics.status(APP, thing);
      const watcher = await dashboard();
      await watcher.client.subscribeAsync(statusTopic, { qos: 1 });
      const first = device(identity, thing, protocolVersion);
      await first.connected;
      await first.client.subscribeAsync(statusTopic, subscription);
      await first.client.publishAsync(statusTopic, online, { qos: 1, retain: true });
      await waitFor("the device's own online, live", () => first.received.some((m) => m.payload === online));
      // Its link dies (no DISCONNECT): the broker publishes the will.
      first.client.stream.destroy();
      await waitFor("the will at the dashboard", () => watcher.received.some((m) => m.payload === will));
      await waitFor(`the broker to see ${thing} gone`, () => clientOf(thing) === undefined);
      return { identity, statusTopic, first, watcher };
    }

    for (const protocolVersion of [4, 5] as const) {
      const mqttName = protocolVersion === 4 ? "MQTT 3.1.1" : "MQTT 5";

      it(`${mqttName}: live copies RETAIN 0, the will queued for the offline session RETAIN 0, a new subscription's stored copy RETAIN 1`, async () => {
        const thing = `qr-${protocolVersion}-${persistSessions ? "disk" : "mem"}`;
        const { identity, statusTopic, first, watcher } = await willQueuedWhileAway(thing, protocolVersion);
        // Live: matched an established subscription.
        assert.deepEqual(first.received, [{ payload: online, retain: false }], "the device's own online, heard live");
        assert.deepEqual(
          watcher.received.map((m) => m.retain),
          [false, false],
          `the dashboard heard online and will live: ${JSON.stringify(watcher.received)}`,
        );

        // The session resumes without a SUBSCRIBE: the queued will is for the established subscription.
        const again = device(identity, thing, protocolVersion);
        const connack = await again.connected;
        assert.equal(connack.sessionPresent, true, "the broker resumed the session");
        await waitFor("the queued will", () => again.received.some((m) => m.payload === will));
        assert.deepEqual(again.received, [{ payload: will, retain: false }], "the queued will comes with RETAIN 0 (it was published retained)");

        // A SUBSCRIBE brings the stored will with RETAIN 1: the device's own again (§3.8.4 re-sends
        // retained messages on a repeated SUBSCRIBE) and a new subscriber's.
        await again.client.subscribeAsync(statusTopic, { qos: 1 });
        await waitFor("the stored will on the re-SUBSCRIBE", () => again.received.length === 2);
        assert.deepEqual(again.received[1], { payload: will, retain: true });
        const late = await dashboard();
        await late.client.subscribeAsync(statusTopic, { qos: 1 });
        await waitFor("the stored will on a new subscription", () => late.received.length === 1);
        assert.deepEqual(late.received, [{ payload: will, retain: true }]);
      });
    }

    it("MQTT 5, Retain As Published: the queued will keeps RETAIN 1, as the live path keeps it", async () => {
      const thing = `qr-rap-${persistSessions ? "disk" : "mem"}`;
      const { identity, first } = await willQueuedWhileAway(thing, 5, { qos: 1, rap: true });
      assert.deepEqual(first.received, [{ payload: online, retain: true }], "live, as published");
      const again = device(identity, thing, 5);
      assert.equal((await again.connected).sessionPresent, true);
      await waitFor("the queued will", () => again.received.some((m) => m.payload === will));
      assert.deepEqual(
        again.received.filter((m) => m.payload === will),
        [{ payload: will, retain: true }],
      );
    });
  });
}
