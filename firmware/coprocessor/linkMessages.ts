/** The messages inside the link's DATA frames; firmware/native/link/linkMessages.h is the
 * source of the numbers and the layouts (linkMessages.test.ts reads it, so these can't drift). */
import { expandDeviceText } from "../native/deviceTexts";

export const MSG = {
  PUBLISH: 0x01,
  SUBSCRIBE: 0x02,
  UNSUBSCRIBE: 0x03,
  OTA_REPLY: 0x04,
  MQTT_STATE: 0x81,
  MESSAGE: 0x82,
  PUBLISHED: 0x83,
  PIN: 0x84,
  OTA_OFFER: 0x85,
  OTA_CHUNK: 0x86,
  OTA_END: 0x87,
} as const;

export const OTA_REPLY = { PROCEED: 0, ALREADY_INSTALLED: 1, REJECTED: 2, SUCCEEDED: 3, FAILED: 4 } as const;

/** A message from the MCU, decoded; undefined for a malformed one. The texts in it are the
 * MCU's words: an image that sends codes for them (SF_CODED_TEXTS, the Cortex-M0+) has them
 * expanded here (firmware/native/deviceTexts.ts), in the reason and in the payload's JSON strings. */
export type McuMessage =
  | { kind: "publish"; token: number; qos: 0 | 1; retain: boolean; topic: string; payload: Buffer }
  | { kind: "subscribe"; qos: 0 | 1; topic: string }
  | { kind: "unsubscribe"; topic: string }
  | { kind: "otaReply"; reply: number; jobId: string; reason: string };

export function decodeMcuMessage(body: Uint8Array): McuMessage | undefined {
  const b = Buffer.from(body.buffer, body.byteOffset, body.length);
  switch (b[0]) {
    case MSG.PUBLISH: {
      if (b.length < 9) return undefined;
      const topicLength = b.readUInt16LE(7);
      if (9 + topicLength > b.length) return undefined;
      return { kind: "publish", token: b.readUInt32LE(1), qos: b[5] ? 1 : 0, retain: b[6] !== 0, topic: b.toString("utf8", 9, 9 + topicLength), payload: expandDeviceText(b.subarray(9 + topicLength), "json") };
    }
    case MSG.SUBSCRIBE:
      return b.length >= 2 ? { kind: "subscribe", qos: b[1] ? 1 : 0, topic: b.toString("utf8", 2) } : undefined;
    case MSG.UNSUBSCRIBE:
      return { kind: "unsubscribe", topic: b.toString("utf8", 1) };
    case MSG.OTA_REPLY: {
      const end = b.indexOf(0, 2);
      if (b.length < 3 || end < 0) return undefined;
      return { kind: "otaReply", reply: b[1], jobId: b.toString("utf8", 2, end), reason: expandDeviceText(b.subarray(end + 1), "text").toString("utf8") };
    }
    default:
      return undefined;
  }
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

export const encode = {
  mqttState: (up: boolean) => Buffer.from([MSG.MQTT_STATE, up ? 1 : 0]),
  message(topic: string, payload: Buffer): Buffer {
    const t = Buffer.from(topic, "utf8");
    const length = Buffer.alloc(2);
    length.writeUInt16LE(t.length);
    return Buffer.concat([Buffer.from([MSG.MESSAGE]), length, t, payload]);
  },
  published: (token: number, delivered: boolean) => Buffer.concat([Buffer.from([MSG.PUBLISHED]), u32(token), Buffer.from([delivered ? 1 : 0])]),
  pin: (spec: string) => Buffer.concat([Buffer.from([MSG.PIN]), Buffer.from(spec, "utf8")]),
  otaOffer(size: number, jobId: string, version: string, engine: string, sha256: string): Buffer {
    const z = Buffer.from([0]);
    return Buffer.concat([Buffer.from([MSG.OTA_OFFER]), u32(size), Buffer.from(jobId), z, Buffer.from(version), z, Buffer.from(engine), z, Buffer.from(sha256, "ascii")]);
  },
  otaChunk: (offset: number, bytes: Uint8Array) => Buffer.concat([Buffer.from([MSG.OTA_CHUNK]), u32(offset), bytes]),
  otaEnd: () => Buffer.from([MSG.OTA_END]),
};
