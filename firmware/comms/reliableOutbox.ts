import type { QoS, Transport } from "../transport";

export interface OutboxMessage {
  topic: string;
  payload: string;
  qos: QoS;
  retain?: boolean;
}

export interface ReliableOutboxOptions {
  transport: Transport;
  /** Messages waiting to be handed to the transport; beyond it the oldest waiting one is
   * dropped and counted (a long outage costs the oldest readings, never memory). */
  capacity: number;
  /** QoS 1 messages handed to the transport and not yet acknowledged (default 32). */
  inFlightWindow?: number;
  /** Why a publish failed (local echo; never relayed). */
  onError?: (message: string) => void;
}

/** AWS IoT allows 100 unacknowledged QoS 1 publishes per connection. 32 keeps a steady stream
 * (≈ one round trip's worth at 100 msg/s on a slow link) below that, and leaves the rest for
 * the OTA agent's Jobs requests, which share the connection. */
export const DEFAULT_IN_FLIGHT_WINDOW = 32;

interface Entry {
  message: OutboxMessage;
  /** Position in the send order, to put a failed message back where it was. */
  order: number;
  /** Times the transport refused it. */
  failures: number;
}

/** A message the transport refused this many times in a row (each after a reconnect) is one it
 * will never take (a policy refusal closes the connection each time): dropped and counted, so it
 * can't hold the queue, or the link, in a loop. */
export const MAX_SEND_ATTEMPTS = 5;

/** The device's send side of the resilient link (micropython-iot's idea on MQTT): messages wait
 * here while offline and leave in order once connected. A QoS 1 message stays counted until its
 * PUBACK; if the link drops first, the MQTT client (persistent session) retransmits it, in
 * order, after reconnecting, and receivers drop the copies by envelope id (core/contracts/dedupWindow).
 * The window bounds how much the client holds across an outage. */
export class ReliableOutbox {
  private readonly waiting: Entry[] = [];
  private readonly inFlight = new Set<Entry>();
  private nextOrder = 0;
  /** After a refused publish, wait for the next reconnect instead of retrying in a loop. */
  private stalled = false;
  private pumpScheduled = false;
  private readonly window: number;
  dropped = 0;
  /** QoS 1 messages acknowledged so far. */
  acknowledged = 0;

  constructor(private readonly options: ReliableOutboxOptions) {
    this.window = options.inFlightWindow ?? DEFAULT_IN_FLIGHT_WINDOW;
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new Error(`outbox capacity must be a whole number >= 1, got ${options.capacity}`);
    if (!Number.isInteger(this.window) || this.window < 1 || this.window > 100) {
      throw new Error(`in-flight window must be a whole number from 1 to 100 (AWS IoT's limit of unacknowledged QoS 1 messages), got ${this.window}`);
    }
  }

  /** Waiting to be handed to the transport. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Handed over, PUBACK not yet received. */
  get unacknowledged(): number {
    return this.inFlight.size;
  }

  push(message: OutboxMessage): void {
    if (this.waiting.length >= this.options.capacity) {
      this.waiting.shift();
      this.dropped++;
    }
    this.waiting.push({ message, order: this.nextOrder++, failures: 0 });
    this.pump();
  }

  /** The transport reconnected: a stalled queue may try again. */
  resume(): void {
    this.stalled = false;
    this.pump();
  }

  /** Hands waiting messages to the transport while connected and the window has room. */
  pump(): void {
    const { transport } = this.options;
    while (!this.stalled && transport.connected && this.waiting.length > 0 && this.inFlight.size < this.window) {
      const entry = this.waiting.shift()!;
      const { topic, payload, qos, retain } = entry.message;
      if (qos === 1) this.inFlight.add(entry);
      let sent: Promise<void>;
      try {
        sent = transport.publish(topic, payload, qos, retain ?? false);
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(
        () => {
          if (qos === 0) return;
          this.inFlight.delete(entry);
          this.acknowledged++;
          this.pumpSoon();
        },
        (error: Error) => this.failed(entry, error),
      );
    }
  }

  /** PUBACKs arrive in bursts: refill once per burst, so the SDK gets publishes back to back
   * (fewer, larger TLS writes) rather than one per acknowledgement. */
  private pumpSoon(): void {
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: equivalent in what is sent and when: without the flag each PUBACK schedules its own pump, and pump() is idempotent (the first fills the window, the rest find it full); the flag only saves the extra turns
    if (this.pumpScheduled) return;
    // Stryker disable next-line BooleanLiteral: equivalent, as above
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** The transport refused a message: usually the link died while it was being written (the
   * queue is flushed right after a reconnect, when a link that only just came back may fall
   * again). Whatever its QoS, it goes back where it was, to be sent after the next reconnect: a
   * refused write reached no one, so at most once still holds for QoS 0, and a log line kept
   * offline is not lost to the very moment it was to leave. Only the capacity drops (oldest first). */
  private failed(entry: Entry, error: Error): void {
    this.inFlight.delete(entry);
    if (++entry.failures >= MAX_SEND_ATTEMPTS) {
      this.dropped++;
      this.options.onError?.(`publish on "${entry.message.topic}" refused ${entry.failures} times (${error?.message ?? error}); dropped`);
      return;
    }
    // One line per stall, not one per message of a flushed queue.
    if (!this.stalled) this.options.onError?.(`publish on "${entry.message.topic}" failed (${error?.message ?? error}); retrying after the next reconnect`);
    // Back where it was in the send order, so the retry keeps the order.
    // Stryker disable next-line EqualityOperator: equivalent, orders are unique (nextOrder++), so no waiting entry has this entry's order
    const at = this.waiting.findIndex((e) => e.order > entry.order);
    this.waiting.splice(at === -1 ? this.waiting.length : at, 0, entry);
    this.stalled = true;
    while (this.waiting.length > this.options.capacity) {
      this.waiting.shift();
      this.dropped++;
    }
  }
}
