/** The receive path every end shares: the device for `down` messages, the dashboard and the
 * server for `up` ones. An envelope is decoded (a malformed one is logged and dropped); on a QoS 1
 * channel it goes through the ReorderBuffer (exactly once, in the sender's order, gaps reported),
 * on a QoS 0 one through the DedupWindow (repeats dropped, nothing waits: QoS 0 promises no more). */
import { DedupWindow } from "./dedupWindow";
import { decodeEnvelope, type Envelope } from "./envelope";
import { ReorderBuffer, type AcceptResult, type ReorderClock } from "./reorderBuffer";

export interface EnvelopeReceiverOptions<C> {
  clock: ReorderClock;
  /** Each message once, a QoS 1 channel's in its sender's order; `context` is what receive() got. */
  deliver(envelope: Envelope, context: C): void;
  /** Malformed messages, gaps given up and late messages, one line each. */
  log(line: string): void;
  /** ReorderBuffer settings (defaults there). */
  timeoutMs?: number;
  maxHeld?: number;
  maxStreams?: number;
  /** Bytes of QoS 1 payloads waiting over all senders (default: no bound), each counted as received. */
  maxHeldBytes?: number;
  /** Who sends on a topic, for senderLinkChanged (ReorderBufferOptions.senderOf). */
  senderOf?(topic: string): string | undefined;
}

export type ReceiveResult = AcceptResult | "malformed";

const utf8 = new TextEncoder();

export class EnvelopeReceiver<C = void> {
  /** `bytes`: the payload's size as received, what the C twin copies to hold it (0 without maxHeldBytes). */
  private readonly ordered: ReorderBuffer<{ envelope: Envelope; context: C; bytes: number }>;
  private readonly unordered = new DedupWindow();

  constructor(private readonly options: EnvelopeReceiverOptions<C>) {
    this.ordered = new ReorderBuffer({
      clock: options.clock,
      timeoutMs: options.timeoutMs,
      maxHeld: options.maxHeld,
      maxStreams: options.maxStreams,
      maxHeldBytes: options.maxHeldBytes,
      sizeOf: ({ bytes }) => bytes,
      senderOf: options.senderOf,
      deliver: ({ envelope, context }) => options.deliver(envelope, context),
      onGap: (gap) => options.log(gap.text),
      onLate: (stream, id) => options.log(`late on ${stream}: ${id} came after its gap was given up; dropped`),
    });
  }

  /** `topic` names the stream: one sender's messages on one topic keep their order. */
  receive(topic: string, qos: 0 | 1, payload: string | Uint8Array, context: C): ReceiveResult {
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(payload);
    } catch (error) {
      this.options.log(`dropped a malformed message on ${topic}: ${(error as Error).message}`);
      return "malformed";
    }
    if (qos === 1) {
      // Measured once, and only when bounded: a held message keeps its size, not its payload.
      const bytes = this.options.maxHeldBytes === undefined ? 0 : typeof payload === "string" ? utf8.encode(payload).length : payload.byteLength;
      return this.ordered.accept(topic, envelope, { envelope, context, bytes });
    }
    if (!this.unordered.accept(envelope.id)) return "duplicate";
    this.options.deliver(envelope, context);
    return "delivered";
  }

  /** The link this receiver hears through went down or came up again: gaps wait, and count
   * afresh from the reconnect (ReorderBuffer.linkChanged). */
  linkChanged(up: boolean): void {
    this.ordered.linkChanged(up);
  }

  /** The sender's own link went down or came back (its status: last will, then online again):
   * its QoS 1 gaps wait meanwhile and count afresh from its first message after it is back
   * (ReorderBuffer.senderLinkChanged). */
  senderLinkChanged(sender: string, up: boolean): void {
    this.ordered.senderLinkChanged(sender, up);
  }

  /** Repeats dropped (both QoS). */
  get duplicates(): number {
    return this.ordered.duplicates + this.unordered.duplicates;
  }

  /** Gaps given up on QoS 1 channels (each logged). */
  get gaps(): number {
    return this.ordered.gaps;
  }

  /** QoS 1 messages dropped because they came after their gap was given up (each logged). */
  get late(): number {
    return this.ordered.late;
  }

  /** QoS 1 chains forgotten for a new one beyond maxStreams (ReorderBuffer.forgotten). */
  get forgottenChains(): number {
    return this.ordered.forgotten;
  }

  /** Times a QoS 1 message made more than maxHeld wait on its chain, or more than maxHeldBytes in
   * all, and its chain gave its first gaps up at once (ReorderBuffer.overflows). */
  get overflows(): number {
    return this.ordered.overflows;
  }

  /** The reorder window's bounds: chains remembered, messages waiting per chain, bytes waiting in
   * all (Infinity: none). */
  get bounds(): { maxStreams: number; maxHeld: number; maxHeldBytes: number } {
    return { maxStreams: this.ordered.maxStreams, maxHeld: this.ordered.maxHeld, maxHeldBytes: this.ordered.maxHeldBytes };
  }

  /** QoS 1 messages waiting for their predecessors. */
  get held(): number {
    return this.ordered.held;
  }

  /** Cancels the reorder timers and forgets what waits (the receiver's owner stops). */
  clear(): void {
    this.ordered.clear();
  }
}
