/** Retained messages on one topic go through the broker one at a time, in the order it received
 * them, so subscribers get them in that order and the retained store ends with the last one.
 *
 * aedes handles the packets of one socket read at once, and every publish waits for its
 * persistence (aedes.js publishFuncsQoS: storeRetained, then the offline queues, then the emit).
 * With the on-disk session store those are LevelDB writes run on libuv's thread pool, which may
 * finish in any order: a device that said "offline" for the app it stopped and "online" for the
 * one it started right after (firmware/native's app switch, one read on the broker) was seen
 * online-then-offline by every subscriber in 6 and 1 of 200 tries (two runs, load 11-14; sessions
 * in memory: 0 of 200; with this: 0 of 200), and
 * the dashboard and the fleet status table said offline for a running device
 * (retainedOrder.test.ts reproduces it with a store write that finishes late). MQTT 3.1.1 §4.6
 * asks a broker to send one client's PUBLISHes on a topic in the order it received them, and a
 * retained message replaces the one before it: the newest must stay.
 *
 * A device's last will is published through the same call: when a device reconnects with its own
 * client id while its old connection is still open, the broker closes the old one and publishes
 * its will, as AWS IoT does (https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html:
 * disconnectReason DUPLICATE_CLIENTID, "Broker sends LWT messages: Yes"), before it accepts the
 * new connection; queued here, the will reaches subscribers before the new connection's status.
 *
 * Only retained publishes wait (status topics: a few messages per device and boot); the others
 * keep aedes's concurrency. AWS promises no order ("Lifecycle messages might be sent out of
 * order"; rule actions run as they come), so receivers still decide by the status itself
 * (core/fleetStatus/statusRecord.ts). */
import type { Aedes, Client, PublishPacket } from "aedes";

type Done = (error?: Error) => void;
type PublishFunction = (packet: PublishPacket, client: Client | null | Done, done?: Done) => void;

/** From now on, retained publishes on one topic run one after the other (call before listening). */
export function keepRetainedOrder(aedes: Aedes): void {
  const publish = aedes.publish.bind(aedes) as unknown as PublishFunction;
  /** Per topic with a retained publish under way: the ones waiting behind it, oldest first. */
  const waiting = new Map<string, Array<() => void>>();
  (aedes as unknown as { publish: PublishFunction }).publish = (packet, clientOrDone, maybeDone) => {
    const client = typeof clientOrDone === "function" ? null : clientOrDone;
    const done = typeof clientOrDone === "function" ? clientOrDone : maybeDone;
    if (!packet.retain) return publish(packet, client, done);
    const { topic } = packet;
    const run = () =>
      publish(packet, client, (error) => {
        const next = waiting.get(topic)?.shift();
        if (next) next();
        else waiting.delete(topic);
        done?.(error);
      });
    const queue = waiting.get(topic);
    if (queue) return void queue.push(run);
    waiting.set(topic, []);
    run();
  };
}
