/** Which clients may have something of their session on disk: subscriptions, a last will,
 * queued messages. aedes reads all three for every CONNECT (a persistent session's
 * subscriptions, the will it replaces, the queue it then empties), and aedes-persistence-level
 * answers each with a LevelDB read: two iterators and a get, three trips to libuv's pool and
 * their decoding on the main thread, also for a device that connects for the first time and has
 * nothing stored. With 1,000 devices starting, those reads were about a tenth of the broker
 * thread's CPU per connect (README "A thousand devices", bench/deviceConnect.bench.ts).
 *
 * The sets here are supersets of what is on disk: filled from the database's keys when the
 * broker starts, and a client is added before any write that may store something for it (so a
 * read that races the write still goes to disk). Nobody is removed while the broker runs: a
 * delete may race a later write of the same client, and a client once added is just read as
 * before. A client not in a set has nothing of that kind on disk, so its read can be answered
 * empty without LevelDB; what a restarted broker or a resumed session finds is unchanged. */
import type { ClassicLevel } from "classic-level";
import { clientOfKey, OUTGOING, prefixRange, SUBSCRIPTIONS, WILL } from "./levelKeys";

/** Each kind's key prefix (levelKeys.ts). */
const PREFIXES = { subscriptions: SUBSCRIPTIONS, will: WILL, queue: OUTGOING } as const;
export type StoredKind = keyof typeof PREFIXES;

export class StoredClients {
  private readonly sets: Record<StoredKind, Set<string>> = { subscriptions: new Set(), will: new Set(), queue: new Set() };

  /** Every client with a key of each kind in the database (keys only, values not read). */
  static async load(db: ClassicLevel<string, Buffer>): Promise<StoredClients> {
    const stored = new StoredClients();
    for (const [kind, prefix] of Object.entries(PREFIXES) as [StoredKind, string][]) {
      for await (const key of db.keys(prefixRange(prefix))) stored.sets[kind].add(clientOfKey(key, prefix));
    }
    return stored;
  }

  /** Before a write that may store something of this kind for the client. */
  add(kind: StoredKind, clientId: string): void {
    this.sets[kind].add(clientId);
  }

  /** false: certainly nothing of this kind on disk for the client. */
  mayHave(kind: StoredKind, clientId: string): boolean {
    return this.sets[kind].has(clientId);
  }
}
