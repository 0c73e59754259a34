/** aedes drops a message for a client when the client already got one with a higher broker
 * counter (lib/client.js `dedupe`, there for overlapping subscriptions such as `a/+` and `a/b`).
 * That assumes messages reach subscribers in the order they were published, which is not so:
 * a retained message waits for its write to the store and a QoS 1 message for its offline queue,
 * while a message published after it with nothing to store goes out at once. The overtaken one is
 * then dropped as a "duplicate". With the on-disk session store (LevelDB writes take real time) a
 * dashboard subscribed to status and `up` topics lost a device's retained "online" status whenever
 * the device's first readings followed it; in memory, a QoS 1 message followed by a QoS 0 one is
 * lost the same way. Known upstream: https://github.com/moscajs/aedes/issues/955 and
 * https://github.com/moscajs/aedes/issues/994; this is the history check proposed in
 * https://github.com/moscajs/aedes/pull/972.
 *
 * So each client's deliveries are checked against the messages it got lately (broker id and
 * counter) instead of the highest counter: a real duplicate still goes once, an overtaken message
 * is delivered. The duplicates of overlapping subscriptions come within the same emit, so a short
 * history is enough and bounds the memory per client. */
import type { Aedes, Client } from "aedes";

/** Recent deliveries remembered per client. */
export const DEDUPE_HISTORY = 256;

type Deliver = (packet: { brokerId?: string | null; brokerCounter?: number }, callback: () => void) => void;

/** aedes's Client internals this replaces (instance properties, not in its types). */
interface ClientInternals {
  duplicates: Record<string, number>;
  deliverQoS: Deliver;
  deliver0: Deliver;
}

/** From now on, every client the broker handles gets the history check (call before listening). */
export function dedupeByHistory(aedes: Aedes): void {
  const handle = aedes.handle.bind(aedes);
  aedes.handle = (stream, request) => {
    const client = handle(stream, request);
    replaceDedupe(client, aedes.id);
    return client;
  };
}

/** Any broker id reads as "no counter seen" and writes are ignored. */
const FORGETFUL = new Proxy(Object.create(null) as Record<string, number>, {
  get: () => undefined,
  set: () => true,
  deleteProperty: () => true,
});

function replaceDedupe(client: Client, brokerId: string): void {
  const internals = client as unknown as ClientInternals;
  // aedes's own check passes every message: no highest counter is ever remembered. This broker's
  // own id (every message in practice) is a plain accessor, cheaper per delivery than the Proxy
  // trap that answers for any other id.
  const duplicates = Object.create(FORGETFUL) as Record<string, number>;
  Object.defineProperty(duplicates, brokerId, { get: () => undefined, set: () => {}, enumerable: false });
  internals.duplicates = duplicates;
  const recent = new RecentDeliveries(DEDUPE_HISTORY);
  // deliverQoS hands a QoS 0 copy on to deliver0 with the same packet: checked once.
  const checked = new WeakSet<object>();
  const guard =
    (deliver: Deliver): Deliver =>
    (packet, callback) => {
      // No broker id: a retained message sent for a new subscription, never deduplicated (aedes neither).
      if (packet.brokerId && !checked.has(packet)) {
        if (!recent.add(packet.brokerId, packet.brokerCounter ?? 0)) {
          setImmediate(callback);
          return;
        }
        checked.add(packet);
      }
      deliver(packet, callback);
    };
  internals.deliverQoS = guard(internals.deliverQoS);
  internals.deliver0 = guard(internals.deliver0);
}

/** The last `capacity` (broker id, counter) pairs, oldest forgotten first. Counters are kept as
 * numbers per broker id (one id, this broker's, in practice): no string per delivery. */
export class RecentDeliveries {
  private readonly byBroker = new Map<string, Set<number>>();
  private readonly ids: string[] = [];
  private readonly counters: number[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  /** False if the pair is among the recent ones (a duplicate); remembers it otherwise. */
  add(brokerId: string, counter: number): boolean {
    let seen = this.byBroker.get(brokerId);
    if (seen?.has(counter)) return false;
    if (!seen) this.byBroker.set(brokerId, (seen = new Set()));
    if (this.ids.length < this.capacity) {
      this.ids.push(brokerId);
      this.counters.push(counter);
    } else {
      const oldId = this.ids[this.next];
      const oldSet = this.byBroker.get(oldId)!;
      oldSet.delete(this.counters[this.next]);
      if (oldSet.size === 0 && oldId !== brokerId) this.byBroker.delete(oldId);
      this.ids[this.next] = brokerId;
      this.counters[this.next] = counter;
      this.next = (this.next + 1) % this.capacity;
    }
    seen.add(counter);
    return true;
  }
}
