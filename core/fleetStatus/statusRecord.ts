/** How one status message changes a device's record: the rule both clouds run (the local broker's
 * status table and the AWS recorder Lambda), so a device looks the same in either dashboard. */
import type { DeviceStatusRecord } from "../contracts/fleetStatus";
import { readStatusMessage } from "../contracts/deviceStatus";

/** What to do with the stored record: keep it, replace it, or delete it (the device was removed). */
export type StatusChange = { kind: "unchanged" } | { kind: "put"; record: DeviceStatusRecord } | { kind: "delete" };

/** `payload` is the message on `sf/{app}/{thing}/_status`; an empty one clears the retained
 * status, i.e. the device left the fleet. Throws on a malformed status (the caller reports it). */
export function nextStatusRecord(previous: DeviceStatusRecord | undefined, thing: string, payload: string | Uint8Array, receivedAt: number): StatusChange {
  // Rule actions and Lambda invocations may run out of order: never let an older message win.
  if (previous && receivedAt < previous.receivedAt) return { kind: "unchanged" };
  const message = readStatusMessage(payload);
  if (message.removed) return previous ? { kind: "delete" } : { kind: "unchanged" };
  const { status } = message;
  // A last will is registered before the device knows what it will run, so it says version "":
  // the installed version is still the one we knew.
  const version = status.version || previous?.version || "";
  return { kind: "put", record: { thing, online: status.online, version, bootId: status.bootId, t: status.t, receivedAt } };
}
