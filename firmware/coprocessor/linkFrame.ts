/** The link's frames (firmware/native/link/linkFrame.h is the MCU's twin; the README has the
 * table): COBS-encoded, 0x00-delimited, type | seq | ack | session u32 LE | body | CRC-16/CCITT-FALSE
 * (big-endian) over everything before it. */

export const HEADER_BYTES = 7;
export const MAX_BODY = 300;
export const FRAME_DATA = 1;
export const FRAME_ACK = 2;
export const FRAME_PING = 3;

export interface LinkFrame {
  type: number;
  seq: number;
  ack: number;
  session: number;
  body: Uint8Array;
}

export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The frame on the wire, delimiter included. */
export function encodeFrame(frame: LinkFrame): Buffer {
  if (frame.body.length > MAX_BODY) throw new RangeError(`a link message is at most ${MAX_BODY} bytes, got ${frame.body.length}`);
  const raw = Buffer.alloc(HEADER_BYTES + frame.body.length + 2);
  raw[0] = frame.type;
  raw[1] = frame.seq & 0xff;
  raw[2] = frame.ack & 0xff;
  raw.writeUInt32LE(frame.session >>> 0, 3);
  raw.set(frame.body, HEADER_BYTES);
  raw.writeUInt16BE(crc16(raw.subarray(0, raw.length - 2)), raw.length - 2);
  const out: number[] = [0];
  let codeAt = 0;
  let code = 1;
  for (const byte of raw) {
    if (byte === 0) {
      out[codeAt] = code;
      codeAt = out.push(0) - 1;
      code = 1;
    } else {
      out.push(byte);
      if (++code === 0xff) {
        out[codeAt] = code;
        codeAt = out.push(0) - 1;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  out.push(0);
  return Buffer.from(out);
}

function decodeCobs(encoded: number[]): Buffer | undefined {
  const out: number[] = [];
  for (let i = 0; i < encoded.length; ) {
    const code = encoded[i++];
    if (code === 0 || i + code - 1 > encoded.length) return undefined;
    for (let k = 1; k < code; k++) out.push(encoded[i++]);
    if (code < 0xff && i < encoded.length) out.push(0);
  }
  return Buffer.from(out);
}

/** Bytes in, whole valid frames out; damaged ones are counted and dropped. */
export class FrameDecoder {
  badFrames = 0;
  private pending: number[] = [];
  private overflow = false;

  push(bytes: Uint8Array, onFrame: (frame: LinkFrame) => void): void {
    for (const byte of bytes) {
      if (byte !== 0) {
        if (this.pending.length < 2 * (HEADER_BYTES + MAX_BODY + 2)) this.pending.push(byte);
        else this.overflow = true;
        continue;
      }
      const encoded = this.pending;
      const overflow = this.overflow;
      this.pending = [];
      this.overflow = false;
      if (encoded.length === 0 && !overflow) continue;
      const raw = overflow ? undefined : decodeCobs(encoded);
      if (!raw || raw.length < HEADER_BYTES + 2 || raw.length > HEADER_BYTES + MAX_BODY + 2 || crc16(raw.subarray(0, raw.length - 2)) !== raw.readUInt16BE(raw.length - 2) || raw[0] < FRAME_DATA || raw[0] > FRAME_PING) {
        this.badFrames++;
        continue;
      }
      onFrame({ type: raw[0], seq: raw[1], ack: raw[2], session: raw.readUInt32LE(3), body: raw.subarray(HEADER_BYTES, raw.length - 2) });
    }
  }
}
