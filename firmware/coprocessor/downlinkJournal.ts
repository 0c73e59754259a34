/** The co-processor's custody of the downlink: the messages the cloud handed it for the MCU
 * that the MCU has not yet link-acknowledged, in arrival order, kept in a file as a real
 * co-processor would keep them in its own flash. The MQTT 3.1.1 client PUBACKs a QoS 1 message
 * itself on receipt (coprocessor.ts's header), so once a message is here the broker has
 * forgotten it: the file is what lets a killed and restarted co-processor send it again.
 *
 * The file is append-only, one record a line: `<crc32 hex> A <n> <base64 of [topic, payload]>`
 * when a message arrives, `<crc32 hex> D <n>` when the MCU acknowledged it (or it was dropped);
 * the CRC covers the rest of the line. A write is one write(2) of whole lines, done before the
 * message goes further, so a SIGKILL can at worst cut the last line short: it fails its CRC (or
 * has no newline) and is ignored with a log line, and every line before it stands. Not fsync'd:
 * the failure modelled is the co-processor's process dying, after which the kernel still writes
 * what it was given; a host losing power is not (the board's own flash files are the same).
 * On open, and when the removed records outnumber the live ones, the file is rewritten with the
 * live entries only (to a temporary file, then renamed over it: either file is whole).
 *
 * Bounded: at most MAX_ENTRIES messages. A link message is at most 300 bytes (linkFrame.ts's
 * MAX_BODY), so that is at most about 450 KB on file (base64; measured 447,122 B for 1,024
 * messages of 258 B), under half the 1 MB data partition an ESP8266/ESP32 module commonly
 * spares, and at the link's pace (a frame acknowledged every few
 * milliseconds) a backlog the MCU works through in seconds once the link is back. A backlog past
 * it is a link down far longer than any QoS 1 message is worth keeping for: the OLDEST message
 * is dropped (the newest commands are the ones still worth acting on), with a log line and
 * `dropped` counting them. */
import fs from "node:fs";
import path from "node:path";
import { crc32 } from "node:zlib";

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
  /** Lines of the file ignored at open (cut short by a kill, or damaged). */
  ignoredLines = 0;
  /** In arrival order (a Map keeps insertion order). */
  private readonly entries = new Map<number, JournalEntry>();
  private nextN = 1;
  private fd: number | undefined;
  /** Records on file that no longer count (removed entries and their D lines). */
  private dead = 0;

  /** `file` undefined: kept in memory only (a Coprocessor in tests, without a state dir). */
  private constructor(
    private readonly file: string | undefined,
    private readonly log: (line: string) => void,
    private readonly maxEntries: number,
  ) {}

  /** Opens (or creates) the journal at `file`, with what an earlier co-processor left in it. */
  static open(file: string | undefined, log: (line: string) => void = () => {}, maxEntries = MAX_ENTRIES): DownlinkJournal {
    const journal = new DownlinkJournal(file, log, maxEntries);
    if (file) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      journal.load(file);
      journal.rewrite();
    }
    return journal;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The messages not yet acknowledged by the MCU, oldest first. */
  pending(): JournalEntry[] {
    return [...this.entries.values()];
  }

  has(n: number): boolean {
    return this.entries.has(n);
  }

  /** Takes a message into custody (on file before this returns); drops the oldest if full. */
  add(topic: string, payload: string): JournalEntry {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.values().next().value as JournalEntry;
      this.dropped++;
      this.log(`[coprocessor] the downlink journal is full (${this.maxEntries} messages the MCU has not acknowledged): the oldest, on ${oldest.topic}, was dropped (${this.dropped} dropped so far)`);
      this.remove(oldest.n);
    }
    const entry = { n: this.nextN++, topic, payload };
    this.entries.set(entry.n, entry);
    this.append(`A ${entry.n} ${Buffer.from(JSON.stringify([topic, payload]), "utf8").toString("base64")}`);
    return entry;
  }

  /** The MCU acknowledged it (or it was dropped): out of custody. */
  remove(n: number): void {
    if (!this.entries.delete(n)) return;
    this.append(`D ${n}`);
    this.dead += 2;
    if (this.file && this.dead > Math.max(64, 2 * this.entries.size)) this.rewrite();
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private append(record: string): void {
    if (this.fd === undefined) return;
    fs.writeSync(this.fd, line(record));
  }

  private load(file: string): void {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new Error(`the downlink journal ${file} could not be read: ${(e as Error).message}; remove it to start with an empty one (its messages are lost)`);
    }
    const lines = text.split("\n");
    const tail = lines.pop(); // after the last newline: "" unless a write was cut short
    if (tail) this.ignore(file, lines.length + 1, "cut short (the co-processor was stopped while writing it)");
    lines.forEach((l, i) => {
      const record = parse(l);
      if (!record) return this.ignore(file, i + 1, "damaged (its CRC does not match)");
      this.nextN = Math.max(this.nextN, record.n + 1);
      if (record.kind === "D") this.entries.delete(record.n);
      else this.entries.set(record.n, { n: record.n, topic: record.topic, payload: record.payload });
    });
    if (this.entries.size) this.log(`[coprocessor] the downlink journal holds ${this.entries.size} message${this.entries.size === 1 ? "" : "s"} the MCU has not acknowledged: sending them again, in order`);
  }

  private ignore(file: string, lineNumber: number, why: string): void {
    this.ignoredLines++;
    this.log(`[coprocessor] the downlink journal ${file}: line ${lineNumber} ignored, ${why}`);
  }

  /** The live entries only, written beside the file and renamed over it. */
  private rewrite(): void {
    const file = this.file!;
    this.close();
    const temporary = `${file}.tmp`;
    const records = this.pending().map((e) => line(`A ${e.n} ${Buffer.from(JSON.stringify([e.topic, e.payload]), "utf8").toString("base64")}`));
    fs.writeFileSync(temporary, records.join(""), { mode: 0o600 });
    fs.renameSync(temporary, file);
    this.dead = 0;
    this.fd = fs.openSync(file, "a", 0o600);
  }
}

function line(record: string): string {
  return `${crc32(record).toString(16).padStart(8, "0")} ${record}\n`;
}

type Record = { kind: "A"; n: number; topic: string; payload: string } | { kind: "D"; n: number };

function parse(l: string): Record | undefined {
  const space = l.indexOf(" ");
  const record = l.slice(space + 1);
  if (space !== 8 || crc32(record).toString(16).padStart(8, "0") !== l.slice(0, 8)) return undefined;
  const [kind, number, body] = record.split(" ");
  const n = Number(number);
  if (!Number.isSafeInteger(n) || n < 1) return undefined;
  if (kind === "D") return { kind, n };
  if (kind !== "A" || body === undefined) return undefined;
  try {
    const [topic, payload] = JSON.parse(Buffer.from(body, "base64").toString("utf8")) as unknown[];
    if (typeof topic !== "string" || typeof payload !== "string") return undefined;
    return { kind, n, topic, payload };
  } catch {
    return undefined;
  }
}
