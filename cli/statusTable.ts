import type { DeviceRow } from "../local/cloud/fleetMonitor";
import { table } from "./format";

/** The live table `snapfleet dev` prints for a small fleet (fleetSummary.ts above
 * TABLE_ROWS_AT_MOST devices): one line per device. */
export function statusTable(rows: readonly DeviceRow[], now = Date.now()): string {
  return table(
    ["device", "online", "version", "ota", "last message"],
    rows.map((r) => [
      r.thing,
      r.online ? "yes" : "no",
      r.version ? r.version.slice(0, 12) : "-",
      r.ota ?? "-",
      r.lastMessage ? `${r.lastMessage} (${age(now - (r.lastMessageAt ?? now))})` : "-",
    ]),
  );
}

/** Above this many devices `snapfleet dev` shows counts and changes instead (a terminal's height). */
export const TABLE_ROWS_AT_MOST = 20;

export function age(ms: number): string {
  if (ms < 1000) return "now";
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  return `${Math.floor(ms / 60_000)} min ago`;
}
