/** The server end of the way up: every device's channel messages (`sf/{app}/{thing}/{channel}/up`)
 * through the receive path devices and dashboards share (core/contracts/envelopeReceiver.ts), so
 * what the cloud hands on got there once and, on a QoS 1 channel, in the device's order, whatever
 * order the broker handed it over in. Outlives a broker restart: attach() it to each new broker. */
import { readStatusMessage, senderLinkUp, type StatusMessage } from "../../core/contracts/deviceStatus";
import type { Envelope } from "../../core/contracts/envelope";
import { EnvelopeReceiver } from "../../core/contracts/envelopeReceiver";
import type { Manifest } from "../../core/contracts/manifest";
import { wallClock, type ReorderClock } from "../../core/contracts/reorderBuffer";
import { parseAppTopic, thingOfAppTopic, topics } from "../../core/contracts/topics";

export interface UpstreamMessage {
  thing: string;
  channel: string;
  topic: string;
  envelope: Envelope;
  /** The payload as it came (for consumers that decode it themselves). */
  payload: Uint8Array;
}

export interface UpstreamReceiverOptions {
  app: string;
  /** The current manifest: a channel's QoS says whether its messages are put in order. */
  manifest: () => Manifest;
  deliver(message: UpstreamMessage): void;
  /** Malformed messages, gaps and late messages. */
  log?: (line: string) => void;
  clock?: ReorderClock;
  reorderTimeoutMs?: number;
}

/** What attach() needs of aedes (an in-process subscriber, as an IoT rule would be). */
interface InProcessSubscriber {
  subscribe(topic: string, deliver: (packet: { topic: string; payload: unknown }, done: () => void) => void, ready: () => void): void;
}

export class UpstreamReceiver {
  private readonly receiver: EnvelopeReceiver<{ thing: string; channel: string; topic: string; payload: Uint8Array }>;

  constructor(private readonly options: UpstreamReceiverOptions) {
    this.receiver = new EnvelopeReceiver({
      clock: options.clock ?? wallClock,
      timeoutMs: options.reorderTimeoutMs,
      senderOf: thingOfAppTopic,
      log: (line) => options.log?.(`[cloud] ${line}`),
      deliver: (envelope, from) => options.deliver({ ...from, envelope }),
    });
  }

  /** Feeds one message; false when it is not a channel's `up` message of this app's manifest. A
   * device's status (false too: others want it as well) tells the receiver its link went down
   * (the last will) or came back, so its gaps wait for it (EnvelopeReceiver.senderLinkChanged). */
  receive(topic: string, payload: Uint8Array): boolean {
    const parsed = parseAppTopic(topic);
    if (!parsed || parsed.app !== this.options.app) return false;
    if (parsed.kind === "status") {
      this.statusChanged(parsed.thing, payload);
      return false;
    }
    if (parsed.kind !== "up" || !parsed.channel) return false;
    const channel = this.options.manifest().channels.find((c) => c.name === parsed.channel);
    if (!channel) return false;
    this.receiver.receive(topic, channel.qos, payload, { thing: parsed.thing, channel: channel.name, topic, payload });
    return true;
  }

  /** Subscribes in process to every `up` and status topic of the app on this broker. */
  async attach(broker: InProcessSubscriber): Promise<void> {
    for (const filter of [topics.up(this.options.app, "+", "+"), topics.status(this.options.app, "+")]) {
      await new Promise<void>((resolve) =>
        broker.subscribe(
          filter,
          (packet, done) => {
            done();
            this.receive(packet.topic, new Uint8Array(packet.payload as Buffer));
          },
          resolve,
        ),
      );
    }
  }

  private statusChanged(thing: string, payload: Uint8Array): void {
    let message: StatusMessage;
    try {
      message = readStatusMessage(payload);
    } catch (error) {
      this.options.log?.(`[cloud] ignored a malformed status of ${thing}: ${(error as Error).message}`);
      return;
    }
    this.receiver.senderLinkChanged(thing, senderLinkUp(message));
  }

  /** The server's link to the broker went down or came back (a broker restart for an in-process
   * subscriber): gaps wait meanwhile and count afresh from the reconnect. */
  linkChanged(up: boolean): void {
    this.receiver.linkChanged(up);
  }

  get duplicates(): number {
    return this.receiver.duplicates;
  }

  get gaps(): number {
    return this.receiver.gaps;
  }

  get late(): number {
    return this.receiver.late;
  }

  get held(): number {
    return this.receiver.held;
  }

  /** Cancels the reorder timers (the cloud stops). */
  clear(): void {
    this.receiver.clear();
  }
}
