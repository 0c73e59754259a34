import type { DeviceRow } from "../local/cloud/fleetMonitor";
import { table } from "./format";
import { START_OVER, type FleetStartProgress } from "./fleetStartProgress";

/** The live table `snapfleet dev` prints for a small fleet (fleetSummary.ts above
 * TABLE_ROWS_AT_MOST devices): one line per device, those still starting said so (a device whose
 * start is held up before it joins the fleet has no row of its own yet), and how many wait. */
export function statusTable(rows: readonly DeviceRow[], now = Date.now(), progress: FleetStartProgress = START_OVER): string {
  const listed = new Set(rows.map((r) => r.thing));
  const text = table(
    ["device", "online", "version", "ota", "last message"],
    [
      ...rows.map((r) => [
        r.thing,
        progress.starting.has(r.thing) ? "starting" : r.online ? "yes" : "no",
        r.version ? r.version.slice(0, 12) : "-",
        r.ota ?? "-",
        r.lastMessage ? `${r.lastMessage} (${age(now - (r.lastMessageAt ?? now))})` : "-",
      ]),
      ...[...progress.starting].filter((thing) => !listed.has(thing)).map((thing) => [thing, "starting", "-", "-", "-"]),
    ],
  );
  return progress.waiting ? `${text}\n(${progress.waiting} more waiting to start)` : text;
}

/** Above this many devices `snapfleet dev` shows counts and changes instead (a terminal's height). */
export const TABLE_ROWS_AT_MOST = 20;

export function age(ms: number): string {
  if (ms < 1000) return "now";
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  return `${Math.floor(ms / 60_000)} min ago`;
}
