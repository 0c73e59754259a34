/** The session database (sessionStore.ts) as aedes-persistence-level and the store use it, with
 * fewer trips to LevelDB. A QoS 1 delivery to a persistent session costs aedes-persistence-level
 * six LevelDB operations, each a job on libuv's thread pool: the enqueue's put, the update's get
 * and two puts (when the message gets its id), the PUBACK's get and batch of two deletes. With a
 * thousand devices starting, that path was about a tenth of the broker's main thread (README
 * "A thousand devices"). Here:
 * - the writes (put, del, batch) made in one event-loop turn go to LevelDB as one batch, in call
 *   order. A write's promise still settles only once its batch is written, so everything aedes
 *   waits for before it goes on is as durable as before: a message queued for a persistent
 *   session is on disk before the publisher's PUBACK, as it was (AWS: a persistent session
 *   keeps a client's unacknowledged QoS 1 messages,
 *   https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-persistent-sessions);
 * - the queued-message records this run wrote (`outgoing:`, `outgoing-id:`) are also kept in
 *   memory, up to MAX_CACHED, so the two reads of each delivery don't go to disk. Records of an
 *   earlier run are read from disk as before. */
import type { ClassicLevel } from "classic-level";

/** aedes-persistence-level's queued-message key prefixes (its asyncPersistence.js; sessionStore.ts). */
const CACHED_PREFIX = "outgoing";
/** About 300 bytes each: a few MB. Past it, records are read from disk as before. */
const MAX_CACHED = 20_000;

type Options = { valueEncoding?: string; [option: string]: unknown };
interface Op {
  type: "put" | "del";
  key: string;
  value?: unknown;
  valueEncoding?: string;
  [option: string]: unknown;
}
interface Pending {
  ops: Op[];
  settle: { resolve: () => void; reject: (e: Error) => void }[];
}

const isBufferEncoding = (options?: Options) => options?.valueEncoding === undefined || options.valueEncoding === "buffer" || options.valueEncoding === "binary";

export class CoalescedLevel {
  /** For tests: LevelDB batches written, the operations they carried, reads served from memory. */
  readonly counters = { batches: 0, operations: 0, cachedReads: 0 };
  private pending: Pending | undefined;
  /** Batches being written. They may overlap, as the single writes they replace did (LevelDB
   * queues concurrent writes itself): what must come after a write is issued after it settled. */
  private readonly writing = new Set<Promise<void>>();
  /** Queued-message records as last written by this run; null: deleted. */
  private readonly cache = new Map<string, Buffer | null>();

  constructor(readonly db: ClassicLevel<string, Buffer>) {}

  /** What aedes-persistence-level and the store call the database: these methods here, the rest
   * (iterators, close, location) on the database itself. */
  asDatabase(): ClassicLevel<string, Buffer> {
    const own = { get: this.get, put: this.put, del: this.del, batch: this.batch, clear: this.clear, close: this.close } as Record<string, unknown>;
    return new Proxy(this.db, {
      get: (target, property) => {
        if (typeof property === "string" && property in own) return own[property];
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  readonly get = (key: string, options?: Options): Promise<Buffer | undefined> => {
    const cached = this.cache.get(key);
    if (cached !== undefined && isBufferEncoding(options)) {
      this.counters.cachedReads++;
      return Promise.resolve(cached ?? undefined);
    }
    return this.db.get(key, options as never) as Promise<Buffer | undefined>;
  };

  readonly put = (key: string, value: unknown, options?: Options): Promise<void> => this.write([{ ...options, type: "put", key, value }]);

  readonly del = (key: string, options?: Options): Promise<void> => this.write([{ ...options, type: "del", key }]);

  /** `batch(ops, options)`, or `batch()` for a chained batch (put, del, write). */
  readonly batch = ((ops?: Op[], options?: Options) => {
    if (ops === undefined) return this.chained();
    return this.write(ops.map((op) => ({ ...options, ...op })));
  }) as (ops?: Op[], options?: Options) => Promise<void>;

  /** After every write before it; forgets the cached records (clears are rare: an expired session). */
  readonly clear = async (range: Record<string, unknown>): Promise<void> => {
    await this.settled(); // the writes before it first
    this.cache.clear();
    await this.db.clear(range as never);
  };

  /** Writes what is pending, then closes the database. */
  readonly close = async (): Promise<void> => {
    await this.settled();
    await this.db.close();
  };

  /** Once every write made so far has been written (or failed). */
  private async settled(): Promise<void> {
    if (this.pending) this.flush(this.pending);
    await Promise.all(this.writing);
  }

  private chained() {
    const ops: Op[] = [];
    const chain = {
      put: (key: string, value: unknown, options?: Options) => (ops.push({ ...options, type: "put", key, value }), chain),
      del: (key: string, options?: Options) => (ops.push({ ...options, type: "del", key }), chain),
      write: () => this.write(ops),
    };
    return chain;
  }

  private write(ops: Op[]): Promise<void> {
    for (const op of ops) this.remember(op);
    const pending = (this.pending ??= this.startTurn());
    pending.ops.push(...ops);
    return new Promise<void>((resolve, reject) => pending.settle.push({ resolve, reject }));
  }

  /** The writes of this turn, written as one batch once the turn is over. */
  private startTurn(): Pending {
    const pending: Pending = { ops: [], settle: [] };
    setImmediate(() => this.flush(pending));
    return pending;
  }

  private flush(pending: Pending): void {
    if (this.pending !== pending) return; // flushed already (a clear or close came first)
    this.pending = undefined;
    this.counters.batches++;
    this.counters.operations += pending.ops.length;
    const written = this.db.batch(pending.ops as never).then(
      () => {
        for (const op of pending.ops) if (op.type === "del" && this.cache.get(op.key) === null) this.cache.delete(op.key);
        for (const s of pending.settle) s.resolve();
      },
      (error: Error) => {
        this.cache.clear(); // it may hold what was not written
        for (const s of pending.settle) s.reject(error);
      },
    );
    this.writing.add(written);
    void written.then(() => this.writing.delete(written));
  }

  private remember(op: Op): void {
    if (!op.key.startsWith(CACHED_PREFIX)) return;
    const known = this.cache.has(op.key);
    if (!known && this.cache.size >= MAX_CACHED) return;
    if (op.type === "del") this.cache.set(op.key, null);
    else if (Buffer.isBuffer(op.value) && isBufferEncoding(op)) this.cache.set(op.key, op.value);
    else this.cache.delete(op.key);
  }
}
