/** Device status records in memory, in thing-name order: the local cloud's counterpart of the
 * DynamoDB table the AWS deployment keeps (lambda/fleetStatus). */
import type { DeviceStatusRecord, FleetStatusPage } from "../contracts/fleetStatus";
import { nextStatusRecord } from "./statusRecord";

export class FleetStatusTable {
  private readonly records = new Map<string, DeviceStatusRecord>();

  get size(): number {
    return this.records.size;
  }

  get(thing: string): DeviceStatusRecord | undefined {
    return this.records.get(thing);
  }

  /** Applies one status message; throws on a malformed status, leaving the record as it was. */
  apply(thing: string, payload: string | Uint8Array, receivedAt: number): void {
    const change = nextStatusRecord(this.records.get(thing), thing, payload, receivedAt);
    if (change.kind === "put") this.records.set(thing, change.record);
    else if (change.kind === "delete") this.records.delete(thing);
  }

  /** Records after the cursor (a thing name), `limit` at most, and the cursor of the next page. */
  async page(after: string | undefined, limit: number): Promise<FleetStatusPage> {
    const names = [...this.records.keys()].filter((name) => after === undefined || name > after).sort();
    const devices = names.slice(0, limit).map((name) => ({ ...this.records.get(name)! }));
    return names.length > limit ? { devices, next: devices[devices.length - 1].thing } : { devices };
  }
}
