/** Bounded deliveries to slow subscribers, without losing QoS 1. aedes writes every QoS 1 delivery
 * to a subscriber at once, however many it still owes a PUBACK for, so a subscriber that reads but
 * never acknowledges makes the broker hold (and retransmit) deliveries without bound. AWS IoT's
 * message broker quotas (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits):
 * - "Maximum outbound unacknowledged messages ... 100 in-flight unacknowledged messages per client
 *   ... When this limit is reached, no new messages are sent to the client until the client
 *   acknowledges the in-flight messages": `maxOutboundInFlightPerClient`;
 * - a QoS 1 message it can't deliver is retried for up to an hour and only then dropped
 *   ("Maximum retry interval for delivering QoS 1 messages").
 * Locally memory runs out long before an hour, so:
 * - what waits beyond the 100 is bounded in bytes, per client (`maxOutboundQueuedBytesPerClient`)
 *   and in all (`maxOutboundQueuedBytes`);
 * - past a bound, a QoS 1 delivery is not dropped: its fan-out is not finished until there is
 *   room, so the publisher's PUBACK waits and backpressure.ts stops reading the publishers'
 *   sockets (a subscriber slower than the fleet's fan-in slows the publishers down, and gets
 *   everything);
 * - QoS 0 to a subscriber past its bound is dropped and counted (QoS 0 promises nothing);
 * - a subscriber that acknowledges nothing for `outboundStallMs` while it owes PUBACKs is stalled
 *   (AWS's hour, shortened: while it stalls, publishers wait): the publishers it held are let go
 *   and its oldest waiting QoS 1 deliveries beyond its bound are dropped and counted, as AWS drops
 *   them after the retry interval, until it acknowledges again.
 * One log line per second at most says what was dropped. */
import type { Aedes, AedesPublishPacket, AuthorizeForwardHandler, Client } from "aedes";

type Done = (error?: Error) => void;
type Deliver = (packet: AedesPublishPacket, done: Done) => void;
type WindowedClient = Client & { deliverQoS: Deliver; deliver0: Deliver };

export interface OutboundLimits {
  maxOutboundInFlightPerClient: number;
  maxOutboundQueuedBytesPerClient: number;
  maxOutboundQueuedBytes: number;
  outboundStallMs: number;
}

export interface OutboundStats {
  /** QoS 1 deliveries waiting for room in their subscriber's window, all clients. */
  outboundQueued: number;
  /** Their bytes (payload + topic + a fixed overhead each), held ones included. */
  outboundQueuedBytes: number;
  /** Peaks of the bytes accepted (not held): what the bounds limit. */
  peakOutboundQueuedBytes: number;
  peakOutboundQueuedBytesPerClient: number;
  /** Fan-outs (publishes) held now because a subscriber's queue is at its bound; at most aedes's
   * emitter concurrency (100), since it starts no further fan-out meanwhile. */
  outboundHeldPublishes: number;
  peakOutboundHeldPublishes: number;
  /** Times a publish was held so. */
  outboundHolds: number;
  /** QoS 1 deliveries dropped for a stalled subscriber. */
  droppedOutbound: number;
  /** QoS 0 deliveries dropped for a subscriber past its bound. */
  droppedOutboundQos0: number;
  /** Times a subscriber was found stalled. */
  outboundStalls: number;
}

/** What one waiting delivery costs besides its topic and payload (the entry, the packet object). */
const ENTRY_OVERHEAD_BYTES = 128;

interface Waiting {
  packet: AedesPublishPacket;
  bytes: number;
  /** The fan-out's callback, still held: the publisher waits until there is room. */
  held: Done | undefined;
}

interface Window {
  client: WindowedClient;
  unacked: number;
  /** Waiting deliveries, oldest first, from `head`; the held ones are the last `held`. */
  queue: Waiting[];
  head: number;
  held: number;
  /** Bytes of the waiting deliveries (held ones included), and of the held ones. */
  bytes: number;
  heldBytes: number;
  /** When it last acknowledged, or started to owe PUBACKs. */
  lastProgressAt: number;
  stalled: boolean;
  /** aedes's own delivery, counted. */
  send: Deliver;
}

export class OutboundWindow {
  private readonly windows = new Map<Client, Window>();
  private readonly holding = new Set<Window>();
  private readonly stats: OutboundStats = {
    outboundQueued: 0,
    outboundQueuedBytes: 0,
    peakOutboundQueuedBytes: 0,
    peakOutboundQueuedBytesPerClient: 0,
    outboundHeldPublishes: 0,
    peakOutboundHeldPublishes: 0,
    outboundHolds: 0,
    droppedOutbound: 0,
    droppedOutboundQos0: 0,
    outboundStalls: 0,
  };
  private readonly droppedSinceReport = { qos1: 0, qos0: 0 };
  private reportTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  /** Bytes of the held deliveries, all windows. */
  private heldBytes = 0;
  /** Set by the authorizeForward wrapper while `send` hands a delivery to aedes. */
  private forwarded = false;

  constructor(
    private readonly limits: OutboundLimits,
    private readonly log: (line: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  get counters(): OutboundStats {
    return { ...this.stats };
  }

  attach(aedes: Aedes): void {
    aedes.on("client", (client) => this.wrap(client as WindowedClient));
    // aedes emits "ack" for every PUBACK a client sends (handlers/puback.js).
    aedes.on("ack", (_packet, client) => this.acknowledged(client));
    aedes.on("clientDisconnect", (client) => this.forget(client));
    aedes.on("clientError", (client) => this.forget(client));
    // aedes asks authorizeForward synchronously in deliverQoS; a delivery it (or a dedupe before
    // it) turns down is never written, so no PUBACK will come for it.
    const authorizeForward: AuthorizeForwardHandler = aedes.authorizeForward.bind(aedes);
    aedes.authorizeForward = (client, packet) => {
      const forwarded = authorizeForward(client, packet);
      if (forwarded) this.forwarded = true;
      return forwarded;
    };
    this.stallTimer = setInterval(() => this.findStalled(), Math.max(10, Math.min(1000, this.limits.outboundStallMs / 4)));
    this.stallTimer.unref();
  }

  close(): void {
    clearTimeout(this.reportTimer);
    clearInterval(this.stallTimer);
    for (const client of [...this.windows.keys()]) this.forget(client);
  }

  private wrap(client: WindowedClient): void {
    const deliver = client.deliverQoS.bind(client);
    const deliver0 = client.deliver0.bind(client);
    const window: Window = {
      client,
      unacked: 0,
      queue: [],
      head: 0,
      held: 0,
      bytes: 0,
      heldBytes: 0,
      lastProgressAt: this.now(),
      stalled: false,
      send: (packet, done) => {
        if (window.unacked === 0) window.lastProgressAt = this.now();
        this.forwarded = false;
        deliver(packet, done);
        if (this.forwarded) window.unacked++;
      },
    };
    this.windows.set(client, window);
    const deliverQos0 = (packet: AedesPublishPacket, done: Done): void => {
      if (window.held === 0 && !window.stalled) return deliver0(packet, done);
      this.dropped(window, "qos0");
      setImmediate(done);
    };
    client.deliver0 = deliverQos0;
    client.deliverQoS = (packet, done) => {
      if (packet.qos === 0) return deliverQos0(packet, done);
      if (window.unacked < this.limits.maxOutboundInFlightPerClient && this.waiting(window) === 0) return window.send(packet, done);
      const bytes = ENTRY_OVERHEAD_BYTES + packet.topic.length + (packet.payload as Buffer).length;
      window.queue.push({ packet, bytes, held: undefined });
      window.bytes += bytes;
      this.stats.outboundQueued++;
      this.stats.outboundQueuedBytes += bytes;
      if (window.held === 0 && (window.stalled || this.fits(window, 0))) {
        // Never synchronously, as aedes's own deliverQoS: mqemitter drains its queue by recursion
        // through this callback, and thousands queued at once overflowed the stack.
        setImmediate(done);
        if (window.stalled) this.trimStalled(window);
      } else {
        window.queue[window.queue.length - 1].held = done;
        window.held++;
        window.heldBytes += bytes;
        this.heldBytes += bytes;
        this.stats.outboundHeldPublishes++;
        this.stats.outboundHolds++;
        this.holding.add(window);
      }
      this.stats.peakOutboundQueuedBytesPerClient = Math.max(this.stats.peakOutboundQueuedBytesPerClient, window.bytes - window.heldBytes);
      this.stats.peakOutboundQueuedBytes = Math.max(this.stats.peakOutboundQueuedBytes, this.stats.outboundQueuedBytes - this.heldBytes);
      this.stats.peakOutboundHeldPublishes = Math.max(this.stats.peakOutboundHeldPublishes, this.stats.outboundHeldPublishes);
    };
  }

  private waiting(window: Window): number {
    return window.queue.length - window.head;
  }

  /** Whether the deliveries the window has accepted (not held), the last one pushed included,
   * stay within the per-client and the broker-wide bound. */
  private fits(window: Window, extra: number): boolean {
    return (
      window.bytes - window.heldBytes + extra <= this.limits.maxOutboundQueuedBytesPerClient &&
      this.stats.outboundQueuedBytes - this.heldBytes + extra <= this.limits.maxOutboundQueuedBytes
    );
  }

  private acknowledged(client: Client): void {
    const window = this.windows.get(client);
    if (!window) return;
    window.lastProgressAt = this.now();
    window.stalled = false;
    // A PUBACK for an id never sent also counts; it lets one more through, still within the queue.
    window.unacked = Math.max(0, window.unacked - 1);
    while (window.unacked < this.limits.maxOutboundInFlightPerClient && this.waiting(window) > 0) {
      const entry = this.shift(window);
      window.send(entry.packet, () => {});
    }
    this.admitHeld();
  }

  /** Takes the oldest waiting delivery off the window; a held publish it was is let go. */
  private shift(window: Window): Waiting {
    const entry = window.queue[window.head];
    window.queue[window.head] = undefined as unknown as Waiting;
    window.head++;
    if (window.head === window.queue.length) {
      window.queue = [];
      window.head = 0;
    } else if (window.head > 1024 && window.head * 2 > window.queue.length) {
      window.queue = window.queue.slice(window.head);
      window.head = 0;
    }
    window.bytes -= entry.bytes;
    this.stats.outboundQueued--;
    this.stats.outboundQueuedBytes -= entry.bytes;
    if (entry.held) this.release(window, entry);
    return entry;
  }

  private release(window: Window, entry: Waiting): void {
    const done = entry.held!;
    entry.held = undefined;
    window.held--;
    window.heldBytes -= entry.bytes;
    this.heldBytes -= entry.bytes;
    this.stats.outboundHeldPublishes--;
    if (window.held === 0) this.holding.delete(window);
    // Not on this stack: finishing a fan-out lets mqemitter start the next, which may come here.
    setImmediate(done);
  }

  /** Lets held publishes go, oldest first per window, while they fit within the bounds. */
  private admitHeld(): void {
    for (const window of this.holding) {
      while (window.held > 0) {
        const entry = window.queue[window.queue.length - window.held];
        // Decided as if it were the newest accepted one.
        if (!this.fits(window, entry.bytes)) break;
        this.release(window, entry);
      }
    }
  }

  /** A subscriber owing PUBACKs that acknowledged nothing for `outboundStallMs` holds nobody. */
  private findStalled(): void {
    const now = this.now();
    for (const window of [...this.holding]) {
      if (window.stalled || now - window.lastProgressAt < this.limits.outboundStallMs) continue;
      window.stalled = true;
      this.stats.outboundStalls++;
      while (window.held > 0) this.release(window, window.queue[window.queue.length - window.held]);
      this.trimStalled(window);
    }
    this.admitHeld();
  }

  /** Drops a stalled subscriber's oldest waiting deliveries until it is within its bounds. */
  private trimStalled(window: Window): void {
    while (
      this.waiting(window) > 0 &&
      (window.bytes > this.limits.maxOutboundQueuedBytesPerClient || this.stats.outboundQueuedBytes - this.heldBytes > this.limits.maxOutboundQueuedBytes)
    ) {
      this.shift(window);
      this.dropped(window, "qos1");
    }
  }

  private forget(client: Client): void {
    const window = this.windows.get(client);
    if (!window) return;
    // Nothing is lost for a persistent session: aedes put every QoS 1 message in the session's
    // queue before handing it to deliverQoS (aedes.js enqueueOffline, for online subscribers too),
    // and replays that queue at the next connect (outboundWindow.test.ts shows it). The
    // publishes it held go on.
    while (this.waiting(window) > 0) this.shift(window);
    this.windows.delete(client);
    this.holding.delete(window);
    this.admitHeld();
  }

  private dropped(window: Window, kind: "qos1" | "qos0"): void {
    if (kind === "qos1") this.stats.droppedOutbound++;
    else this.stats.droppedOutboundQos0++;
    this.droppedSinceReport[kind]++;
    if (this.reportTimer) return;
    const id = window.client.id;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      const { qos1, qos0 } = this.droppedSinceReport;
      this.log(
        `broker: subscriber "${id}" (and maybe others) can't keep up: dropped ${qos1} QoS 1 deliveries (it acknowledged nothing for ${this.limits.outboundStallMs} ms) and ${qos0} QoS 0 in the last second ` +
          `(${this.limits.maxOutboundInFlightPerClient} unacknowledged, ${this.limits.maxOutboundQueuedBytesPerClient} bytes queued per client, ${this.limits.maxOutboundQueuedBytes} in all)`,
      );
      this.droppedSinceReport.qos1 = 0;
      this.droppedSinceReport.qos0 = 0;
    }, 1000);
    this.reportTimer.unref();
  }
}
