/** The history API: what a channel declared with `history: { days }` kept, for a dashboard to
 * show before live messages (a chart starts full). Served next to the page, with the same token
 * as the fleet-status API (core/contracts/fleetStatus.ts): locally by the dashboard server from
 * SQLite, on AWS through CloudFront `/api/*` from DynamoDB.
 *
 *   GET {dashboard origin}/api/history?thing=T&channel=C&since=MS[&limit=N]
 *   x-snapfleet-token: <dashboard token>
 *   → 200 {"messages": [{"id","v","t"}…]}   oldest first; the newest `limit` at or after `since`
 *   → 400 / 401 {"error": "…"} */
import type { WireValue } from "./wireValue";

export const HISTORY_PATH = "api/history";
export const DEFAULT_HISTORY_LIMIT = 5000;
/** A 1-hour chart of 1 Hz readings is 3,600; ~40 B a message keeps a full answer near 800 KB. */
export const MAX_HISTORY_LIMIT = 20_000;

export interface StoredMessage {
  /** The envelope id `<bootId>:<seq>`: a dashboard drops the live copy of a stored message. */
  id: string;
  v: WireValue;
  /** The device's send time (unix ms). */
  t: number;
}

export interface HistoryPage {
  messages: StoredMessage[];
}

/** Checks an answer's shape (the page trusts nothing it fetched). */
export function decodeHistoryPage(body: unknown): HistoryPage {
  const page = body as Partial<HistoryPage> | undefined;
  if (!page || !Array.isArray(page.messages)) throw new Error("history: the answer has no messages list");
  for (const m of page.messages) {
    if (typeof m !== "object" || m === null || typeof m.id !== "string" || typeof m.t !== "number" || !("v" in m)) {
      throw new Error(`history: a stored message is malformed: ${JSON.stringify(m).slice(0, 80)}`);
    }
  }
  return { messages: page.messages };
}
