/** MQTT 3.1.1 packets, the handful a dashboard needs (CONNECT, SUBSCRIBE, PUBLISH qos 0/1, PUBACK,
 * PINGREQ, DISCONNECT out; CONNACK, SUBACK, PUBLISH, PUBACK, PINGRESP in).
 * Why not the `mqtt` package: its browser build is 340 KB minified, more than the whole
 * dashboard's 200 KB budget; the subset below is a few KB and has no Node polyfills. */

export enum PacketType {
  Connect = 1,
  Connack = 2,
  Publish = 3,
  Puback = 4,
  Subscribe = 8,
  Suback = 9,
  Pingreq = 12,
  Pingresp = 13,
  Disconnect = 14,
}

export interface RawPacket {
  type: number;
  flags: number;
  body: Uint8Array;
}

export interface PublishPacket {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  packetId?: number;
}

export interface ConnectOptions {
  clientId: string;
  username?: string;
  password?: string;
  keepaliveSeconds: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** CONNACK return codes (MQTT 3.1.1 §3.2.2.3). */
export const CONNACK_REFUSALS: Record<number, string> = {
  1: "unacceptable protocol version",
  2: "client identifier rejected",
  3: "server unavailable",
  4: "bad user name or password",
  5: "not authorized",
};

export function encodeConnect(options: ConnectOptions): Uint8Array {
  let flags = 0x02; // clean session: the dashboard re-reads retained status on every connect
  const fields = [utf8Field(options.clientId)];
  if (options.username !== undefined) {
    flags |= 0x80;
    fields.push(utf8Field(options.username));
  }
  if (options.password !== undefined) {
    flags |= 0x40;
    fields.push(utf8Field(options.password));
  }
  const header = new Uint8Array([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, flags, options.keepaliveSeconds >> 8, options.keepaliveSeconds & 0xff]);
  return packet(PacketType.Connect << 4, [header, ...fields]);
}

export function encodeSubscribe(packetId: number, filters: { topic: string; qos: 0 | 1 }[]): Uint8Array {
  const parts: Uint8Array[] = [uint16(packetId)];
  for (const filter of filters) parts.push(utf8Field(filter.topic), new Uint8Array([filter.qos]));
  return packet((PacketType.Subscribe << 4) | 0x02, parts);
}

export function encodePublish(topic: string, payload: string | Uint8Array, qos: 0 | 1, packetId = 0, dup = false): Uint8Array {
  const body = typeof payload === "string" ? encoder.encode(payload) : payload;
  const parts = [utf8Field(topic)];
  if (qos > 0) parts.push(uint16(packetId));
  parts.push(body);
  return packet((PacketType.Publish << 4) | (dup ? 0x08 : 0) | (qos << 1), parts);
}

export function encodePuback(packetId: number): Uint8Array {
  return packet(PacketType.Puback << 4, [uint16(packetId)]);
}

export function encodePingreq(): Uint8Array {
  return new Uint8Array([PacketType.Pingreq << 4, 0]);
}

export function encodeDisconnect(): Uint8Array {
  return new Uint8Array([PacketType.Disconnect << 4, 0]);
}

/** Splits a byte stream into packets; WebSocket frames need not align with packets. */
export class PacketReader {
  private buffer: Uint8Array = new Uint8Array(0);

  /** Appends bytes and returns every packet now complete. Throws on a malformed length. */
  push(bytes: Uint8Array): RawPacket[] {
    this.buffer = this.buffer.length ? concat([this.buffer, bytes]) : bytes;
    const packets: RawPacket[] = [];
    for (;;) {
      if (this.buffer.length < 2) break;
      let length = 0;
      let multiplier = 1;
      let offset = 1;
      let complete = false;
      for (; offset < this.buffer.length && offset <= 4; offset++) {
        const byte = this.buffer[offset];
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          offset++;
          break;
        }
      }
      if (!complete) {
        if (offset > 4) throw new Error("MQTT: malformed remaining length");
        break;
      }
      if (this.buffer.length < offset + length) break;
      packets.push({ type: this.buffer[0] >> 4, flags: this.buffer[0] & 0x0f, body: this.buffer.subarray(offset, offset + length) });
      this.buffer = this.buffer.subarray(offset + length);
    }
    return packets;
  }
}

export function parseConnack(body: Uint8Array): { returnCode: number } {
  if (body.length < 2) throw new Error("MQTT: CONNACK too short");
  return { returnCode: body[1] };
}

export function parseSuback(body: Uint8Array): { packetId: number; granted: number[] } {
  return { packetId: readUint16(body, 0), granted: Array.from(body.subarray(2)) };
}

export function parsePuback(body: Uint8Array): number {
  return readUint16(body, 0);
}

export function parsePublish(flags: number, body: Uint8Array): PublishPacket {
  const qos = ((flags >> 1) & 0x03) as 0 | 1 | 2;
  const topicLength = readUint16(body, 0);
  const topic = decoder.decode(body.subarray(2, 2 + topicLength));
  let offset = 2 + topicLength;
  let packetId: number | undefined;
  if (qos > 0) {
    packetId = readUint16(body, offset);
    offset += 2;
  }
  return { topic, payload: body.subarray(offset), qos, retain: (flags & 0x01) !== 0, dup: (flags & 0x08) !== 0, packetId };
}

function readUint16(bytes: Uint8Array, offset: number): number {
  if (bytes.length < offset + 2) throw new Error("MQTT: packet too short");
  return (bytes[offset] << 8) | bytes[offset + 1];
}

function uint16(value: number): Uint8Array {
  return new Uint8Array([value >> 8, value & 0xff]);
}

function utf8Field(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.length > 0xffff) throw new Error("MQTT: string field longer than 65535 bytes");
  return concat([uint16(bytes.length), bytes]);
}

function packet(firstByte: number, parts: Uint8Array[]): Uint8Array {
  const body = concat(parts);
  const length: number[] = [];
  let remaining = body.length;
  do {
    let byte = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) byte |= 0x80;
    length.push(byte);
  } while (remaining > 0);
  if (length.length > 4) throw new Error("MQTT: packet larger than 256 MB");
  return concat([new Uint8Array([firstByte, ...length]), body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
