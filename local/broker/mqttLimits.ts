/** What AWS IoT Core's message broker refuses at the MQTT level, before any policy is consulted.
 * The local broker refuses the same, so a client that works locally works on AWS:
 * - MQTT 3.1 (protocol level 3): AWS IoT Core speaks MQTT 3.1.1 and 5 only
 *   (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html). Levels 4 and 5 are accepted.
 * - QoS 2: "AWS IoT Core does not support publishing or subscribing with QoS level 2. When QoS
 *   level 2 is requested, the AWS IoT message broker does not send a PUBACK or SUBACK" (same page,
 *   "AWS IoT differences from MQTT specifications"). A client then waits for an acknowledgement
 *   that never comes; the local broker closes the connection instead, so the mistake shows at once
 *   and nothing is delivered either way.
 * - Payloads over 128 KB: "AWS IoT Core rejects publish and connect requests larger than 128 KB"
 *   (https://docs.aws.amazon.com/general/latest/gr/iot-core.html, message broker quotas); MQTT
 *   3.1.1 has no negative PUBACK, so the rejection is the connection closing (logged by AWS as
 *   PAYLOAD_LIMIT_EXCEEDED, https://docs.aws.amazon.com/iot/latest/developerguide/topicdata.html).
 * An MQTT 5 client is told why before the connection closes: a DISCONNECT with the reason code
 * the MQTT 5 specification has for it (0x9B QoS not supported, 0x95 Packet too large; both in
 * AWS's "MQTT reason codes" table, https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5-reason-codes).
 * (What the policies refuse is answered per protocol version in policyHooks.ts.) */
import type { PublishPacket } from "aedes";
import type { LoadLimits } from "./backpressure";
import type { SessionLimits } from "./sessionLimits";

/** 128 KB, as AWS counts it (KiB). */
export const MAX_PAYLOAD_BYTES = 128 * 1024;
export const MQTT_3_1_1 = 4;
export const MAX_QOS = 1;

/** Why AWS would refuse this CONNECT's protocol level, or undefined. */
export function connectProblem(protocolVersion: number | undefined): string | undefined {
  if (protocolVersion === 3) return "MQTT 3.1 (protocol level 3) is not supported: AWS IoT Core speaks MQTT 3.1.1 (level 4) and MQTT 5; connect with protocol level 4";
  return undefined;
}

/** MQTT 5 reason codes of the DISCONNECT that ends a connection for a protocol-level refusal. */
export const QOS_NOT_SUPPORTED = 0x9b;
export const PACKET_TOO_LARGE = 0x95;

/** A request AWS refuses at the MQTT level: why, and the MQTT 5 DISCONNECT reason code. */
export interface ProtocolProblem {
  reason: string;
  reasonCode: number;
}

/** Why AWS would refuse this PUBLISH (or last will), or undefined. */
export function publishProblem(packet: Pick<PublishPacket, "topic" | "qos" | "payload">): ProtocolProblem | undefined {
  if (packet.qos > MAX_QOS) return { reason: `QoS ${packet.qos} publish on "${packet.topic}": AWS IoT Core supports QoS 0 and 1 only`, reasonCode: QOS_NOT_SUPPORTED };
  const size = typeof packet.payload === "string" ? Buffer.byteLength(packet.payload) : packet.payload.length;
  if (size > MAX_PAYLOAD_BYTES) {
    return { reason: `payload of ${size} bytes on "${packet.topic}" exceeds AWS IoT Core's ${MAX_PAYLOAD_BYTES}-byte (128 KB) limit`, reasonCode: PACKET_TOO_LARGE };
  }
  return undefined;
}

/** Why AWS would refuse this SUBSCRIBE filter's QoS, or undefined. */
export function subscribeProblem(subscription: { topic: string; qos: number }): ProtocolProblem | undefined {
  if (subscription.qos > MAX_QOS) return { reason: `QoS ${subscription.qos} subscription to "${subscription.topic}": AWS IoT Core supports QoS 0 and 1 only`, reasonCode: QOS_NOT_SUPPORTED };
  return undefined;
}

/** AWS IoT Core's "Maximum number of topic aliases per connection" (message broker quotas,
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits). */
export const AWS_TOPIC_ALIAS_MAXIMUM = 8;

/** The MQTT 5 values aedes advertises in CONNACK and applies, taken from AWS's quotas and from
 * the limits the broker already keeps for both protocol versions (one source each):
 * - Session Expiry Interval: a client asking for more gets AWS's persistent-session expiry
 *   (1 hour by default, sessionLimits.ts), echoed in CONNACK, as AWS does ("MQTT 5 supported
 *   features", https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt5).
 * - Topic Alias Maximum: 8 (above); an alias beyond it gets DISCONNECT 0x94.
 * - Receive Maximum: AWS's 100 inbound unacknowledged QoS 1 messages per client, which
 *   backpressure.ts enforces (the socket is not read past it) for 3.1.1 and 5 alike. */
export function mqtt5Settings(
  sessions: Pick<SessionLimits, "sessionExpiryMs">,
  load: Pick<LoadLimits, "maxInFlightPerClient">,
): { sessionExpiryIntervalLimit: number; topicAliasMaximum: number; receiveMaximum: number } {
  return {
    sessionExpiryIntervalLimit: Math.ceil(sessions.sessionExpiryMs / 1000),
    topicAliasMaximum: AWS_TOPIC_ALIAS_MAXIMUM,
    // MQTT 5 caps the property at 65,535.
    receiveMaximum: Math.min(load.maxInFlightPerClient, 0xffff),
  };
}

/** CONNACK with return code 1, "unacceptable protocol version" (MQTT 3.1.1 §3.2.2.3; the same
 * bytes in 3.1), which a server sends for a protocol level it doesn't support [MQTT-3.1.2-2]. */
export const CONNACK_UNACCEPTABLE_PROTOCOL = Buffer.from([0x20, 0x02, 0x00, 0x01]);
