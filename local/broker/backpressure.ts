/** Bounded work under overload. aedes reads a client's socket whenever its last read has been
 * handled or new data arrives and parses all of it, so nothing stops fast publishers from filling
 * the broker with parsed messages waiting for their fan-out (the collapse at 1,000 devices x
 * 20 msg/s). This admits publishes at the socket instead, AWS's way:
 * - QoS 1: a client has at most `maxInFlightPerClient` publishes in flight (read, fan-out not
 *   finished), AWS's "Maximum inbound unacknowledged messages: 100 ... new messages are not
 *   accepted from this client until the server returns an ACK"
 *   (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits), and the
 *   broker at most `maxInFlight` in all (local: one process, one event loop). A read hands aedes
 *   only the packets within both bounds and puts the rest back on the socket; a client at a bound
 *   is not read (TCP slows the publisher down) until its turn comes, oldest first.
 * - QoS 0: never held back, but dropped and counted while the broker is at `maxInFlight` (QoS 0
 *   promises nothing; one log line per second at most says how many).
 * So what is in flight stays within `maxInFlight` plus one packet per connection, memory within
 * that plus the sockets' buffers, and everything comes back when the load falls. */
import type { Aedes, Client, PublishPacket } from "aedes";
import { MqttPacketScanner } from "./mqttPacketScanner";

export interface LoadLimits {
  /** QoS 1 publishes a client may have in flight before its socket is no longer read (AWS: 100). */
  maxInFlightPerClient: number;
  /** Publishes in flight across the broker before publishers are held and QoS 0 is dropped. */
  maxInFlight: number;
  /** QoS 1 deliveries a subscriber may owe PUBACKs for before the rest wait (AWS: 100; outboundWindow.ts). */
  maxOutboundInFlightPerClient: number;
  /** Bytes of deliveries waiting for such a subscriber before publishes to it are held (their
   * publishers slowed down) and QoS 0 to it is dropped. */
  maxOutboundQueuedBytesPerClient: number;
  /** The same across all subscribers. */
  maxOutboundQueuedBytes: number;
  /** A subscriber owing PUBACKs that acknowledges nothing this long no longer holds publishers:
   * its oldest waiting QoS 1 deliveries beyond its bound are dropped (AWS: after an hour). */
  outboundStallMs: number;
}

export const DEFAULT_LOAD_LIMITS: LoadLimits = {
  maxInFlightPerClient: 100,
  maxInFlight: 2000,
  maxOutboundInFlightPerClient: 100,
  maxOutboundQueuedBytesPerClient: 4 * 2 ** 20,
  maxOutboundQueuedBytes: 64 * 2 ** 20,
  outboundStallMs: 10_000,
};

export interface LoadStats {
  inFlight: number;
  peakInFlight: number;
  /** Clients whose socket is not being read right now. */
  heldClients: number;
  peakHeldClients: number;
  /** Times a client was held back (slowed down). */
  holds: number;
  droppedQos0: number;
  /** Publishes from clients that went through the broker (any QoS). */
  published: number;
}

type Done = (error?: Error) => void;
/** What aedes really has (its types only declare the two-argument form). */
type PublishFunction = (packet: PublishPacket, client: Client | null | Done, done?: Done) => void;
type ReadableConnection = { read(size?: number | null): Buffer | null; unshift(chunk: Buffer): void };

const GATE = Symbol("readGate");
/** aedes's client internals the gate relies on (lib/client.js, the same in aedes 1.2 and 2.0):
 * packets of the last read still being handled, and the function that reads the next batch. */
type GatedClient = Client & { [GATE]?: true; _parsingBatch: number; _nextBatch: () => void };

export class PublishBackpressure {
  readonly limits: LoadLimits;
  /** QoS 1 publishes admitted per client and not finished. */
  private readonly admitted = new Map<Client, number>();
  /** Clients not read until there is room, oldest first (a Set keeps insertion order). */
  private readonly held = new Set<GatedClient>();
  private readonly stats: LoadStats = { inFlight: 0, peakInFlight: 0, heldClients: 0, peakHeldClients: 0, holds: 0, droppedQos0: 0, published: 0 };
  private droppedSinceReport = 0;
  private reportTimer: NodeJS.Timeout | undefined;

  constructor(
    limits: Partial<LoadLimits> | undefined,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.limits = resolveLoadLimits(limits);
  }

  get counters(): LoadStats {
    return { ...this.stats, heldClients: this.held.size };
  }

  attach(aedes: Aedes): void {
    // Gate the socket as soon as the client is known (before CONNACK nothing is published).
    aedes.on("client", (client) => this.gate(client as GatedClient));
    const publish = aedes.publish.bind(aedes) as unknown as PublishFunction;
    (aedes as unknown as { publish: PublishFunction }).publish = (packet, client, done) => {
      // The broker's own publishes (services in process, wills of lost clients) aren't counted.
      if (typeof client === "function" || !client || !(client as GatedClient)[GATE]) return publish(packet, client, done);
      this.publishFrom(client, packet, done ?? (() => {}), publish);
    };
    aedes.on("clientDisconnect", (client) => this.forget(client));
    aedes.on("clientError", (client) => this.forget(client));
  }

  close(): void {
    clearTimeout(this.reportTimer);
    this.held.clear();
  }

  private publishFrom(client: Client, packet: PublishPacket, done: Done, publish: PublishFunction): void {
    if (packet.qos === 0) {
      if (this.stats.inFlight >= this.limits.maxInFlight) {
        this.dropQos0();
        return done();
      }
      this.stats.inFlight++;
    }
    this.stats.published++;
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.stats.inFlight);
    publish(packet, client, (error) => {
      this.finished(client, packet.qos > 0 ? 1 : 0, packet.qos === 0 ? 1 : 0);
      done(error);
    });
  }

  /** Wraps the connection's `read`: hands aedes at most the publishes there is room for. */
  private gate(client: GatedClient): void {
    if (client[GATE]) return;
    client[GATE] = true;
    const conn = client.conn as unknown as ReadableConnection;
    const read = conn.read.bind(conn);
    const scanner = new MqttPacketScanner();
    conn.read = (size) => {
      if (this.held.has(client)) return null;
      // With no room, what comes before the next QoS 1 publish (QoS 0, acks, pings) still passes.
      const room = Math.max(0, Math.min(this.limits.maxInFlightPerClient - (this.admitted.get(client) ?? 0), this.limits.maxInFlight - this.stats.inFlight));
      const data = read(size);
      if (!data) return data;
      let { length, publishes } = scanner.scan(data, room);
      if (length < data.length) {
        try {
          conn.unshift(data.subarray(length));
          this.hold(client);
        } catch {
          // The stream has ended: nothing more will come, let aedes have it all.
          const rest = scanner.scan(data.subarray(length), Infinity);
          length = data.length;
          publishes += rest.publishes;
        }
      }
      if (publishes > 0) {
        this.admitted.set(client, (this.admitted.get(client) ?? 0) + publishes);
        this.stats.inFlight += publishes;
        this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.stats.inFlight);
      }
      if (length === 0) return null;
      return length < data.length ? data.subarray(0, length) : data;
    };
  }

  private hold(client: GatedClient): void {
    if (this.held.has(client)) return;
    this.held.add(client);
    this.stats.holds++;
    this.stats.peakHeldClients = Math.max(this.stats.peakHeldClients, this.held.size);
  }

  private finished(client: Client, qos1: number, qos0: number): void {
    this.stats.inFlight -= qos1 + qos0;
    if (qos1 > 0) {
      const left = (this.admitted.get(client) ?? qos1) - qos1;
      if (left > 0) this.admitted.set(client, left);
      else this.admitted.delete(client);
    }
    this.release();
  }

  /** Lets held clients read again, oldest first, once there is room for a batch of publishes
   * (a quarter of a client's bound, a tenth of the broker's), and only as many as that room
   * covers. Resuming a client for every finished publish cost each message a read, an unshift
   * and a hold (the broker bench's profile: hundreds of thousands of holds). */
  private release(): void {
    if (this.held.size === 0) return;
    let room = this.limits.maxInFlight - this.stats.inFlight;
    if (room < Math.max(1, Math.floor(this.limits.maxInFlight / 10))) return;
    const clientBatch = Math.max(1, Math.floor(this.limits.maxInFlightPerClient / 4));
    for (const client of this.held) {
      if (room <= 0) return;
      const clientRoom = this.limits.maxInFlightPerClient - (this.admitted.get(client) ?? 0);
      if (clientRoom < clientBatch) continue;
      room -= clientRoom;
      this.held.delete(client);
      // aedes reads again when a pending packet of the client completes; with none pending, ask
      // it to now (its batch counter never goes below zero). Not on this callback's stack.
      if (client._parsingBatch <= 0) setImmediate(() => client.closed || client._nextBatch());
    }
  }

  /** A closed client's admitted publishes that never reached the fan-out free their room. */
  private forget(client: Client): void {
    const left = this.admitted.get(client) ?? 0;
    this.admitted.delete(client);
    this.held.delete(client as GatedClient);
    if (left > 0) this.finished(client, 0, left);
  }

  private dropQos0(): void {
    this.stats.droppedQos0++;
    this.droppedSinceReport++;
    if (this.reportTimer) return;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      this.log(`broker: overloaded: dropped ${this.droppedSinceReport} QoS 0 message(s) in the last second (${this.limits.maxInFlight} publishes in flight); QoS 1 publishers are being slowed down`);
      this.droppedSinceReport = 0;
    }, 1000);
    this.reportTimer.unref();
  }
}

/** Checks options a user passes; says which one and what is allowed. */
export function resolveLoadLimits(given: Partial<LoadLimits> | undefined): LoadLimits {
  const limits = { ...DEFAULT_LOAD_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`LocalBroker load.${name} must be a whole number >= 1, got ${value}`);
  }
  return limits;
}
