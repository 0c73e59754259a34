/** For broker tests: the mqtt.js options of a client over the broker's mutual TLS listener with a
 * thing's certificate, as a hand-written device client connects (the AWS SDK's is sdkDevice.ts). */
import type mqtt from "mqtt";
import type { LocalBroker } from "../../local/broker";

export interface Identity {
  certPem: string;
  keyPem: string;
}

/** MQTT 3.1.1, no reconnects; `extra` overrides any option (protocolVersion, clean, will, ...). */
export function mqttsOptions(broker: Pick<LocalBroker, "mqttsPort" | "caCertPem">, clientId: string, identity: Identity, extra: mqtt.IClientOptions = {}): mqtt.IClientOptions {
  return { protocol: "mqtts", host: "127.0.0.1", port: broker.mqttsPort, ca: broker.caCertPem, cert: identity.certPem, key: identity.keyPem, clientId, protocolVersion: 4, reconnectPeriod: 0, ...extra };
}
