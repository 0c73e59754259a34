/** Device status records in memory, in thing-name order: the local cloud's counterpart of the
 * DynamoDB table the AWS deployment keeps (lambda/fleetStatus). */
import type { DeviceStatusRecord, FleetSegment, FleetStatusPage } from "../contracts/fleetStatus";
import { nextStatusRecord } from "./statusRecord";

export class FleetStatusTable {
  private readonly records = new Map<string, DeviceStatusRecord>();
  /** Names in order, rebuilt only when a device is added or removed (a page load of 10,000
   * devices reads 10 pages: sorting once, not per page). */
  private sortedNames: string[] | undefined;
  /** Per segment count, each segment's names in order; rebuilt with sortedNames. */
  private readonly segmented = new Map<number, string[][]>();

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
      // Stryker disable next-line ConditionalExpression,BooleanLiteral: forgetting the order on an update of a known device too only costs a sort (the "false" case, a new device never listed, is tested)
      if (!this.records.has(thing)) this.forgetOrder();
      this.records.set(thing, change.record);
    } else if (change.kind === "delete") {
      this.records.delete(thing);
      this.forgetOrder();
    }
  }

  /** Records after the cursor (a thing name), `limit` at most, and the cursor of the next page. */
  async page(after: string | undefined, limit: number, segment?: FleetSegment): Promise<FleetStatusPage> {
    const names = segment ? this.segmentNames(segment) : this.allNames();
    const start = after === undefined ? 0 : firstAfter(names, after);
    const devices = names.slice(start, start + limit).map((name) => ({ ...this.records.get(name)! }));
    return start + limit < names.length ? { devices, next: devices[devices.length - 1].thing, order: "thing" } : { devices, order: "thing" };
  }

  private allNames(): string[] {
    return (this.sortedNames ??= [...this.records.keys()].sort());
  }

  private segmentNames({ index, count }: FleetSegment): string[] {
    let segments = this.segmented.get(count);
    // Stryker disable next-line ConditionalExpression: equivalent: rebuilding the segments on every read gives the same lists, only slower
    if (!segments) {
      segments = Array.from({ length: count }, () => []);
      for (const name of this.allNames()) segments[segmentOf(name, count)].push(name);
      this.segmented.set(count, segments);
    }
    return segments[index];
  }

  private forgetOrder(): void {
    this.sortedNames = undefined;
    this.segmented.clear();
  }
}


/** Which of `count` segments a thing is in: FNV-1a of its name, so a device stays in its segment
 * while others come and go (a cursor within a segment stays valid). */
export function segmentOf(thing: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < thing.length; i++) hash = Math.imul(hash ^ thing.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % count;
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
