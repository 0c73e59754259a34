/** Receiver-side de-duplication by envelope id `<bootId>:<seq>` (docs/architecture.md). QoS 1 means "at
 * least once": a sender retransmits whatever was not acknowledged when the link dropped, and a
 * broker replays recent messages to new subscribers, so receivers see some ids twice. Per sender
 * boot we keep the highest seq below which everything was seen (`contiguous`) plus the few seqs
 * seen above it; memory stays bounded however long the sender runs. Pure: no clock, no I/O. */
export interface DedupWindowOptions {
  /** Sender boots remembered at once; the least recently heard one is forgotten first (default 1024). */
  maxSenders?: number;
  /** Seqs remembered above the contiguous mark per sender; beyond it the oldest gap is given up
   * as lost (default 256; keep it above the sender's in-flight window). */
  maxAhead?: number;
}

interface SenderState {
  contiguous: number;
  ahead: Set<number>;
}

export class DedupWindow {
  private readonly senders = new Map<string, SenderState>();
  private readonly maxSenders: number;
  private readonly maxAhead: number;
  /** Ids refused as already seen (for figures and tests). */
  duplicates = 0;

  constructor(options: DedupWindowOptions = {}) {
    this.maxSenders = options.maxSenders ?? 1024;
    this.maxAhead = options.maxAhead ?? 256;
    for (const [name, value] of [["maxSenders", this.maxSenders], ["maxAhead", this.maxAhead]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`DedupWindow: ${name} must be a whole number >= 1, got ${value}`);
    }
  }

  /** True the first time an id is seen (deliver it), false for a repeat (drop it). Throws for an
   * id that is not `<bootId>:<seq>`; decodeEnvelope has already refused those on the wire. */
  accept(id: string): boolean {
    const colon = id.lastIndexOf(":");
    const seqText = id.slice(colon + 1);
    // Digits only: Number() would also take "", " 7", "0x10" and "1e3".
    const seq = /^\d+$/.test(seqText) ? Number(seqText) : Number.NaN;
    if (colon <= 0 || !Number.isSafeInteger(seq)) throw new Error(`DedupWindow: "${id}" is not an envelope id <bootId>:<seq>`);
    const bootId = id.slice(0, colon);
    let sender = this.senders.get(bootId);
    if (sender) {
      // Re-insert so Map order is least recently heard first.
      this.senders.delete(bootId);
      this.senders.set(bootId, sender);
    } else {
      // A receiver that starts listening mid-stream can't know of earlier seqs: start just below.
      sender = { contiguous: seq - 1, ahead: new Set() };
      this.senders.set(bootId, sender);
      if (this.senders.size > this.maxSenders) this.senders.delete(this.senders.keys().next().value as string);
    }
    if (seq <= sender.contiguous || sender.ahead.has(seq)) {
      this.duplicates++;
      return false;
    }
    sender.ahead.add(seq);
    this.advance(sender);
    if (sender.ahead.size > this.maxAhead) {
      // Too many holes: the missing seqs are not coming back (dropped by a full outbox, or lost
      // as QoS 0); skip to the smallest seen seq.
      sender.contiguous = Math.min(...sender.ahead) - 1;
      this.advance(sender);
    }
    return true;
  }

  /** Senders currently remembered. */
  get size(): number {
    return this.senders.size;
  }

  private advance(sender: SenderState): void {
    while (sender.ahead.delete(sender.contiguous + 1)) sender.contiguous++;
  }
}
