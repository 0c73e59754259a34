/** QoS 1 publishing for a server host that talks to the broker through mqtt.js (the soak's server,
 * a user's own service): every publish is acknowledged by the broker in the end, or its callback
 * says why not. mqtt.js (5.x) alone loses some: a publish it takes while it resends its stored
 * messages after a reconnect waits in an in-memory queue, and if that connection falls too the
 * queue is dropped, each callback told "Connection closed", nothing stored or sent again
 * (node_modules/mqtt/build/lib/client.js, `_flushStoreProcessingQueue`); the 250-outage soak lost
 * 20 commands that way. Here such a publish is kept and published again after the next connect.
 * Order is not kept across that resend (a newer message may reach the broker first); receivers put
 * QoS 1 messages back in the sender's order (core/contracts/reorderBuffer.ts). */
import type { MqttClient } from "mqtt";

export const DEFAULT_MAX_PENDING = 10_000;

interface Pending {
  topic: string;
  payload: string | Uint8Array;
  done: (error?: Error) => void;
}

export class ResendingPublisher {
  private readonly waiting: Pending[] = [];
  /** Publishes that mqtt.js let go and that were published again. */
  resent = 0;

  /** `maxPending` bounds what waits for a connect: beyond it a publish fails at once, saying so. */
  constructor(
    private readonly client: MqttClient,
    private readonly maxPending = DEFAULT_MAX_PENDING,
  ) {
    if (!Number.isInteger(maxPending) || maxPending < 1) throw new Error(`ResendingPublisher: maxPending must be a whole number >= 1, got ${maxPending}`);
    client.on("connect", () => this.resendWaiting());
  }

  /** Publishes waiting for the next connect to be sent again. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Publishes at QoS 1; `done` runs once: when the broker acknowledged it, or with an error when
   * the client was ended first or too many wait. */
  publish(topic: string, payload: string | Uint8Array, done: (error?: Error) => void = () => {}): void {
    this.send({ topic, payload, done });
  }

  private send(message: Pending): void {
    this.client.publish(message.topic, message.payload as string | Buffer, { qos: 1 }, (error) => {
      if (!error) return message.done();
      // An ended client sends nothing again; anything else (a connection that fell under the
      // publish) waits for the next connect.
      if (this.client.disconnecting || this.client.disconnected) return message.done(error);
      if (this.waiting.length >= this.maxPending) {
        return message.done(new Error(`ResendingPublisher: ${this.maxPending} publishes already wait for the broker; dropped one on ${message.topic} (${error.message})`));
      }
      this.waiting.push(message);
      if (this.client.connected) this.resendWaiting();
    });
  }

  private resendWaiting(): void {
    for (const message of this.waiting.splice(0)) {
      this.resent++;
      this.send(message);
    }
  }
}
