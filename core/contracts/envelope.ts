import { parsePayloadJson } from "./payloadJson";
import type { WireValue } from "./wireValue";

/** Message envelope on every channel topic (docs/architecture.md): `id` is `<bootId>:<seq>` and drives
 * receiver-side de-duplication; `t` is the sender's unix time in ms. */
export interface Envelope {
  id: string;
  v: WireValue;
  t: number;
}

export function encodeEnvelope(bootId: string, seq: number, value: WireValue, now: number): string {
  return JSON.stringify({ id: `${bootId}:${seq}`, v: value, t: now });
}

/** Parses and validates an envelope; throws an Error saying what is wrong. */
export function decodeEnvelope(payload: string | Uint8Array): Envelope {
  const { text, value } = parsePayloadJson(payload, "message");
  const e = value as Partial<Envelope>;
  if (typeof e !== "object" || e === null || typeof e.id !== "string" || !/^[^:]+:\d+$/.test(e.id) || typeof e.t !== "number" || !("v" in e)) {
    throw new Error(`message is not a snapfleet envelope {"id":"<bootId>:<seq>","v":...,"t":<ms>}: ${text.slice(0, 80)}`);
  }
  return e as Envelope;
}
