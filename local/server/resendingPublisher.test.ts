/** Where 20 commands of the 250-outage soak went (README, "The soak"): a QoS 1 publish that mqtt.js
 * (5.x) takes while it resends its stored messages after a reconnect waits in its in-memory queue,
 * and when that connection falls too the queue is thrown away, each publish told "Connection
 * closed" and never sent again (lib/client.js `_flushStoreProcessingQueue`); nothing acknowledged
 * it, nothing delivered it. Real broker, real mqtt.js over mutual TLS behind the soak's LinkProxy;
 * what counts is what the broker handed to an in-process subscriber. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { serverClientId } from "../../core/policy/clientIds";
import { topics } from "../../core/contracts/topics";
import { channelManifest } from "../../test/support/channelManifest";
import { LinkProxy } from "../../test/support/linkProxy";
import { waitFor } from "../../test/support/waitFor";
import { LocalBroker } from "../broker";
import { ResendingPublisher } from "./resendingPublisher";

const APP = "grow";
const manifest = channelManifest(APP, [{ name: "cmd", qos: 1, direction: "server-to-device", replay: 0 }]);
const TOPIC = topics.down(APP, "d1", "cmd");

describe("ResendingPublisher: a server host's QoS 1 publish through mqtt.js survives a link that falls while mqtt.js resends", function () {
  this.timeout(30000);
  let stateDir: string;
  let broker: LocalBroker | undefined;
  let proxy: LinkProxy | undefined;
  let client: MqttClient | undefined;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), "sf-resend-"));
    broker = await LocalBroker.start({ stateDir, app: APP, manifest, persistSessions: true });
    proxy = await LinkProxy.start(() => broker!.mqttsPort);
    const identity = await broker.pki.serviceIdentity("server");
    client = await mqtt.connectAsync(`mqtts://127.0.0.1:${proxy.port}`, {
      clientId: serverClientId(APP),
      clean: false,
      protocolVersion: 4,
      ca: broker.caCertPem,
      cert: identity.certPem,
      key: identity.keyPem,
      reconnectPeriod: 50,
      connectTimeout: 5000,
    });
  });

  afterEach(async () => {
    await client?.endAsync(true).catch(() => undefined);
    await proxy?.stop();
    await broker?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  /** The broker's side: every payload an in-process subscriber got on TOPIC. */
  async function brokerReceived(): Promise<Set<string>> {
    const got = new Set<string>();
    await new Promise<void>((resolve) =>
      broker!.aedes.subscribe(TOPIC, (packet, done) => {
        got.add(String(packet.payload));
        done();
      }, resolve),
    );
    return got;
  }

  /** 1..40 published while the link is down (mqtt.js stores them), then the link comes back; while
   * mqtt.js resends the 5th stored one, 41..60 are published and the link is cut. */
  async function outageDuringResend(publish: (n: number) => void): Promise<void> {
    proxy!.cut();
    await waitFor("mqtt.js to see the link fall", () => !client!.connected);
    for (let n = 1; n <= 40; n++) publish(n);
    let resent = 0;
    const onSend = (packet: { cmd: string }) => {
      if (packet.cmd !== "publish" || ++resent !== 5) return;
      client!.removeListener("packetsend", onSend);
      for (let n = 41; n <= 60; n++) publish(n);
      proxy!.cut();
    };
    client!.on("packetsend", onSend);
    await waitFor("the resend to be cut", () => resent >= 5, 10_000);
  }

  it("bare mqtt.js: the publishes taken during the resend are told 'Connection closed' and never reach the broker (the cause)", async () => {
    const got = await brokerReceived();
    const outcome = new Map<number, string>();
    await outageDuringResend((n) => client!.publish(TOPIC, String(n), { qos: 1 }, (error) => outcome.set(n, error ? error.message : "acknowledged")));
    await waitFor("every publish to be answered", () => outcome.size === 60, 15_000);
    const failed = [...outcome].filter(([, o]) => o !== "acknowledged").map(([n]) => n);
    assert.deepEqual(failed, Array.from({ length: 20 }, (_, i) => 41 + i));
    assert.equal(outcome.get(41), "Connection closed");
    await waitFor("the stored ones to reach the broker", () => got.size >= 40, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual([...got].map(Number).filter((n) => n > 40), [], "nothing of 41..60 was ever sent again");
  });

  it("through ResendingPublisher every publish is acknowledged and reaches the broker", async () => {
    const got = await brokerReceived();
    const publisher = new ResendingPublisher(client!);
    const acked = new Set<number>();
    const errors: string[] = [];
    await outageDuringResend((n) => publisher.publish(TOPIC, String(n), (error) => (error ? errors.push(error.message) : acked.add(n))));
    await waitFor("every publish to be acknowledged", () => acked.size === 60, 15_000);
    await waitFor("every publish at the broker", () => got.size === 60, 10_000);
    assert.deepEqual(errors, []);
    assert.equal(publisher.resent, 20, "the 20 mqtt.js let go were sent again after the reconnect");
    assert.equal(publisher.pending, 0);
  });
});
