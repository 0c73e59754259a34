/** MQTT 5 clients get a refusal they can read. AWS IoT Core accepts MQTT 5, but aedes 1.x speaks
 * 3.1.1 only and answers a version-5 CONNECT with a 3.1.1 CONNACK, which an MQTT 5 client can't
 * decode (aws-iot-device-sdk-v2's `mqtt5.Mqtt5Client` reports AWS_ERROR_MQTT5_DECODE_PROTOCOL_ERROR
 * and the local cloud said nothing). So the broker answers with a proper MQTT 5 CONNACK, reason
 * 0x84 "Unsupported Protocol Version" plus a Reason String, and logs what to do instead.
 * README "MQTT 5" has the evaluation of aedes 2 that decides when this goes away. */
import type { Client, ConnectPacket } from "aedes";
import mqttPacket from "mqtt-packet";

/** MQTT 5.0 §3.2.2.2: CONNACK reason code 0x84. */
export const UNSUPPORTED_PROTOCOL_VERSION = 0x84;

export const MQTT5_REFUSAL_REASON = "MQTT 5 is not supported by the snapfleet local cloud yet (AWS IoT Core supports it); connect with MQTT 3.1.1";

export function mqtt5RefusalLog(clientId: string): string {
  return (
    `broker: refused an MQTT 5 CONNECT (client id "${clientId}"): the local cloud's broker speaks MQTT 3.1.1 only, ` +
    `so MQTT 5 clients can't be tested locally yet (AWS IoT Core accepts both). Connect with MQTT 3.1.1: ` +
    `aws-iot-device-sdk-v2's mqtt.MqttClient().new_connection(iot.AwsIotMqttConnectionConfigBuilder...) ` +
    `(its iotjobs and iotshadow clients run on it), or mqtt.js with protocolVersion: 4. See README "MQTT 5".`
  );
}

type PreConnect = (client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void) => void;

/** aedes `preConnect`: refuses version-5 CONNECTs as described above, hands everything else to `next`
 * (the policy hooks' own checks, e.g. MQTT 3.1). */
export function refuseMqtt5(log: (line: string) => void, next: PreConnect = (_client, _packet, callback) => callback(null, true)): PreConnect {
  return (client, packet, callback) => {
    if (packet.protocolVersion !== 5) return next(client, packet, callback);
    log(mqtt5RefusalLog(packet.clientId));
    const connack = mqttPacket.generate(
      { cmd: "connack", sessionPresent: false, reasonCode: UNSUPPORTED_PROTOCOL_VERSION, properties: { reasonString: MQTT5_REFUSAL_REASON } },
      { protocolVersion: 5 },
    );
    // Close only once the CONNACK is on its way, or the client sees a bare disconnect.
    client.conn.write(connack, () => callback(new Error(MQTT5_REFUSAL_REASON), false));
  };
}
