/** What AWS IoT Core's message broker refuses at the MQTT level, before any policy is consulted.
 * The local broker refuses the same, so a client that works locally works on AWS:
 * - MQTT 3.1 (protocol level 3): AWS IoT Core speaks MQTT 3.1.1 and 5 only
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html). Level 5 is aedes 1.x's own
 *   refusal (CONNACK "unacceptable protocol version"), left as it is.
 * - QoS 2: "AWS IoT Core does not support publishing or subscribing with QoS level 2. When QoS
 *   level 2 is requested, the AWS IoT message broker does not send a PUBACK or SUBACK" (same page,
 *   "AWS IoT differences from MQTT specifications"). A client then waits for an acknowledgement
 *   that never comes; the local broker closes the connection instead, so the mistake shows at once
 *   and nothing is delivered either way.
 * - Payloads over 128 KB: "AWS IoT Core rejects publish and connect requests larger than 128 KB"
 *   (https://docs.aws.amazon.com/general/latest/gr/iot-core.html, message broker quotas); MQTT
 *   3.1.1 has no negative PUBACK, so the rejection is the connection closing (logged by AWS as
 *   PAYLOAD_LIMIT_EXCEEDED, https://docs.aws.amazon.com/iot/latest/developerguide/topicdata.html). */
import type { PublishPacket } from "aedes";

/** 128 KB, as AWS counts it (KiB). */
export const MAX_PAYLOAD_BYTES = 128 * 1024;
export const MQTT_3_1_1 = 4;
export const MAX_QOS = 1;

/** Why AWS would refuse this CONNECT's protocol level, or undefined. */
export function connectProblem(protocolVersion: number | undefined): string | undefined {
  if (protocolVersion === 3) return "MQTT 3.1 (protocol level 3) is not supported: AWS IoT Core speaks MQTT 3.1.1 (level 4) and MQTT 5; connect with protocol level 4";
  return undefined;
}

/** Why AWS would refuse this PUBLISH (or last will), or undefined. */
export function publishProblem(packet: Pick<PublishPacket, "topic" | "qos" | "payload">): string | undefined {
  if (packet.qos > MAX_QOS) return `QoS ${packet.qos} publish on "${packet.topic}": AWS IoT Core supports QoS 0 and 1 only`;
  const size = typeof packet.payload === "string" ? Buffer.byteLength(packet.payload) : packet.payload.length;
  if (size > MAX_PAYLOAD_BYTES) return `payload of ${size} bytes on "${packet.topic}" exceeds AWS IoT Core's ${MAX_PAYLOAD_BYTES}-byte (128 KB) limit`;
  return undefined;
}

/** Why AWS would refuse this SUBSCRIBE filter's QoS, or undefined. */
export function subscribeProblem(subscription: { topic: string; qos: number }): string | undefined {
  if (subscription.qos > MAX_QOS) return `QoS ${subscription.qos} subscription to "${subscription.topic}": AWS IoT Core supports QoS 0 and 1 only`;
  return undefined;
}

/** CONNACK with return code 1, "unacceptable protocol version" (MQTT 3.1.1 §3.2.2.3; the same
 * bytes in 3.1), which a server sends for a protocol level it doesn't support [MQTT-3.1.2-2]. */
export const CONNACK_UNACCEPTABLE_PROTOCOL = Buffer.from([0x20, 0x02, 0x00, 0x01]);
