/** Receiver-side ordering of QoS 1 channel messages (docs/architecture.md). MQTT and AWS IoT
 * deliver "at least once" and do not promise order: after a reconnect a broker hands over the
 * messages it queued for the session and new ones in either order, and retransmits whatever was
 * not acknowledged. Every envelope carries its sender's `<bootId>:<seq>` and `p`, the seq of the
 * sender's previous message on the same topic (core/contracts/envelope.ts), so per (topic, boot id)
 * the messages form a chain: a message is delivered once its predecessor was, a repeat is dropped,
 * and one that comes early waits for the ones before it while they keep coming: a broker hands a
 * session's backlog over slowly beside live traffic (AWS: at most 10 stored messages per second,
 * mqtt.html#mqtt-persistent-sessions), so the wait is given up only after `timeoutMs` in which the
 * chain made no progress (nothing delivered) and its oldest early message waited that long too.
 * The wait counts only while the receiver's link is up, and starts again after each reconnect: a
 * missing message of a persistent session is still queued at the broker while the link is down,
 * and the broker starts handing the queue over again from its oldest message after each reconnect,
 * so neither an outage nor a replay cut short by the next one gives a gap up. After a reconnect it
 * counts from the first message heard (the broker has started handing over; a loaded one can take
 * seconds to get there), or from `timeoutMs` after the reconnect when nothing comes at all. The
 * owner says so with `linkChanged` (a receiver whose owner never calls it counts all the time).
 * The same holds for the *sender's* link, which the receiver's own link events don't show: a
 * device whose link fell resends what was not acknowledged once it is back, however long that
 * takes, so a chain also waits while its sender is known to be offline and counts afresh from the
 * sender's first message after it comes back (`senderLinkChanged`, told from the device's status
 * topic: its last will and its next online status; the owner names a stream's sender with
 * `senderOf`). Then the missing ones are given up (the gap is reported, never
 * hidden) and delivery goes on in order; a straggler that arrives after its gap was given up is
 * dropped as late and reported too: the messages after it were delivered already, and delivering it
 * now would break the order the channel promises. A new boot id is a new chain; the first message of a chain
 * (`p` = 0) needs no predecessor, and a receiver that starts listening mid-stream waits once, for
 * the timeout, before it takes the stream from there.
 *
 * Bounded: at most `maxHeld` messages wait per chain and `maxHeldBytes` over all chains (an early
 * message beyond either gives its chain's oldest gap up at once) and `maxStreams` chains are
 * remembered (the least recently heard is flushed and forgotten).
 * Pure and clock-injected: no I/O, time and timers come from `clock`, so tests run on a manual
 * clock. One instance is the device's, the dashboard's or the server's receive path. */

/** The time source; firmware/clock.ts's Clock has this shape. */
export interface ReorderClock {
  now(): number;
  /** Calls `callback` after `ms`; returns a cancel function. */
  setTimer(ms: number, callback: () => void): () => void;
}

/** Wall-clock time and timers (browser and Node). */
export const wallClock: ReorderClock = {
  now: () => Date.now(),
  setTimer: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

/** "full": more than maxHeld waiting on the chain; "heldBytes": more than maxHeldBytes waiting in all. */
export type GapReason = "timeout" | "full" | "heldBytes" | "forgotten";

/** Messages given up: on `stream` (the topic), sender boot `bootId`, everything of the sender's
 * after seq `after` up to and including `missing` that was meant for this topic never came;
 * delivery went on with `resumedAt`. */
export interface ReorderGap {
  stream: string;
  bootId: string;
  after: number;
  missing: number;
  resumedAt: number;
  reason: GapReason;
  /** One log line saying all of the above. */
  text: string;
}

export type AcceptResult = "delivered" | "held" | "duplicate" | "late";

export interface ReorderBufferOptions<T> {
  clock: ReorderClock;
  /** Called with each message, in the sender's order, exactly once. */
  deliver(item: T): void;
  /** Told about every gap given up (the ends log it). */
  onGap?(gap: ReorderGap): void;
  /** Told about a message that came after its gap was given up (dropped). */
  onLate?(stream: string, id: string): void;
  /** How long a chain waits without progress before it gives a gap up (default 1000 ms). */
  timeoutMs?: number;
  /** Messages waiting per chain (default 1024: a backlog's worth of live traffic; keep it above the sender's in-flight window). */
  maxHeld?: number;
  /** Chains remembered at once (default 1024). */
  maxStreams?: number;
  /** Bytes waiting over all chains, as sizeOf counts them (default: no bound). A board's C twin
   * bounds the copies it holds so (firmware/native/sizeBudget.json's SF_REORDER_MAX_HELD_BYTES). */
  maxHeldBytes?: number;
  /** A message's size in bytes, for maxHeldBytes (required with it; EnvelopeReceiver counts the
   * payload as received, as the C twin counts its copy). */
  sizeOf?(item: T): number;
  /** Who sends on `stream` (e.g. the thing named in the topic), for senderLinkChanged; undefined: unknown. */
  senderOf?(stream: string): string | undefined;
}

export const DEFAULT_REORDER_TIMEOUT_MS = 1000;

interface Held<T> {
  seq: number;
  previous: number;
  item: T;
  arrivedAt: number;
  /** sizeOf(item), 0 without maxHeldBytes. */
  bytes: number;
}

interface Chain<T> {
  stream: string;
  bootId: string;
  /** The sender whose link events apply (ReorderBufferOptions.senderOf). */
  sender?: string;
  /** Seq of the last message delivered or given up; 0 before the first. */
  last: number;
  /** Something was delivered: a later hole is a gap, not a mid-stream start. */
  started: boolean;
  /** When the chain last delivered (or was first heard): the wait for a gap counts from here. */
  progressAt: number;
  held: Map<number, Held<T>>;
  /** previous seq → seq of the held message that follows it. */
  heldAfter: Map<number, number>;
  /** Recent gaps given up, as (after, missing] ranges: a seq in one arriving now is late, not a repeat. */
  givenUp: Array<[number, number]>;
  cancelTimer?: () => void;
  timerDue?: number;
}

/** Gaps remembered per chain for telling a late message from a repeat. */
const REMEMBERED_GAPS = 16;

/** One link's say in the wait: the receiver's own, or a sender's. */
interface LinkWait {
  up: boolean;
  /** When the link last came up, then when the first message after that was heard: the wait counts from here. */
  upAt: number;
  /** A message was heard since the link last came up. */
  heardSinceUp: boolean;
}

export class ReorderBuffer<T> {
  private readonly chains = new Map<string, Chain<T>>();
  private readonly timeoutMs: number;
  /** The bounds (ReorderBufferOptions). */
  readonly maxHeld: number;
  readonly maxStreams: number;
  /** Infinity: no bound. */
  readonly maxHeldBytes: number;
  /** Bytes waiting over all chains (sizeOf), at most maxHeldBytes between calls. */
  heldBytes = 0;
  /** Messages delivered (in order). */
  delivered = 0;
  /** Repeats dropped (already delivered, or already waiting). */
  duplicates = 0;
  /** Messages dropped because their gap had already been given up. */
  late = 0;
  /** Gaps given up (each reported to onGap). */
  gaps = 0;
  /** Chains first heard mid-stream (their start was taken after waiting the timeout). */
  joinedMidStream = 0;
  /** Chains forgotten for a new one beyond maxStreams (flushed first): a repeat of theirs may be
   * delivered again, and their next message waits as one heard mid-stream. */
  forgotten = 0;
  /** Times an early message made more than maxHeld wait on its chain, or more than maxHeldBytes in
   * all, and its chain gave its first gaps up at once (one count per message). */
  overflows = 0;
  /** The receiver's link (see linkChanged). */
  private readonly link: LinkWait = { up: true, upAt: -Infinity, heardSinceUp: true };
  /** Senders whose link was reported (see senderLinkChanged), least recently told first; at most maxStreams. */
  private readonly senders = new Map<string, LinkWait>();

  constructor(private readonly options: ReorderBufferOptions<T>) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REORDER_TIMEOUT_MS;
    this.maxHeld = options.maxHeld ?? 1024;
    this.maxStreams = options.maxStreams ?? 1024;
    this.maxHeldBytes = options.maxHeldBytes ?? Infinity;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs < 0) throw new Error(`ReorderBuffer: timeoutMs must be a number of milliseconds >= 0, got ${this.timeoutMs}`);
    for (const [name, value] of [["maxHeld", this.maxHeld], ["maxStreams", this.maxStreams]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`ReorderBuffer: ${name} must be a whole number >= 1, got ${value}`);
    }
    if (this.maxHeldBytes !== Infinity && (!Number.isInteger(this.maxHeldBytes) || this.maxHeldBytes < 1)) throw new Error(`ReorderBuffer: maxHeldBytes must be a whole number >= 1, got ${this.maxHeldBytes}`);
    if (this.maxHeldBytes !== Infinity && !options.sizeOf) throw new Error("ReorderBuffer: maxHeldBytes needs sizeOf, each message's size in bytes");
  }

  /** Messages waiting for their predecessors, over all chains. */
  get held(): number {
    let n = 0;
    for (const chain of this.chains.values()) n += chain.held.size;
    return n;
  }

  /** Chains remembered. */
  get streams(): number {
    return this.chains.size;
  }

  /** Takes one message of `stream` (its topic) with its envelope's `id` and `p`. Throws for an id
   * that is not `<bootId>:<seq>` (decodeEnvelope has refused those on the wire). */
  accept(stream: string, envelope: { id: string; p?: number }, item: T): AcceptResult {
    const colon = envelope.id.lastIndexOf(":");
    const seq = Number(envelope.id.slice(colon + 1));
    if (colon <= 0 || !Number.isSafeInteger(seq) || seq < 1) throw new Error(`ReorderBuffer: "${envelope.id}" is not an envelope id <bootId>:<seq>`);
    const bootId = envelope.id.slice(0, colon);
    const previous = envelope.p ?? 0;
    const chain = this.chain(stream, bootId);
    this.heard(this.link, () => true);
    const sender = chain.sender === undefined ? undefined : this.senders.get(chain.sender);
    if (sender) this.heard(sender, (c) => c.sender === chain.sender);
    if (seq <= chain.last) {
      if (chain.givenUp.some(([after, missing]) => seq > after && seq <= missing)) {
        this.late++;
        this.options.onLate?.(stream, envelope.id);
        return "late";
      }
      this.duplicates++;
      return "duplicate";
    }
    if (chain.held.has(seq)) {
      this.duplicates++;
      return "duplicate";
    }
    try {
      // p = 0 (a first message, or a sender that doesn't say) needs no predecessor.
      if (previous <= chain.last) {
        this.emit(chain, seq, item);
        this.drain(chain);
        return "delivered";
      }
      const bytes = this.maxHeldBytes === Infinity ? 0 : this.options.sizeOf!(item);
      chain.held.set(seq, { seq, previous, item, arrivedAt: this.options.clock.now(), bytes });
      chain.heldAfter.set(previous, seq);
      this.heldBytes += bytes;
      if (this.pastBound(chain)) {
        // Counting this message among the held, the first gaps are given up until it fits or is
        // delivered (for maxHeld one does; maxHeldBytes may take more, or all the chain holds).
        this.overflows++;
        do this.giveUpFirstGap(chain, chain.held.size > this.maxHeld ? "full" : "heldBytes");
        while (chain.held.has(seq) && this.pastBound(chain));
      }
      return chain.held.has(seq) ? "held" : "delivered";
    } finally {
      this.arm(chain);
    }
  }

  private pastBound(chain: Chain<T>): boolean {
    return chain.held.size > this.maxHeld || this.heldBytes > this.maxHeldBytes;
  }

  /** The receiver's link went down or came up (a reconnect). While it is down no gap is given up
   * for lack of time (a full chain still gives its oldest up: the bound holds); each time it comes
   * up, every chain's wait starts again, since the broker replays the session from its start. */
  linkChanged(up: boolean): void {
    this.changeLink(this.link, up, () => true);
  }

  /** The link of `sender` (as senderOf names it) went down or came up: the same as linkChanged for
   * that sender's chains only. A sender offline resends what was not acknowledged after it is back,
   * however long that takes; its chains count again from its first message after it comes back. */
  senderLinkChanged(sender: string, up: boolean): void {
    let link = this.senders.get(sender);
    if (!link) {
      // A sender never reported is up and counted as heard: nothing changes for it until it goes down.
      link = { up: true, upAt: -Infinity, heardSinceUp: true };
      this.senders.set(sender, link);
      if (this.senders.size > this.maxStreams) this.senders.delete(this.senders.keys().next().value as string);
    }
    this.changeLink(link, up, (chain) => chain.sender === sender);
  }

  private changeLink(link: LinkWait, up: boolean, applies: (chain: Chain<T>) => boolean): void {
    if (!up && !link.up) return;
    link.up = up;
    if (up) {
      link.upAt = this.options.clock.now();
      link.heardSinceUp = false;
    }
    for (const chain of this.chains.values()) if (applies(chain)) this.arm(chain);
  }

  /** The first message after a reconnect: the broker (or the sender) is handing over from here. */
  private heard(link: LinkWait, applies: (chain: Chain<T>) => boolean): void {
    if (link.heardSinceUp || !link.up) return;
    link.heardSinceUp = true;
    link.upAt = this.options.clock.now();
    for (const chain of this.chains.values()) if (applies(chain)) this.arm(chain);
  }

  /** Delivers everything still waiting, in order, reporting the gaps (e.g. before a receiver
   * stops for good). */
  flush(): void {
    for (const chain of this.chains.values()) this.flushChain(chain, "forgotten");
  }

  /** Forgets every chain and cancels the timers; waiting messages are dropped. */
  clear(): void {
    for (const chain of this.chains.values()) chain.cancelTimer?.();
    this.chains.clear();
    this.heldBytes = 0;
  }

  private chain(stream: string, bootId: string): Chain<T> {
    // `bootId` has no ":", so this key is unambiguous.
    const key = `${bootId}:${stream}`;
    let chain = this.chains.get(key);
    if (chain) {
      // Re-inserted so Map order is least recently heard first.
      this.chains.delete(key);
      this.chains.set(key, chain);
      return chain;
    }
    chain = { stream, bootId, sender: this.options.senderOf?.(stream), last: 0, started: false, progressAt: this.options.clock.now(), held: new Map(), heldAfter: new Map(), givenUp: [] };
    this.chains.set(key, chain);
    if (this.chains.size > this.maxStreams) {
      const [oldestKey, oldest] = this.chains.entries().next().value as [string, Chain<T>];
      this.chains.delete(oldestKey);
      this.flushChain(oldest, "forgotten");
      this.forgotten++;
    }
    return chain;
  }

  /** Delivers held messages whose predecessor was delivered, one after the other. */
  private drain(chain: Chain<T>): void {
    for (let next = chain.heldAfter.get(chain.last); next !== undefined; next = chain.heldAfter.get(chain.last)) {
      const held = chain.held.get(next)!;
      this.unhold(chain, held);
      this.emit(chain, held.seq, held.item);
    }
  }

  /** Gives up waiting for the predecessor of the first held message, delivers it and what follows. */
  private giveUpFirstGap(chain: Chain<T>, reason: GapReason): void {
    let first: Held<T> | undefined;
    for (const held of chain.held.values()) if (!first || held.seq < first.seq) first = held;
    if (!first) return;
    if (first.previous > chain.last) {
      if (chain.started) this.reportGap(chain, first, reason);
      else this.joinedMidStream++;
      chain.last = first.previous;
    }
    this.unhold(chain, first);
    this.emit(chain, first.seq, first.item);
    this.drain(chain);
  }

  private unhold(chain: Chain<T>, held: Held<T>): void {
    chain.held.delete(held.seq);
    chain.heldAfter.delete(held.previous);
    this.heldBytes -= held.bytes;
  }

  private reportGap(chain: Chain<T>, first: Held<T>, reason: GapReason): void {
    this.gaps++;
    chain.givenUp.push([chain.last, first.previous]);
    if (chain.givenUp.length > REMEMBERED_GAPS) chain.givenUp.shift();
    const { stream, bootId, last } = chain;
    const missing = first.previous;
    const why = {
      timeout: `not there after ${this.timeoutMs} ms`,
      full: `${this.maxHeld} later messages waiting`,
      heldBytes: `over ${this.maxHeldBytes} B waiting`,
      forgotten: "the chain was forgotten",
    }[reason];
    const range = missing - last > 1 ? `${bootId}:${missing} (and whatever of ${bootId}:${last + 1}..${missing - 1} was sent on this topic)` : `${bootId}:${missing}`;
    const text = `gap on ${stream}: skipped ${range}, ${why}; delivering from ${bootId}:${first.seq}`;
    this.options.onGap?.({ stream, bootId, after: last, missing, resumedAt: first.seq, reason, text });
  }

  private emit(chain: Chain<T>, seq: number, item: T): void {
    // State first: a deliver that throws leaves the chain consistent (the rest waits for the timer).
    chain.last = seq;
    chain.started = true;
    chain.progressAt = this.options.clock.now();
    this.delivered++;
    this.options.deliver(item);
  }

  private flushChain(chain: Chain<T>, reason: GapReason): void {
    chain.cancelTimer?.();
    chain.cancelTimer = undefined;
    chain.timerDue = undefined;
    while (chain.held.size > 0) this.giveUpFirstGap(chain, reason);
  }

  /** When the chain gives its first gap up: `timeoutMs` after its last progress, its oldest early
   * message's arrival or the first message heard since the last reconnect (`timeoutMs` after the
   * reconnect while none is), whichever is latest, for the receiver's link and the chain's
   * sender's; never while either is down. */
  private giveUpDue(chain: Chain<T>): number {
    const sender = chain.sender === undefined ? undefined : this.senders.get(chain.sender);
    if (!this.link.up || (sender && !sender.up)) return Infinity;
    let oldest = Infinity;
    for (const held of chain.held.values()) oldest = Math.min(oldest, held.arrivedAt);
    const since = (link: LinkWait) => (link.heardSinceUp ? link.upAt : link.upAt + this.timeoutMs);
    return Math.max(oldest, chain.progressAt, since(this.link), sender ? since(sender) : -Infinity) + this.timeoutMs;
  }

  /** One timer per chain with waiting messages, none while its link (or its sender's) is down. */
  private arm(chain: Chain<T>): void {
    if (chain.held.size === 0 || this.giveUpDue(chain) === Infinity) {
      chain.cancelTimer?.();
      chain.cancelTimer = undefined;
      chain.timerDue = undefined;
      return;
    }
    const due = this.giveUpDue(chain);
    if (chain.timerDue === due) return;
    chain.cancelTimer?.();
    chain.timerDue = due;
    chain.cancelTimer = this.options.clock.setTimer(Math.max(0, due - this.options.clock.now()), () => this.expire(chain));
  }

  private expire(chain: Chain<T>): void {
    chain.cancelTimer = undefined;
    chain.timerDue = undefined;
    try {
      if (chain.held.size > 0 && this.giveUpDue(chain) <= this.options.clock.now()) this.giveUpFirstGap(chain, "timeout");
    } finally {
      // A forgotten chain keeps no timer.
      if (this.chains.get(`${chain.bootId}:${chain.stream}`) === chain) this.arm(chain);
    }
  }
}
