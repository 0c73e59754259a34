/** Bounded deliveries to slow subscribers. aedes writes every QoS 1 delivery to a subscriber at
 * once, however many it still owes a PUBACK for, so a subscriber that reads but never acknowledges
 * makes the broker hold (and retransmit) deliveries without bound. AWS IoT doesn't:
 * "Maximum outbound unacknowledged messages ... 100 in-flight unacknowledged messages per client
 * ... When this limit is reached, no new messages are sent to the client until the client
 * acknowledges the in-flight messages", and a QoS 1 message it can't deliver within an hour is
 * dropped ("Maximum retry interval for delivering QoS 1 messages")
 * (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits).
 * So: at most `maxOutboundInFlightPerClient` QoS 1 deliveries unacknowledged per client; beyond
 * that up to `maxOutboundQueuedPerClient` wait (AWS's hour, bounded by count here, since memory is
 * what runs out locally), and past that the oldest waiting one is dropped and counted. The
 * publisher and the other subscribers never wait for a slow subscriber. */
import type { Aedes, AedesPublishPacket, Client } from "aedes";

type Done = (error?: Error) => void;
type Deliver = (packet: AedesPublishPacket, done: Done) => void;
type WindowedClient = Client & { deliverQoS: Deliver };

export interface OutboundLimits {
  maxOutboundInFlightPerClient: number;
  maxOutboundQueuedPerClient: number;
}

export interface OutboundStats {
  /** QoS 1 deliveries waiting for room in their subscriber's window, all clients. */
  outboundQueued: number;
  peakOutboundQueuedPerClient: number;
  /** Deliveries dropped because a subscriber's queue was full. */
  droppedOutbound: number;
}

interface Window {
  unacked: number;
  waiting: AedesPublishPacket[];
  /** aedes's own delivery, counted. */
  send: Deliver;
}

export class OutboundWindow {
  private readonly windows = new Map<Client, Window>();
  private readonly stats: OutboundStats = { outboundQueued: 0, peakOutboundQueuedPerClient: 0, droppedOutbound: 0 };
  private droppedSinceReport = 0;
  private reportTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: OutboundLimits,
    private readonly log: (line: string) => void = () => {},
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
  }

  close(): void {
    clearTimeout(this.reportTimer);
    for (const client of [...this.windows.keys()]) this.forget(client);
  }

  private wrap(client: WindowedClient): void {
    const deliver = client.deliverQoS.bind(client);
    const window: Window = {
      unacked: 0,
      waiting: [],
      send: (packet, done) => {
        window.unacked++;
        deliver(packet, done);
      },
    };
    this.windows.set(client, window);
    client.deliverQoS = (packet, done) => {
      if (packet.qos === 0) return deliver(packet, done);
      if (window.unacked < this.limits.maxOutboundInFlightPerClient && window.waiting.length === 0) return window.send(packet, done);
      // The fan-out goes on at once: nobody waits for this subscriber.
      window.waiting.push(packet);
      this.stats.outboundQueued++;
      if (window.waiting.length > this.limits.maxOutboundQueuedPerClient) {
        window.waiting.shift();
        this.stats.outboundQueued--;
        this.dropped(client);
      }
      this.stats.peakOutboundQueuedPerClient = Math.max(this.stats.peakOutboundQueuedPerClient, window.waiting.length);
      // Never synchronously, as aedes's own deliverQoS: mqemitter drains its queue by recursion
      // through this callback, and thousands queued at once overflowed the stack.
      setImmediate(done);
    };
  }

  private acknowledged(client: Client): void {
    const window = this.windows.get(client);
    if (!window) return;
    // A PUBACK for an id never sent also counts; it lets one more through, still within the queue.
    window.unacked = Math.max(0, window.unacked - 1);
    while (window.unacked < this.limits.maxOutboundInFlightPerClient && window.waiting.length > 0) {
      this.stats.outboundQueued--;
      window.send(window.waiting.shift()!, () => {});
    }
  }

  private forget(client: Client): void {
    const window = this.windows.get(client);
    if (!window) return;
    // Nothing is lost for a persistent session: aedes put every QoS 1 message in the session's
    // queue before handing it to deliverQoS (aedes.js enqueueOffline, for online subscribers too),
    // and replays that queue at the next connect (outboundWindow.test.ts shows it).
    this.stats.outboundQueued -= window.waiting.length;
    this.windows.delete(client);
  }

  private dropped(client: Client): void {
    this.stats.droppedOutbound++;
    this.droppedSinceReport++;
    if (this.reportTimer) return;
    const id = client.id;
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      this.log(`broker: subscriber "${id}" (and maybe others) acknowledges too slowly: dropped ${this.droppedSinceReport} QoS 1 deliveries in the last second (${this.limits.maxOutboundInFlightPerClient} unacknowledged, ${this.limits.maxOutboundQueuedPerClient} queued per client)`);
      this.droppedSinceReport = 0;
    }, 1000);
    this.reportTimer.unref();
  }
}
