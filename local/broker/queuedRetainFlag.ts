/** The RETAIN flag of a message queued for an offline persistent session (issue 13).
 *
 * MQTT 3.1.1 §3.3.1.3: the Server MUST set RETAIN 1 when it sends a PUBLISH because a new
 * subscription was made, and MUST set it to 0 when it sends one because it matches an established
 * subscription, whatever the flag on the message it received. MQTT 5 §3.3.1.3 says the same unless
 * the subscription asked for Retain As Published. AWS IoT Core: "Retained messages received upon
 * subscribing to a retained message topic have the RETAIN flag set. Retained messages that are
 * received by a subscribing client after subscription, don't."
 * (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-retain)
 *
 * aedes clears the flag on a live delivery (its subscription's deliver function, unless `rap`), but
 * it queues the message for an offline session as received (aedes.js enqueueOffline) and replays
 * that queue on reconnect straight to the socket (lib/handlers/connect.js emptyQueue): a retained
 * publish that arrived while a device was away, typically its own last will on its status topic,
 * reached it with RETAIN 1, as if its resumed subscription were a new one. A device that leaves a
 * RETAIN 1 offline unanswered (the supervisors' ownStatusHeard) then skipped an answer it gives on
 * AWS, so the local tests counted one status publish per reconnect fewer than AWS makes.
 *
 * Every queued copy is for an established subscription (the one in the persistence that matched,
 * aedes.js DoEnqueues), never for a new one: aedes sends a new subscription's retained messages
 * itself, with RETAIN 1, and never queues them (lib/client.js deliverQoS skips `outgoingUpdate`
 * for a retained packet). So the copy is stored with the flag the live path would give it: 0, or as
 * published for a subscription with Retain As Published. Put on whichever persistence the broker
 * runs with (in memory or sessionStore.ts on disk), after aedes created it, as exactRetained.ts
 * wraps it; both copy the packet per client on enqueue, so each copy keeps its own flag. */
import type { Aedes } from "aedes";

/** What aedes's persistences hand `outgoingEnqueueCombi`: the matching subscriptions of offline
 * and online persistent sessions, with their MQTT 5 options (`rap`: Retain As Published). */
interface SessionSubscription {
  clientId: string;
  topic: string;
  qos: number;
  rap?: boolean;
}
interface QueuedPublish {
  retain?: boolean;
}
interface QueueingPersistence {
  outgoingEnqueueCombi(subs: SessionSubscription[], packet: QueuedPublish): Promise<unknown>;
}

export function queueWithRetainAsDelivered(aedes: Aedes): void {
  // `persistence` is public in aedes but missing from its type declarations.
  const persistence = (aedes as unknown as { persistence: QueueingPersistence }).persistence;
  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
  persistence.outgoingEnqueueCombi = async (subs, packet) => {
    if (!packet.retain || !subs?.length) return enqueue(subs, packet);
    const asPublished = subs.filter((sub) => sub.rap === true);
    const established = subs.filter((sub) => sub.rap !== true);
    // The persistences copy what they store (aedes-packet's Packet), so one unflagged copy serves all.
    await Promise.all([
      established.length > 0 ? enqueue(established, { ...packet, retain: false }) : undefined,
      asPublished.length > 0 ? enqueue(asPublished, packet) : undefined,
    ]);
  };
}
