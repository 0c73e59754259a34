/** The co-processor's custody of the downlink: the messages the cloud handed it for the MCU
 * that the MCU has not yet link-acknowledged, in arrival order, kept on disk as a real
 * co-processor would keep them in its own flash. The MQTT 3.1.1 client PUBACKs a QoS 1 message
 * itself on receipt (coprocessor.ts's header), so once a message is here the broker has
 * forgotten it: the journal is what lets a killed and restarted co-processor send it again.
 *
 * Kept in SQLite (better-sqlite3, the local cloud's database too) rather than a file format of
 * our own: each add and remove is one committed transaction in WAL mode, so a SIGKILL at any
 * point leaves every message added before it and none half-written. `synchronous = NORMAL`: the
 * failure modelled is the co-processor's process dying, after which the kernel still writes what
 * it was given; a host losing power is not (the board's own flash files are the same). A file
 * that is no SQLite database, or a damaged one, is set aside (renamed, with a log line) and a new
 * journal started: the co-processor keeps working, and what was in it is said to be lost.
 * AUTOINCREMENT: a number is never given twice over the file's life, so a message sent again
 * after a restart is never confused with a new one.
 *
 * Bounded: at most MAX_ENTRIES messages. A link message is at most 300 bytes (linkFrame.ts's
 * MAX_BODY), so that is at most about 300 KB of messages, under half the 1 MB data partition an
 * ESP8266/ESP32 module commonly spares, and at the link's pace (a frame acknowledged every few
 * milliseconds) a backlog the MCU works through in seconds once the link is back. A backlog past
 * it is a link down far longer than any QoS 1 message is worth keeping for: the OLDEST message
 * is dropped (the newest commands are the ones still worth acting on), with a log line and
 * `dropped` counting them. */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export const MAX_ENTRIES = 1024;

export interface JournalEntry {
  /** Arrival number, from 1 for the file's life. */
  readonly n: number;
  readonly topic: string;
  readonly payload: string;
}

export class DownlinkJournal {
  /** Messages dropped because the journal was full. */
  dropped = 0;
  /** In arrival order (a Map keeps insertion order): the table's rows, read once at open. */
  private readonly entries = new Map<number, JournalEntry>();
  private readonly insert: Database.Statement<[string, string]>;
  private readonly delete: Database.Statement<[number]>;

  private constructor(
    private readonly db: Database.Database,
    private readonly log: (line: string) => void,
    private readonly maxEntries: number,
  ) {
    db.exec("CREATE TABLE IF NOT EXISTS downlink (n INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL)");
    this.insert = db.prepare("INSERT INTO downlink (topic, payload) VALUES (?, ?)");
    this.delete = db.prepare("DELETE FROM downlink WHERE n = ?");
    for (const row of db.prepare("SELECT n, topic, payload FROM downlink ORDER BY n").all() as JournalEntry[]) this.entries.set(row.n, row);
  }

  /** Opens (or creates) the journal at `file`, with what an earlier co-processor left in it;
   * `file` undefined: kept in memory only (a Coprocessor in tests, without a state dir). */
  static open(file: string | undefined, log: (line: string) => void = () => {}, maxEntries = MAX_ENTRIES): DownlinkJournal {
    if (!file) return new DownlinkJournal(new Database(":memory:"), log, maxEntries);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    let journal: DownlinkJournal;
    try {
      journal = withDatabase(file, (db) => new DownlinkJournal(db, log, maxEntries));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== "SQLITE_CORRUPT" && code !== "SQLITE_NOTADB") throw new Error(`the downlink journal ${file} could not be opened: ${(e as Error).message}`);
      const aside = `${file}.damaged-${Date.now()}`;
      for (const suffix of ["", "-wal", "-shm"]) if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
      log(`[coprocessor] the downlink journal ${file} is damaged (${(e as Error).message}): set aside as ${aside}, a new one started; the messages it held for the MCU are lost`);
      journal = withDatabase(file, (db) => new DownlinkJournal(db, log, maxEntries));
    }
    if (journal.size) log(`[coprocessor] the downlink journal holds ${journal.size} message${journal.size === 1 ? "" : "s"} the MCU has not acknowledged: sending them again, in order`);
    return journal;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The messages not yet acknowledged by the MCU, oldest first. */
  pending(): JournalEntry[] {
    return [...this.waiting()];
  }

  /** The same, without a copy (the co-processor walks it every poll); removing an entry while
   * walking is fine (a Map's iterator skips what was deleted). */
  waiting(): IterableIterator<JournalEntry> {
    return this.entries.values();
  }

  has(n: number): boolean {
    return this.entries.has(n);
  }

  /** Takes a message into custody (committed before this returns); drops the oldest if full. */
  add(topic: string, payload: string): JournalEntry {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.values().next().value as JournalEntry;
      this.dropped++;
      this.log(`[coprocessor] the downlink journal is full (${this.maxEntries} messages the MCU has not acknowledged): the oldest, on ${oldest.topic}, was dropped (${this.dropped} dropped so far)`);
      this.remove(oldest.n);
    }
    const n = Number(this.insert.run(topic, payload).lastInsertRowid);
    const entry = { n, topic, payload };
    this.entries.set(n, entry);
    return entry;
  }

  /** The MCU acknowledged it (or it was dropped): out of custody. */
  remove(n: number): void {
    if (!this.entries.delete(n)) return;
    this.delete.run(n);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Opens the database at `file` and hands it to `use`; closed again if either throws (a damaged
 * file throws at the first read, here or in `use`, and is renamed after). */
function withDatabase<T>(file: string, use: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    fs.chmodSync(file, 0o600);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    return use(db);
  } catch (e) {
    db.close();
    throw e;
  }
}
