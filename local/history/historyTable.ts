/** Channel history in the local database: one row per device message on a channel declared with
 * `history: { days }`, keyed (thing, channel, t, id) so a dashboard's "last hour of this device's
 * channel" is one range read of the primary key (WITHOUT ROWID: the table is that index). A
 * message seen twice (a resend after an outage) is stored once. */
import type { StoredMessage } from "../../core/contracts/history";
import type { ChannelDecl } from "../../core/contracts/manifest";
import type { WireValue } from "../../core/contracts/wireValue";
import { retentionCutoff, storedTime } from "../../core/history/retention";
import type { HistoryQuery } from "../../core/history/historyRequest";
import { ensureSchema, type LocalDatabase } from "../database/localDatabase";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS channel_history (
  thing TEXT NOT NULL,
  channel TEXT NOT NULL,
  t INTEGER NOT NULL,
  id TEXT NOT NULL,
  v TEXT NOT NULL,
  PRIMARY KEY (thing, channel, t, id)
) WITHOUT ROWID;`;

export interface HistoryRow {
  thing: string;
  channel: string;
  id: string;
  value: WireValue;
  /** The device's send time (envelope `t`). */
  t: number;
  receivedAt: number;
}

export class HistoryTable {
  private readonly insert;
  private readonly select;
  private readonly pruneChannel;
  private readonly insertMany;
  /** Rows waiting for the next write transaction (one per event-loop turn, not one per message). */
  private pending: HistoryRow[] = [];
  private flushScheduled = false;

  constructor(private readonly db: LocalDatabase) {
    ensureSchema(db, SCHEMA);
    this.insert = db.prepare("INSERT OR IGNORE INTO channel_history (thing, channel, t, id, v) VALUES (?, ?, ?, ?, ?)");
    // Newest `limit` in the window, returned oldest first.
    this.select = db.prepare(
      "SELECT id, v, t FROM (SELECT id, v, t FROM channel_history WHERE thing = ? AND channel = ? AND t >= ? ORDER BY t DESC LIMIT ?) ORDER BY t ASC",
    );
    this.pruneChannel = db.prepare("DELETE FROM channel_history WHERE channel = ? AND t < ?");
    this.insertMany = db.transaction((rows: HistoryRow[]) => {
      for (const r of rows) this.insert.run(r.thing, r.channel, storedTime(r.t, r.receivedAt), r.id, JSON.stringify(r.value));
    });
  }

  /** Stores a message now (tests, the bench's bulk load). */
  recordNow(rows: HistoryRow[]): void {
    this.insertMany(rows);
  }

  /** Stores a message with the others of this event-loop turn, in one transaction. */
  record(row: HistoryRow): void {
    this.pending.push(row);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes what record() queued. */
  flush(): void {
    this.flushScheduled = false;
    const rows = this.pending;
    this.pending = [];
    if (rows.length) this.insertMany(rows);
  }

  query(q: HistoryQuery): StoredMessage[] {
    this.flush(); // what was received before the question is part of the answer
    return (this.select.all(q.thing, q.channel, q.since, q.limit) as { id: string; v: string; t: number }[]).map((r) => ({ id: r.id, v: JSON.parse(r.v) as WireValue, t: r.t }));
  }

  /** Drops rows past each channel's retention; returns how many. */
  prune(channels: ChannelDecl[], now: number): number {
    this.flush();
    let dropped = 0;
    for (const c of channels) if (c.history) dropped += this.pruneChannel.run(c.name, retentionCutoff(now, c.history.days)).changes;
    return dropped;
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM channel_history").get() as { n: number }).n;
  }
}
