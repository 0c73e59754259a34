/** aedes keeps some maps in plain objects keyed by strings from the wire: connected clients by
 * client id (`aedes.clients`), peer brokers by broker id (`aedes.brokers`) and each client's
 * subscriptions by topic filter (`client.subscriptions`). A name Object.prototype already has
 * ("constructor", "toString", "__proto__") then reads back as present: an UNSUBSCRIBE of
 * "constructor" from any connected device hands mqemitter an undefined listener and its
 * `assert(notify)` ends the whole process (seen with aedes 2.0.0-beta.1, local/broker/
 * prototypeKeys.test.ts). aedes 1.2.0 fixed this (GHSA-52qw-whmv-87c5, null-prototype maps);
 * 2.0.0-beta.1 was published before that release and has the old code (lib/client.js
 * `this.subscriptions = {}`, aedes.js `this.clients = {}` / `this.brokers = {}`). Until a 2.x
 * release carries the fix, the broker swaps those maps for null-prototype ones.
 * (`client.duplicates`, the fourth map of the advisory, is replaced by dedupeHistory.ts.)
 *
 * One more map can't be swapped: a SUBSCRIBE with several filters is deduplicated in a plain
 * object local to lib/handlers/subscribe.js (`_dedupe`), where a "__proto__" filter replaces the
 * object's prototype and the list comes back with the filter's fields as "subscriptions"; an MQTT
 * 5 client crashed the process with it (`sub.topic.startsWith`), a 3.1.1 client was disconnected.
 * Such a SUBSCRIBE is refused before aedes sees it: the connection is closed and the refusal
 * reported. ("__proto__" alone in a SUBSCRIBE is not deduplicated and goes to the policies.) */
import type { Aedes, Client } from "aedes";
import type { EventEmitter } from "node:events";

type WireKeyed = Record<string, unknown>;

function withoutPrototype(map: WireKeyed): WireKeyed {
  return Object.assign(Object.create(null) as WireKeyed, map);
}

/** The filter that breaks aedes's SUBSCRIBE deduplication (see above). */
export const PROTOTYPE_FILTER = "__proto__";

interface SubscribePacketLike {
  cmd: string;
  subscriptions?: Array<{ topic: string }>;
}

/** Call right after the broker is created, before it handles a connection. `refused` is told
 * about each SUBSCRIBE refused for a "__proto__" filter among others. */
export function keyWireNamesWithoutPrototype(aedes: Aedes, refused: (client: Client, reason: string) => void): void {
  // Not in aedes's types: its internal maps.
  const internals = aedes as unknown as { clients: WireKeyed; brokers: WireKeyed };
  internals.clients = withoutPrototype(internals.clients);
  internals.brokers = withoutPrototype(internals.brokers);
  const handle = aedes.handle.bind(aedes);
  aedes.handle = (stream, request) => {
    const client = handle(stream, request);
    const state = client as Client & { subscriptions: WireKeyed };
    state.subscriptions = withoutPrototype(state.subscriptions);
    // Runs before aedes's own listener (which hands the packet to its handlers).
    const parser = (client as unknown as { _parser: EventEmitter })._parser;
    parser.prependListener("packet", (packet: SubscribePacketLike) => {
      const filters = packet.cmd === "subscribe" ? (packet.subscriptions ?? []) : [];
      if (filters.length < 2 || !filters.some((f) => f.topic === PROTOTYPE_FILTER)) return;
      refused(client, `topic filter "${PROTOTYPE_FILTER}" among ${filters.length} filters of one SUBSCRIBE: aedes 2.0.0-beta.1 can't deduplicate it (local/broker/prototypeSafeKeys.ts); subscribe to it on its own`);
      // An unknown packet type: aedes's handler closes the connection and handles nothing.
      packet.cmd = "refused";
    });
    return client;
  };
}
