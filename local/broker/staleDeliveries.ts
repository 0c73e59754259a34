/** The double drop after a freeze (issue 18 item 3): when a device comes back with its session,
 * aedes walks the device's queue from a snapshot while the device acknowledges (and new messages
 * arrive): a message acknowledged or dropped meanwhile is no longer in the store. The persistence
 * answers aedes's `outgoingUpdate` for it with "no such packet", which aedes treats as a client
 * error (lib/handlers/connect.js emptyQueueFilter, lib/client.js writeQoS): it closes the
 * connection it has just accepted, and the link falls again right after the reconnect.
 *
 * Gone is gone: the walk skips such a message (the guarded authorizeForward refuses it, and its
 * message id is not cleared, since it has none in the store), and a live delivery writes its copy
 * (at-least-once allows it; receivers drop repeats by envelope id).
 *
 * Both of aedes's persistences answer so: the in-memory one (aedes-persistence, sessions in memory)
 * and the on-disk one (aedes-persistence-level through sessionStore.ts). The guard is therefore put
 * on whichever the broker runs with, after aedes created it, the way exactRetained.ts wraps it. */
import type { Aedes, AuthorizeForwardHandler } from "aedes";

/** The message both persistences reject an update of a packet no longer queued with. */
const NO_SUCH_PACKET = "no such packet";

interface QueuedPacket {
  messageId?: number;
}
interface OutgoingPersistence {
  outgoingUpdate(client: { id: string }, packet: QueuedPacket): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: QueuedPacket): Promise<QueuedPacket | undefined>;
}

export class StaleDeliveries {
  /** Deliveries skipped because their message was acknowledged or dropped while aedes walked the queue. */
  skipped = 0;
  private readonly gone = new WeakSet<object>();

  /** Guards `aedes` (its persistence and its authorizeForward) from now on. */
  static guard(aedes: Aedes): StaleDeliveries {
    const stale = new StaleDeliveries();
    // `persistence` is public in aedes but missing from its type declarations.
    const persistence = (aedes as unknown as { persistence: OutgoingPersistence }).persistence;
    const update = persistence.outgoingUpdate.bind(persistence);
    const clear = persistence.outgoingClearMessageId.bind(persistence);
    persistence.outgoingUpdate = async (client, packet) => {
      try {
        await update(client, packet);
      } catch (error) {
        if ((error as Error)?.message !== NO_SUCH_PACKET) throw error;
        stale.gone.add(packet);
        stale.skipped++;
      }
    };
    persistence.outgoingClearMessageId = async (client, packet) => (stale.gone.has(packet) ? undefined : clear(client, packet));
    const authorizeForward: AuthorizeForwardHandler = aedes.authorizeForward.bind(aedes);
    aedes.authorizeForward = (client, packet) => (stale.gone.has(packet) ? null : authorizeForward(client, packet));
    return stale;
  }
}
