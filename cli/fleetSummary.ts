/** The status `snapfleet dev` shows for a fleet too large for a row per device (statusTable.ts
 * is for small ones): counts by state, by version and by OTA state, then the latest changes. It
 * remembers each device's last state to tell what changed, so one instance serves one session. */
import type { DeviceRow } from "../local/cloud/fleetMonitor";
import { age } from "./statusTable";
import { START_OVER, type FleetStartProgress } from "./fleetStartProgress";

/** Changes listed under the counts. */
const RECENT_CHANGES = 8;
/** A long OTA failure reads as its status in the counts ("FAILED: the new app failed ..." → "FAILED"). */
const OTA_LABEL_CHARS = 30;

interface Change {
  thing: string;
  what: string;
  at: number;
}

export class FleetSummary {
  private readonly last = new Map<string, { online: boolean; version: string; ota: string }>();
  private readonly changes: Change[] = [];

  /** The counts and the latest changes (as of `now`), after taking in what changed since the last call. */
  render(rows: Iterable<DeviceRow>, now = Date.now(), progress: FleetStartProgress = START_OVER): string {
    const all = [...rows];
    this.takeChanges(all, now);
    const lines = [this.counts(all, progress)];
    if (this.changes.length) {
      lines.push("latest changes:");
      for (const c of this.changes) lines.push(`  ${c.thing.padEnd(12)} ${c.what}  (${age(now - c.at)})`);
    }
    return lines.join("\n");
  }

  /** The counts alone: what counts as a change of the display in a pipe. While the fleet starts,
   * its devices starting and those waiting to are counted apart from the offline ones. */
  counts(rows: Iterable<DeviceRow>, progress: FleetStartProgress = START_OVER): string {
    const all = [...rows];
    const listedStarting = all.filter((r) => progress.starting.has(r.thing)).length;
    const online = all.filter((r) => r.online && !progress.starting.has(r.thing)).length;
    const offline = all.length - online - listedStarting;
    const total = all.length - listedStarting + progress.starting.size + progress.waiting;
    const starting = progress.starting.size || progress.waiting ? `, ${progress.starting.size} starting, ${progress.waiting} waiting to start` : "";
    const versions = tally(all.map((r) => (r.version ? r.version.slice(0, 12) : "(none yet)")));
    const ota = tally(all.map((r) => otaLabel(r.ota)));
    return [`devices   ${total}: ${online} online, ${offline} offline${starting}`, `versions  ${versions}`, `ota       ${ota}`].join("\n");
  }

  private takeChanges(rows: DeviceRow[], now: number): void {
    for (const r of rows) {
      const state = { online: r.online, version: r.version, ota: r.ota ?? "" };
      const before = this.last.get(r.thing);
      this.last.set(r.thing, state);
      if (!before) continue;
      if (before.version !== state.version && state.version) this.changed(r.thing, `version ${state.version.slice(0, 12)}`, now);
      if (before.online !== state.online) this.changed(r.thing, state.online ? "online" : "offline", now);
      if (before.ota !== state.ota && state.ota) this.changed(r.thing, `ota ${state.ota}`, now);
    }
  }

  private changed(thing: string, what: string, at: number): void {
    this.changes.unshift({ thing, what, at });
    this.changes.length = Math.min(this.changes.length, RECENT_CHANGES);
  }
}

function otaLabel(ota: string | undefined): string {
  if (!ota) return "-";
  const status = ota.split(":")[0];
  return status.length > OTA_LABEL_CHARS ? `${status.slice(0, OTA_LABEL_CHARS - 1)}…` : status;
}

/** "a 990, b 10": most frequent first. */
function tally(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([v, n]) => `${v} ${n}`).join(", ");
}
