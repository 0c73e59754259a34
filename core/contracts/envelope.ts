import { parsePayloadJson } from "./payloadJson";
import type { WireValue } from "./wireValue";

/** Message envelope on every channel topic (docs/architecture.md): `id` is `<bootId>:<seq>` and drives
 * receiver-side de-duplication; `t` is the sender's unix time in ms. `p` links a message to the
 * one before it on the same topic (the seq of the sender's previous message there, 0 for its first
 * since boot): seqs count all of a sender's messages, so a topic alone sees them with holes, and `p`
 * is what lets a receiver put one topic's messages back in the sender's order
 * (core/contracts/reorderBuffer.ts). Absent in envelopes of older senders: those are delivered as
 * they come. */
export interface Envelope {
  id: string;
  v: WireValue;
  t: number;
  p?: number;
}

export function encodeEnvelope(bootId: string, seq: number, value: WireValue, now: number, previousOnTopic?: number): string {
  return JSON.stringify(previousOnTopic === undefined ? { id: `${bootId}:${seq}`, v: value, t: now } : { id: `${bootId}:${seq}`, v: value, t: now, p: previousOnTopic });
}

/** Topics whose last seq a sender remembers for `p`; a forgotten topic's next message says p = 0,
 * which a receiver delivers without waiting, so forgetting costs ordering on that topic for one
 * message, never a message. */
const REMEMBERED_TOPICS = 4096;

/** One sender's numbering, for everything it sends in one boot: seq from 1, `p` per topic. */
export class EnvelopeSender {
  private seq = 0;
  private readonly lastOnTopic = new Map<string, number>();

  constructor(readonly bootId: string) {
    if (!/^[^:]+$/.test(bootId)) throw new Error(`EnvelopeSender: boot id "${bootId}" must be non-empty and contain no ":"`);
  }

  /** Messages numbered so far. */
  get sent(): number {
    return this.seq;
  }

  encode(topic: string, value: WireValue, now: number): string {
    const seq = ++this.seq;
    const previous = this.lastOnTopic.get(topic) ?? 0;
    // Re-inserted so Map order is least recently used first.
    this.lastOnTopic.delete(topic);
    this.lastOnTopic.set(topic, seq);
    if (this.lastOnTopic.size > REMEMBERED_TOPICS) this.lastOnTopic.delete(this.lastOnTopic.keys().next().value as string);
    return encodeEnvelope(this.bootId, seq, value, now, previous);
  }
}

/** Parses and validates an envelope; throws an Error saying what is wrong. */
export function decodeEnvelope(payload: string | Uint8Array): Envelope {
  const { text, value } = parsePayloadJson(payload, "message");
  const e = value as Partial<Envelope>;
  if (typeof e !== "object" || e === null || typeof e.id !== "string" || !/^[^:]+:\d+$/.test(e.id) || typeof e.t !== "number" || !("v" in e)) {
    throw new Error(`message is not a snapfleet envelope {"id":"<bootId>:<seq>","v":...,"t":<ms>}: ${text.slice(0, 80)}`);
  }
  // Senders number from 1 (EnvelopeSender); a seq of 0 or past 2^53 - 1 is no sender's, and the
  // receivers' windows (DedupWindow, ReorderBuffer) count on whole numbers from 1.
  const seq = envelopeSeq(e.id);
  if (!(seq >= 1 && Number.isSafeInteger(seq))) {
    throw new Error(`envelope "${e.id}": the seq must be a whole number from 1 to 9007199254740991: ${text.slice(0, 80)}`);
  }
  if (e.p !== undefined && (!Number.isSafeInteger(e.p) || e.p < 0 || e.p >= seq)) {
    throw new Error(`envelope "${e.id}": "p" (the sender's previous seq on this topic) must be a whole number from 0 to below the seq, got ${JSON.stringify(e.p)}: ${text.slice(0, 80)}`);
  }
  return e as Envelope;
}

/** The seq half of an envelope id `<bootId>:<seq>`. */
export function envelopeSeq(id: string): number {
  return Number(id.slice(id.lastIndexOf(":") + 1));
}
