/** For broker tests: a fresh LocalBroker per test on a state dir of its own, and mqtt.js 3.1.1
 * clients over mutual TLS to it; after each test the clients end, the broker stops and the state
 * dir goes. Call it inside a `describe`. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { LocalBroker, type LocalBrokerOptions } from "../../local/broker";
import { mqttsOptions, type Identity } from "./mqttsClient";

export function brokerPerTest(name: string) {
  let stateDir = "";
  let broker: LocalBroker | undefined;
  const clients: mqtt.MqttClient[] = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), `sf-${name}-`));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await broker?.stop();
    broker = undefined;
    await rm(stateDir, { recursive: true, force: true });
  });

  const fixture = {
    async start(options: Omit<LocalBrokerOptions, "stateDir">): Promise<LocalBroker> {
      broker = await LocalBroker.start({ stateDir, ...options });
      return broker;
    },
    /** Options for a client of the running broker with this identity. */
    clientOptions(clientId: string, identity: Identity, options: mqtt.IClientOptions = {}): mqtt.IClientOptions {
      if (!broker) throw new Error("brokerPerTest: start the broker first");
      return mqttsOptions(broker, clientId, identity, options);
    },
    /** Ends `client` after the test. */
    track(client: mqtt.MqttClient): mqtt.MqttClient {
      clients.push(client);
      return client;
    },
    async connect(clientId: string, identity: Identity, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
      return fixture.track(await mqtt.connectAsync(fixture.clientOptions(clientId, identity, options)));
    },
  };
  return fixture;
}
