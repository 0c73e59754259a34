/** The co-processor's side of the link session: the same rules as the MCU's
 * (firmware/native/link/linkSession.h): one DATA frame in flight, retransmitted every
 * RETRANSMIT_MS until a frame carries ack = seq + 1; delivered only when its seq is the one
 * expected; PING after KEEPALIVE_MS without sending; outage after OUTAGE_MS without hearing;
 * a new session id from the peer (it restarted) resets both sequence numbers and sends the
 * message in flight again. The queue is bounded (MAX_QUEUED messages): `send` refuses beyond.
 * A message's `delivered` callback runs when the MCU acknowledged it (the downlink journal's
 * custody ends there, downlinkJournal.ts).
 * Bulk messages (OTA chunks) wait behind the others: a PUBLISHED stuck behind a package would
 * fill the MCU's in-flight table, and its supervisor would find the link busy. */
import { randomInt } from "node:crypto";
import { FRAME_ACK, FRAME_DATA, FRAME_PING, FrameDecoder, MAX_BODY, encodeFrame, type LinkFrame } from "./linkFrame";

export const RETRANSMIT_MS = 300;
export const KEEPALIVE_MS = 500;
export const OUTAGE_MS = 3500;
export const MAX_QUEUED = 256;

export interface LinkSessionEvents {
  write(bytes: Buffer): void;
  message(body: Uint8Array): void;
  linkChanged?(up: boolean): void;
  peerRestarted?(): void;
}

export class LinkSession {
  readonly session = randomInt(1, 0xffffffff);
  up = false;
  retransmissions = 0;
  outages = 0;
  peerRestarts = 0;
  readonly decoder = new FrameDecoder();
  private peerSession = 0;
  private txSeq = 0;
  private rxExpected = 0;
  private inFlight = false;
  private lastSent = 0;
  private lastHeard: number;
  private lastPolled: number;
  private inFlightSent = 0;
  private readonly queue: { body: Uint8Array; bulk: boolean; delivered?: () => void }[] = [];

  constructor(private readonly events: LinkSessionEvents, private readonly now: () => number = Date.now) {
    this.lastHeard = now();
    this.lastPolled = this.lastHeard;
    this.writeFrame(FRAME_PING, 0);
  }

  get queued(): number {
    return this.queue.length;
  }

  send(body: Uint8Array, bulk = false, delivered?: () => void): boolean {
    if (body.length > MAX_BODY) throw new RangeError(`a link message is at most ${MAX_BODY} bytes, got ${body.length}`);
    if (this.queue.length >= MAX_QUEUED) return false;
    // Ahead of the bulk messages not yet sent (never ahead of the one in flight).
    const firstBulk = bulk ? -1 : this.queue.findIndex((m, i) => m.bulk && (i > 0 || !this.inFlight));
    this.queue.splice(firstBulk < 0 ? this.queue.length : firstBulk, 0, { body, bulk, delivered });
    this.poll();
    return true;
  }

  /** Takes back the queued messages `mine` picks by their `delivered` callback, but not the one in
   * flight (the MCU may have it already): their sender keeps them for later (a MESSAGE on a topic
   * the MCU no longer subscribes to, after it restarted or unsubscribed). Returns the callbacks
   * of those taken back. */
  withdraw(mine: (delivered: () => void) => boolean): (() => void)[] {
    const taken: (() => void)[] = [];
    const kept = this.queue.filter((m, i) => {
      if ((i === 0 && this.inFlight) || !m.delivered || !mine(m.delivered)) return true;
      taken.push(m.delivered);
      return false;
    });
    this.queue.splice(0, this.queue.length, ...kept);
    return taken;
  }

  receive(bytes: Uint8Array): void {
    this.decoder.push(bytes, (frame) => this.onFrame(frame));
  }

  poll(): void {
    const now = this.now();
    // Silence only counts while this side was listening: after a stall of its own (the host's
    // event loop busy compiling, say) the peer's frames wait unread in the socket, and the time
    // this side was away is no outage of the peer's.
    const away = now - this.lastPolled;
    this.lastPolled = now;
    if (away > KEEPALIVE_MS) this.lastHeard += away;
    if (this.up && now - this.lastHeard > OUTAGE_MS) this.setUp(false);
    if (this.inFlight && now - this.inFlightSent >= RETRANSMIT_MS) {
      this.retransmissions++;
      this.sendOldest();
    } else if (!this.inFlight && this.queue.length && this.up) {
      this.sendOldest();
    } else if (now - this.lastSent >= KEEPALIVE_MS) {
      this.writeFrame(FRAME_PING, 0);
    }
  }

  private writeFrame(type: number, seq: number, body: Uint8Array = new Uint8Array(0)): void {
    this.events.write(encodeFrame({ type, seq, ack: this.rxExpected, session: this.session, body }));
    this.lastSent = this.now();
  }

  private sendOldest(): void {
    this.writeFrame(FRAME_DATA, this.txSeq, this.queue[0].body);
    this.inFlight = true;
    this.inFlightSent = this.now();
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    if (!up) this.outages++;
    this.events.linkChanged?.(up);
  }

  private onFrame(frame: LinkFrame): void {
    this.lastHeard = this.now();
    if (frame.session !== this.peerSession) {
      const restart = this.peerSession !== 0;
      this.peerSession = frame.session;
      this.txSeq = 0;
      this.rxExpected = 0;
      this.inFlight = false;
      if (restart) {
        this.peerRestarts++;
        this.events.peerRestarted?.();
      }
    }
    this.setUp(true);
    if (this.inFlight && frame.ack === ((this.txSeq + 1) & 0xff)) {
      const acknowledged = this.queue.shift();
      this.txSeq = (this.txSeq + 1) & 0xff;
      this.inFlight = false;
      acknowledged?.delivered?.();
    }
    if (frame.type === FRAME_DATA) {
      const fresh = frame.seq === this.rxExpected;
      if (fresh) this.rxExpected = (this.rxExpected + 1) & 0xff;
      this.writeFrame(FRAME_ACK, 0);
      if (fresh) this.events.message(frame.body);
    }
    if (!this.inFlight && this.queue.length && this.up) this.sendOldest();
  }
}
