/** The broker's persistent sessions on disk, so a restart loses nothing AWS wouldn't: subscriptions,
 * QoS 1 messages queued for offline clients or not yet acknowledged, retained messages and wills
 * live in a LevelDB (classic-level) under `${stateDir}/broker-sessions`, through the maintained
 * aedes-persistence-level. Around it, this store:
 * - bounds what each session keeps after AWS's limits (sessionLimits.ts) and reports every drop;
 * - names every broker run in key order (`aedes.id`), because the queue is keyed by broker id and
 *   a per-run counter: random ids would replay a restarted broker's queue out of order;
 * - ends an MQTT 5 session after the Session Expiry Interval its client asked for (aedes clamps
 *   it to AWS's hour, mqttLimits.ts), also after a restart: aedes 2 times the expiry in memory
 *   only, so the interval is kept next to the session; 3.1.1 sessions get AWS's hour;
 * (A packet acknowledged or dropped while aedes walks the queue: staleDeliveries.ts, for either store.)
 * - opens with an error that says what, where and what to do when the database is locked or
 *   corrupt, and repairs a corrupt one only after copying it aside. */
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import type { Aedes } from "aedes";
import { isExactTopicFilter } from "./exactRetained";
import { ClassicLevel } from "classic-level";
import { CoalescedLevel } from "./coalescedLevel";
import { clientOfKey, OUTGOING, OUTGOING_ID, prefixRange, SUBSCRIPTIONS } from "./levelKeys";
import { StoredClients } from "./storedClients";
import { QueueRate, resolveSessionLimits, sessionExpired, trimQueue, type DropReason, type SessionLimits } from "./sessionLimits";

/** aedes-persistence-level: no types of its own; the aedes persistence interface, as far as used here. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const levelPersistence: (db: ClassicLevel<string, Buffer>) => AedesPersistence = require("aedes-persistence-level");

interface Subscription {
  clientId: string;
  topic: string;
  qos: number;
}
interface QueuedPacket {
  brokerId: string;
  brokerCounter: number;
  messageId?: number;
}
interface ClientRef {
  id: string;
}
export interface AedesPersistence {
  setup(broker: Aedes): Promise<void>;
  subscriptionsByClient(client: ClientRef): Promise<Array<Omit<Subscription, "clientId">>>;
  cleanSubscriptions(client: ClientRef): Promise<void>;
  outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void>;
  outgoingEnqueueCombi(subs: Subscription[], packet: QueuedPacket): Promise<void>;
  outgoingUpdate(client: ClientRef, packet: QueuedPacket): Promise<void>;
  outgoingClearMessageId(client: ClientRef, packet: { messageId?: number }): Promise<QueuedPacket | undefined>;
  outgoingStream(client: ClientRef): AsyncIterable<QueuedPacket>;
  addSubscriptions(client: ClientRef, subs: Array<Omit<Subscription, "clientId">>): Promise<void>;
  putWill(client: ClientRef, packet: unknown): Promise<void>;
  delWill(client: ClientRef): Promise<unknown>;
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): Readable;
  destroy(): Promise<void>;
}

/** A retained message as aedes stores it (what it reads back on SUBSCRIBE). */
interface RetainedPacket {
  topic: string;
  payload: Buffer;
  [field: string]: unknown;
}

/** One report per client and reason and sweep: what was let go, and why. */
export interface SessionDrop {
  clientId: string;
  reason: DropReason | "session expired";
  /** Messages dropped (for "session expired": the queued messages that went with the session). */
  messages: number;
}

export interface SessionStoreOptions {
  stateDir: string;
  limits?: Partial<SessionLimits>;
  onDrop?: (drop: SessionDrop) => void;
  log?: (line: string) => void;
  now?: () => number;
}

interface QueueEntry {
  brokerId: string;
  brokerCounter: number;
  messageId?: number;
  queuedAt: number;
}

const SESSIONS_DIR = "broker-sessions";
/** The `code` of the error for a state dir whose sessions another process holds. */
export const STATE_DIR_IN_USE = "STATE_DIR_IN_USE";
const BOOT_COUNTER_KEY = "snapfleet:boots";
/** `${SESSION_EXPIRY}{encodeURIComponent(clientId)}`: an MQTT 5 session's expiry interval in ms. */
const SESSION_EXPIRY = "snapfleet:session-expiry:";
/** How often expired sessions and messages are looked for (AWS: "approximate", never early). */
const SWEEP_INTERVAL_MS = 60_000;
const pad16 = (n: number) => String(n).padStart(16, "0");
const clientPart = (id: string) => encodeURIComponent(id);

export class SessionStore {
  /** What went, by reason, since the broker started. */
  readonly dropped: Record<DropReason | "sessions", number> = { expired: 0, overflow: 0, rate: 0, sessions: 0 };
  readonly limits: SessionLimits;
  readonly persistence: AedesPersistence;
  private readonly queues = new Map<string, QueueEntry[]>();
  /** Disconnected persistent sessions: since when (a restart counts as the disconnect). */
  private readonly disconnectedAt = new Map<string, number>();
  /** MQTT 5 sessions' own expiry (ms); others expire after `limits.sessionExpiryMs`. */
  private readonly sessionExpiryMs = new Map<string, number>();
  private readonly rate: QueueRate;
  /** Tails of the ordered lanes (see inOrder). */
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private broker: Aedes | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** Every retained message by topic, as on disk (see wrap: createRetainedStreamCombi). */
  private readonly retained = new Map<string, RetainedPacket>();
  /** Who may have subscriptions, a will or queued messages on disk (see wrap: their reads). */
  private stored = new StoredClients();

  private constructor(
    private readonly db: ClassicLevel<string, Buffer>,
    readonly brokerId: string,
    private readonly options: SessionStoreOptions,
  ) {
    this.limits = resolveSessionLimits(options.limits);
    this.now = options.now ?? Date.now;
    this.rate = new QueueRate(this.limits);
    this.persistence = this.wrap(levelPersistence(db));
  }

  /** Opens (creating, or repairing after a copy) the session database of a state dir. */
  static async open(options: SessionStoreOptions): Promise<SessionStore> {
    const limits = resolveSessionLimits(options.limits); // bad options fail before the disk is touched
    const location = path.join(options.stateDir, SESSIONS_DIR);
    const db = await openDatabase(location, options.log ?? (() => {}));
    try {
      const boots = Number((await db.get(BOOT_COUNTER_KEY, { valueEncoding: "utf8" })) ?? 0) + 1;
      await db.put(BOOT_COUNTER_KEY, String(boots), { valueEncoding: "utf8" });
      // Every write through it, the store's own too: its cache of queued messages must see them all.
      return new SessionStore(new CoalescedLevel(db).asDatabase(), `local-${String(boots).padStart(10, "0")}`, { ...options, limits });
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  get location(): string {
    return this.db.location;
  }

  /** Messages queued (or in flight) for a client, as the store counts them. */
  queued(clientId: string): number {
    return this.queues.get(clientId)?.length ?? 0;
  }

  /** Follows connects and disconnects for the session expiry, and starts the sweeps. */
  attach(aedes: Aedes): void {
    aedes.on("client", (client) => {
      this.disconnectedAt.delete(client.id);
      this.keepSessionExpiry(client.id, undefined);
    });
    aedes.on("clientDisconnect", (client) => {
      if (client.clean) return;
      this.disconnectedAt.set(client.id, this.now());
      // aedes 2: an MQTT 5 client's negotiated interval in seconds (`clean` when 0).
      if (client.version === 5) this.keepSessionExpiry(client.id, client.sessionExpiryInterval * 1000);
    });
    this.sweeper = setInterval(() => void this.sweep().catch((e) => this.options.log?.(`broker: session sweep failed: ${(e as Error).message}`)), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Ends sessions past their expiry and drops queued messages past theirs; reports both. */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const [clientId, since] of [...this.disconnectedAt]) {
      if (this.expired(clientId, since, now)) await this.expireSession(clientId);
    }
    for (const clientId of [...this.queues.keys()]) await this.trim(clientId);
  }

  /** After aedes closed: stops the sweeps and closes the database. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    // Writes still settling (the closing clients' last messages) finish before the database goes.
    await Promise.all([...this.lanes.values()]);
    await this.persistence.destroy();
  }

  private wrap(inner: AedesPersistence): AedesPersistence {
    const store = this;
    const wrapper: AedesPersistence = Object.create(inner);
    // aedes checks that setup is an async function.
    wrapper.setup = async function setup(broker: Aedes) {
      store.broker = broker;
      await inner.setup(broker);
      await store.loadIndex(inner);
      store.stored = await StoredClients.load(store.db);
      for await (const packet of inner.createRetainedStreamCombi(["#"])) store.retained.set((packet as RetainedPacket).topic, packet as RetainedPacket);
    };
    // aedes-persistence-level answers a SUBSCRIBE's retained messages by reading and decoding
    // every retained message on disk once per filter (asyncPersistence.js retainedMessagesByPattern):
    // quadratic in the fleet (each of 1,000 devices' status is retained, and each device
    // subscribes), and under that load its LevelDB iterator failed with "Iterator is not open"
    // on a stream nobody listens to for errors, which ended the process. The broker asks only
    // for exact filters (exactRetained.ts, as AWS), so it reads them from this copy, kept in
    // call order like aedes's own writes; the disk stays the store across restarts.
    wrapper.storeRetained = (packet) => {
      if (packet.payload.length === 0) store.retained.delete(packet.topic);
      else store.retained.set(packet.topic, { ...packet });
      return inner.storeRetained(packet);
    };
    wrapper.createRetainedStreamCombi = (patterns) => {
      if (!patterns.every(isExactTopicFilter)) return inner.createRetainedStreamCombi(patterns);
      const found = [...new Set(patterns)].map((topic) => store.retained.get(topic)).filter((p) => p !== undefined);
      return Readable.from(found);
    };
    wrapper.subscriptionsByClient = async (client) => {
      // A client resuming a session past its expiry finds none (CONNACK sessionPresent 0).
      const since = store.disconnectedAt.get(client.id);
      if (since !== undefined && store.expired(client.id, since, store.now())) await store.expireSession(client.id);
      // A device's first CONNECT has none stored: no LevelDB iterator for it (storedClients.ts).
      return store.stored.mayHave("subscriptions", client.id) ? inner.subscriptionsByClient(client) : [];
    };
    wrapper.addSubscriptions = (client, subs) => {
      store.stored.add("subscriptions", client.id);
      return inner.addSubscriptions(client, subs);
    };
    wrapper.cleanSubscriptions = (client) => (store.stored.mayHave("subscriptions", client.id) ? inner.cleanSubscriptions(client) : Promise.resolve());
    // aedes deletes the stored will before it stores a CONNECT's will (a read, then a delete).
    wrapper.putWill = (client, packet) => {
      store.stored.add("will", client.id);
      return inner.putWill(client, packet);
    };
    wrapper.delWill = (client) => (store.stored.mayHave("will", client.id) ? inner.delWill(client) : Promise.resolve(undefined));
    // aedes empties a connecting client's queue from disk: none there, no LevelDB iterator.
    wrapper.outgoingStream = (client) => (store.stored.mayHave("queue", client.id) ? inner.outgoingStream(client) : Readable.from([]));
    // LevelDB completes concurrent writes in any order, and aedes sends a message on to its
    // subscribers when its write completes. The writes run concurrently (LevelDB groups them)
    // but settle in call order per topic, so a sender's messages go out in the order they came.
    wrapper.outgoingEnqueueCombi = (subs, packet) => store.inOrder(`enqueue:${(packet as { topic?: string }).topic}`, enqueue(subs, packet));
    const enqueue = async (subs: Subscription[], packet: QueuedPacket) => {
      const now = store.now();
      const admitted = (subs ?? []).filter((sub) => store.isOnline(sub.clientId) || store.admitOffline(sub.clientId, now));
      for (const sub of admitted) store.stored.add("queue", sub.clientId);
      // Into the index at once (before any await), so it keeps the enqueue order.
      for (const sub of admitted) {
        const queue = store.queues.get(sub.clientId) ?? [];
        queue.push({ brokerId: packet.brokerId, brokerCounter: packet.brokerCounter, queuedAt: now });
        store.queues.set(sub.clientId, queue);
      }
      await inner.outgoingEnqueueCombi(admitted, packet);
      for (const sub of admitted) await store.trim(sub.clientId);
    };
    wrapper.outgoingEnqueue = (sub, packet) => wrapper.outgoingEnqueueCombi([{ clientId: sub.clientId, topic: "", qos: 1 }], packet);
    // Per client, settled in call order: aedes writes a delivery when its update settles. A packet
    // no longer queued rejects ("no such packet"), which staleDeliveries.ts turns into a skip.
    wrapper.outgoingUpdate = (client, packet) => store.inOrder(`update:${client.id}`, update(client, packet));
    const update = async (client: ClientRef, packet: QueuedPacket) => {
      await inner.outgoingUpdate(client, packet);
      const entry = store.queues.get(client.id)?.find((e) => e.brokerId === packet.brokerId && e.brokerCounter === packet.brokerCounter);
      if (entry) entry.messageId = packet.messageId;
    };
    wrapper.outgoingClearMessageId = async (client, packet) => {
      const cleared = await inner.outgoingClearMessageId(client, packet);
      if (cleared) store.forget(client.id, cleared);
      return cleared;
    };
    return wrapper;
  }

  /** `started` (already running) settles for its caller only after every earlier one of the same
   * lane has settled, whatever their outcomes: work overlaps, completions keep the call order. */
  private inOrder<T>(lane: string, started: Promise<T>): Promise<T> {
    started.catch(() => undefined); // its failure reaches the caller through `run`, in turn
    const run = (this.lanes.get(lane) ?? Promise.resolve()).then(() => started);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.lanes.set(lane, settled);
    void settled.then(() => {
      if (this.lanes.get(lane) === settled) this.lanes.delete(lane);
    });
    return run;
  }

  private isOnline(clientId: string): boolean {
    // aedes.clients: connected clients by id (not in its types).
    const clients = (this.broker as unknown as { clients?: Record<string, { connected?: boolean }> } | undefined)?.clients;
    return clients?.[clientId]?.connected === true;
  }

  private admitOffline(clientId: string, now: number): boolean {
    if (this.rate.admit(now)) return true;
    this.report(clientId, "rate", 1);
    return false;
  }

  private forget(clientId: string, packet: QueuedPacket): void {
    const queue = this.queues.get(clientId);
    if (!queue) return;
    const at = queue.findIndex((e) => e.brokerId === packet.brokerId && e.brokerCounter === packet.brokerCounter);
    if (at >= 0) queue.splice(at, 1);
    if (queue.length === 0) this.queues.delete(clientId);
  }

  private async trim(clientId: string): Promise<void> {
    const queue = this.queues.get(clientId);
    if (!queue) return;
    const { expired, overflow } = trimQueue(queue, this.now(), this.limits);
    if (expired + overflow === 0) return;
    const dropped = queue.splice(0, expired + overflow);
    if (queue.length === 0) this.queues.delete(clientId);
    const part = clientPart(clientId);
    await this.db.batch(
      dropped.flatMap((e) => [
        { type: "del" as const, key: `${OUTGOING}${part}:${e.brokerId}:${pad16(e.brokerCounter)}` },
        ...(e.messageId ? [{ type: "del" as const, key: `${OUTGOING_ID}${part}:${pad16(e.messageId)}` }] : []),
      ]),
    );
    if (expired) this.report(clientId, "expired", expired);
    if (overflow) this.report(clientId, "overflow", overflow);
  }

  private expired(clientId: string, disconnectedAt: number, now: number): boolean {
    return sessionExpired(disconnectedAt, now, { sessionExpiryMs: this.sessionExpiryMs.get(clientId) ?? this.limits.sessionExpiryMs });
  }

  /** Remembers (on disk too) an MQTT 5 session's expiry interval, or forgets it (undefined). */
  private keepSessionExpiry(clientId: string, ms: number | undefined): void {
    const key = `${SESSION_EXPIRY}${clientPart(clientId)}`;
    if (ms === undefined && !this.sessionExpiryMs.delete(clientId)) return;
    if (ms !== undefined) this.sessionExpiryMs.set(clientId, ms);
    const write = ms === undefined ? this.db.del(key) : this.db.put(key, String(ms), { valueEncoding: "utf8" });
    // In a lane, so close() waits for it and a later write of the same client lands last.
    void this.inOrder(`expiry:${clientId}`, write).catch((e: Error) => this.options.log?.(`broker: client "${clientId}": can't store its session expiry: ${e.message}`));
  }

  private async expireSession(clientId: string): Promise<void> {
    const expiryMs = this.sessionExpiryMs.get(clientId) ?? this.limits.sessionExpiryMs;
    this.disconnectedAt.delete(clientId);
    this.keepSessionExpiry(clientId, undefined);
    const messages = this.queues.get(clientId)?.length ?? 0;
    this.queues.delete(clientId);
    await this.persistence.cleanSubscriptions({ id: clientId });
    const part = clientPart(clientId);
    await this.db.clear(prefixRange(`${OUTGOING}${part}:`));
    await this.db.clear(prefixRange(`${OUTGOING_ID}${part}:`));
    this.dropped.sessions++;
    this.report(clientId, "session expired", messages, expiryMs);
  }

  private report(clientId: string, reason: SessionDrop["reason"], messages: number, sessionExpiryMs = this.limits.sessionExpiryMs): void {
    if (reason !== "session expired") this.dropped[reason] += messages;
    const what =
      reason === "session expired"
        ? `session expired after ${Math.round(sessionExpiryMs / 1000)} s offline (subscriptions and ${messages} queued messages discarded)`
        : reason === "expired"
          ? `dropped ${messages} queued messages older than ${Math.round(this.limits.messageExpiryMs / 1000)} s`
          : reason === "overflow"
            ? `dropped the ${messages} oldest queued messages (more than ${this.limits.maxQueuedPerClient} queued)`
            : `dropped a message for the offline client (more than ${this.limits.queuedPerSecond} queued per second)`;
    this.options.log?.(`broker: client "${clientId}": ${what}`);
    this.options.onDrop?.({ clientId, reason, messages });
  }

  /** The queues and offline sessions a restarted broker starts with: every stored message gets a
   * fresh hour and every stored session counts as disconnected now (never earlier than AWS). */
  private async loadIndex(inner: AedesPersistence): Promise<void> {
    const now = this.now();
    const clients = new Set<string>();
    for await (const key of this.db.keys(prefixRange(OUTGOING))) clients.add(clientOfKey(key, OUTGOING));
    for (const id of clients) {
      const queue: QueueEntry[] = [];
      for await (const p of inner.outgoingStream({ id })) queue.push({ brokerId: p.brokerId, brokerCounter: p.brokerCounter, messageId: p.messageId, queuedAt: now });
      if (queue.length > 0) this.queues.set(id, queue);
    }
    for await (const key of this.db.keys(prefixRange(SUBSCRIPTIONS))) clients.add(clientOfKey(key, SUBSCRIPTIONS));
    for (const id of clients) this.disconnectedAt.set(id, now);
    for await (const [key, value] of this.db.iterator({ ...prefixRange(SESSION_EXPIRY), valueEncoding: "utf8" })) {
      const ms = Number(value);
      if (Number.isFinite(ms) && ms >= 0) this.sessionExpiryMs.set(decodeURIComponent(key.slice(SESSION_EXPIRY.length)), ms);
    }
  }
}

/** Opens the database; a lock or corruption gets an error that says what, where and what to do.
 * A corrupt one is copied aside (nothing deleted), repaired with LevelDB's own repair, which
 * keeps every record it can read, and opened again. */
async function openDatabase(location: string, log: (line: string) => void): Promise<ClassicLevel<string, Buffer>> {
  fs.mkdirSync(path.dirname(location), { recursive: true });
  const open = async () => {
    const db = new ClassicLevel<string, Buffer>(location, { valueEncoding: "buffer" });
    await db.open();
    return db;
  };
  try {
    return await open();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === "LEVEL_LOCKED") {
      // The code lets a command say it in its own words (snapfleet dev: STATE_DIR_IN_USE).
      throw Object.assign(
        new Error(
          `LocalBroker: the session database ${location} is in use by another process (${cause.message}). ` +
            `Another local cloud or \`snapfleet dev\` runs on the same state dir: stop it, or give this one another state dir.`,
        ),
        { code: STATE_DIR_IN_USE },
      );
    }
    if (cause?.code !== "LEVEL_CORRUPTION") {
      throw new Error(`LocalBroker: can't open the session database ${location}: ${cause?.message ?? (error as Error).message}. Check that the directory is readable and writable.`);
    }
    const aside = `${location}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    fs.cpSync(location, aside, { recursive: true });
    log(`broker: the session database ${location} is corrupt (${cause.message}); a copy is in ${aside}; repairing it, keeping every record LevelDB can read`);
    try {
      await ClassicLevel.repair(location);
      return await open();
    } catch (repairError) {
      throw new Error(
        `LocalBroker: the session database ${location} is corrupt (${cause.message}) and LevelDB's repair failed (${(repairError as Error).message}). ` +
          `The original is copied to ${aside}. To start with empty sessions, move ${location} away and start again.`,
      );
    }
  }
}
