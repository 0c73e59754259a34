/** For broker tests: a fresh LocalBroker per test on a state dir of its own, and mqtt.js 3.1.1
 * clients over mutual TLS to it; after each test what it opened is closed (the last opened
 * first), the broker stops and the state dir goes. Call it inside a `describe`; one broker for
 * the whole `describe` is brokerPerSuite.ts. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { LocalBroker, type LocalBrokerOptions } from "../../local/broker";
import { mqttsOptions, type Identity } from "./mqttsClient";

export function brokerPerTest(name: string) {
  let stateDir = "";
  let broker: LocalBroker | undefined;
  const open: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), `sf-${name}-`));
  });

  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close().catch(() => undefined);
    await broker?.stop();
    broker = undefined;
    await rm(stateDir, { recursive: true, force: true });
  });

  const fixture = {
    async start(options: Omit<LocalBrokerOptions, "stateDir">): Promise<LocalBroker> {
      broker = await LocalBroker.start({ stateDir, ...options });
      return broker;
    },
    /** The broker the test started. */
    get broker(): LocalBroker {
      if (!broker) throw new Error("brokerPerTest: start the broker first");
      return broker;
    },
    /** `close` runs after the test, before the broker stops. */
    closeAfter(close: () => Promise<unknown>): void {
      open.push(close);
    },
    /** Options for a client of the running broker with this identity. */
    clientOptions(clientId: string, identity: Identity, options: mqtt.IClientOptions = {}): mqtt.IClientOptions {
      return mqttsOptions(fixture.broker, clientId, identity, options);
    },
    /** Ends `client` after the test. */
    track(client: mqtt.MqttClient): mqtt.MqttClient {
      fixture.closeAfter(() => client.endAsync(true));
      return client;
    },
    async connect(clientId: string, identity: Identity, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
      return fixture.track(await mqtt.connectAsync(fixture.clientOptions(clientId, identity, options)));
    },
  };
  return fixture;
}
