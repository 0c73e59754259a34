/** The fleet view's data: one row per device (status, OTA state, last values, recent log lines)
 * and the query that turns the rows into what the table shows (search, filter, sort). Plain data
 * and pure functions, no DOM: the table (fleetTable.ts) renders them, tests and the bench drive
 * them directly. */
import type { DeviceStatus } from "../../core/contracts/deviceStatus";
import type { WireValue } from "../../core/contracts/wireValue";
import { isOlderNews } from "../../core/fleetStatus/statusRecord";

/** Log lines kept per device: a page showing one device's log stream needs the recent ones, and
 * 10,000 chatty devices must not grow the page without bound. */
export const LOG_LINES_PER_DEVICE = 100;

export interface DeviceRow {
  thing: string;
  online: boolean;
  /** Installed app version ("" while unknown). */
  version: string;
  /** Boot id and device time of the status shown ("" and 0 before the first): a status heard
   * later that is older news does not replace it (core/fleetStatus/statusRecord.ts). */
  bootId: string;
  statusT: number;
  /** Status of the device's execution of the newest OTA job (QUEUED, IN_PROGRESS, SUCCEEDED...). */
  ota: string;
  /** unix ms; 0 when never seen. */
  lastSeen: number;
  /** Last value per channel name, with when the device sent it. */
  values: Map<string, { value: WireValue; t: number }>;
  /** Oldest first, at most LOG_LINES_PER_DEVICE. */
  logs: { t: number; text: string }[];
}

export function newRow(thing: string): DeviceRow {
  return { thing, online: false, version: "", bootId: "", statusT: 0, ota: "", lastSeen: 0, values: new Map(), logs: [] };
}

/** A device's status, heard at `heardAt` (unix ms), into its row, unless it is older news than
 * the status shown (an old boot's offline heard after the new boot's online: AWS may deliver out
 * of order). Returns whether the row changed. */
export function applyStatus(row: DeviceRow, status: DeviceStatus, heardAt: number): boolean {
  if (isOlderNews({ online: row.online, bootId: row.bootId, t: row.statusT }, status)) return false;
  row.online = status.online;
  // A last will says version "": the installed version is still the one we knew.
  if (status.version) row.version = status.version;
  row.bootId = status.bootId;
  row.statusT = status.t;
  row.lastSeen = Math.max(row.lastSeen, Math.min(heardAt, Date.now()));
  return true;
}

export function appendLog(row: DeviceRow, t: number, text: string): void {
  row.logs.push({ t, text });
  if (row.logs.length > LOG_LINES_PER_DEVICE) row.logs.splice(0, row.logs.length - LOG_LINES_PER_DEVICE);
}

/** "10,000": a count as the table shows it. Not `toLocaleString`: its first call in a page loads
 * the browser's locale data, 60–180 ms measured in Chromium here, on the fleet view's first paint. */
export function formatCount(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+$)/g, ",");
}

export const SORT_KEYS = ["thing", "online", "version", "ota", "lastSeen", "value"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const FILTERS = ["all", "online", "offline", "updating", "failed", "outdated"] as const;
export type Filter = (typeof FILTERS)[number];

export interface FleetQuery {
  /** Matches thing names and versions containing it (case-insensitive); "" matches all. */
  search: string;
  filter: Filter;
  sort: SortKey;
  descending: boolean;
  /** The channel whose last value the table shows (and `value` sorts by). */
  channel: string;
  /** The dashboard's app version: `outdated` rows run another one. */
  currentVersion: string;
}

const OTA_FAILED = new Set(["FAILED", "REJECTED", "TIMED_OUT"]);
const OTA_UPDATING = new Set(["QUEUED", "IN_PROGRESS"]);

function matchesFilter(row: DeviceRow, query: FleetQuery): boolean {
  switch (query.filter) {
    case "all":
      return true;
    case "online":
      return row.online;
    case "offline":
      return !row.online;
    case "updating":
      return OTA_UPDATING.has(otaStatus(row.ota));
    case "failed":
      return OTA_FAILED.has(otaStatus(row.ota));
    case "outdated":
      return row.version !== "" && row.version !== query.currentVersion;
  }
}

/** "IN_PROGRESS downloading" → "IN_PROGRESS". */
function otaStatus(ota: string): string {
  const space = ota.indexOf(" ");
  return space < 0 ? ota : ota.slice(0, space);
}

/** Values sort numbers before text before nothing; a device without a value goes last either way. */
function compareValues(a: DeviceRow, b: DeviceRow, channel: string): number {
  const x = a.values.get(channel)?.value;
  const y = b.values.get(channel)?.value;
  if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : 1) : -1;
  if (typeof x === "number" && typeof y === "number") return x - y;
  return String(x).localeCompare(String(y));
}

function compare(a: DeviceRow, b: DeviceRow, key: SortKey, channel: string): number {
  switch (key) {
    case "thing":
      return 0;
    case "online":
      return Number(b.online) - Number(a.online);
    case "version":
      return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
    case "ota":
      return a.ota < b.ota ? -1 : a.ota > b.ota ? 1 : 0;
    case "lastSeen":
      return b.lastSeen - a.lastSeen;
    case "value":
      return compareValues(a, b, channel);
  }
}

/** The rows the table shows, in order. Ties (and the `thing` key) fall back to the name, so rows
 * never swap places between two renders without a reason. */
export function queryRows(rows: Iterable<DeviceRow>, query: FleetQuery): DeviceRow[] {
  const needle = query.search.trim().toLowerCase();
  const shown: DeviceRow[] = [];
  for (const row of rows) {
    if (needle && !row.thing.includes(needle) && !row.version.toLowerCase().startsWith(needle)) continue;
    if (matchesFilter(row, query)) shown.push(row);
  }
  const direction = query.descending ? -1 : 1;
  shown.sort((a, b) => {
    const byKey = compare(a, b, query.sort, query.channel);
    if (byKey !== 0) return query.sort === "value" && (!a.values.has(query.channel) || !b.values.has(query.channel)) ? byKey : byKey * direction;
    return (a.thing < b.thing ? -1 : a.thing > b.thing ? 1 : 0) * (query.sort === "thing" ? direction : 1);
  });
  return shown;
}
