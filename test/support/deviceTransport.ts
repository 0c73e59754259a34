/** A device's MQTT transport for tests: the thing is provisioned on the local broker (certificate +
 * registry), and keepalive and reconnects are fast (1 s) so outages are noticed and healed quickly.
 * `port` is the broker's, or a LinkProxy's in front of it. */
import type { LocalBroker } from "../../local/broker";
import { MqttTransport, type MqttTransportOptions } from "../../firmware/comms/mqttTransport";

export async function deviceTransport(broker: LocalBroker, thing: string, port: number, extra: Partial<MqttTransportOptions> = {}): Promise<MqttTransport> {
  const identity = await broker.provisionDevice(thing);
  return new MqttTransport({
    endpoint: "127.0.0.1",
    port,
    caCertPem: broker.caCertPem,
    certPem: identity.certPem,
    keyPem: identity.keyPem,
    thing,
    keepAliveSeconds: 1,
    pingTimeoutMs: 500,
    reconnectMinSeconds: 1,
    reconnectMaxSeconds: 1,
    ...extra,
  });
}
