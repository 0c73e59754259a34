/** For broker tests: a thing provisioned on the local broker and connected as a device connects,
 * with aws-iot-device-sdk-v2's MQTT 3.1.1 connection over mutual TLS (local/broker/sdkConnection.ts). */
import type { mqtt as crt } from "aws-iot-device-sdk-v2";
import type { LocalBroker } from "../../local/broker";
import { sdkConnection, type SdkConnectionOptions } from "../../local/broker/sdkConnection";

/** `thing` gets a certificate from the broker's PKI and connects with its name as client id.
 * `track` is handed the connection before it connects, so the test disconnects it even when the
 * connect fails: aws-crt connections hold native handles, and one left open keeps mocha running. */
export async function connectSdkDevice(
  broker: LocalBroker,
  thing: string,
  track: (connection: crt.MqttClientConnection) => void,
  options: Partial<SdkConnectionOptions> = {},
): Promise<crt.MqttClientConnection> {
  const identity = await broker.provisionDevice(thing);
  const connection = sdkConnection({ host: "127.0.0.1", port: broker.mqttsPort, caCertPem: broker.caCertPem, ...identity, clientId: thing, ...options });
  track(connection);
  await connection.connect();
  return connection;
}
