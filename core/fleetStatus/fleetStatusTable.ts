/** Device status records in memory, in thing-name order: the local cloud's counterpart of the
 * DynamoDB table the AWS deployment keeps (lambda/fleetStatus). */
import type { DeviceStatusRecord, FleetStatusPage } from "../contracts/fleetStatus";
import { nextStatusRecord } from "./statusRecord";

export class FleetStatusTable {
  private readonly records = new Map<string, DeviceStatusRecord>();
  /** Names in order, rebuilt only when a device is added or removed (a page load of 10,000
   * devices reads 10 pages: sorting once, not per page). */
  private sortedNames: string[] | undefined;

  get size(): number {
    return this.records.size;
  }

  get(thing: string): DeviceStatusRecord | undefined {
    return this.records.get(thing);
  }

  /** Applies one status message; throws on a malformed status, leaving the record as it was. */
  apply(thing: string, payload: string | Uint8Array, receivedAt: number): void {
    const change = nextStatusRecord(this.records.get(thing), thing, payload, receivedAt);
    if (change.kind === "put") {
      if (!this.records.has(thing)) this.sortedNames = undefined;
      this.records.set(thing, change.record);
    } else if (change.kind === "delete") {
      this.records.delete(thing);
      this.sortedNames = undefined;
    }
  }

  /** Records after the cursor (a thing name), `limit` at most, and the cursor of the next page. */
  async page(after: string | undefined, limit: number): Promise<FleetStatusPage> {
    const names = (this.sortedNames ??= [...this.records.keys()].sort());
    const start = after === undefined ? 0 : firstAfter(names, after);
    const devices = names.slice(start, start + limit).map((name) => ({ ...this.records.get(name)! }));
    return start + limit < names.length ? { devices, next: devices[devices.length - 1].thing } : { devices };
  }
}

/** Index of the first name greater than `after` (binary search). */
function firstAfter(names: readonly string[], after: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (names[mid] <= after) low = mid + 1;
    else high = mid;
  }
  return low;
}
