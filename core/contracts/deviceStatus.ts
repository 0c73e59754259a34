import { parsePayloadJson } from "./payloadJson";

/** The retained message on `sf/{app}/{thing}/_status` (docs/architecture.md). A device publishes
 * `online: true` when it connects and registers `online: false` as its last will, so the broker
 * (local or AWS) tells dashboards about an outage even when the device can't. */
export interface DeviceStatus {
  online: boolean;
  /** Installed app version (manifest.version); "" when no app is installed yet. */
  version: string;
  /** Changes at every boot; the first half of envelope ids (`<bootId>:<seq>`). */
  bootId: string;
  /** Sender's unix time in ms; for the last will, the time it was registered. */
  t: number;
}

export function encodeDeviceStatus(status: DeviceStatus): string {
  return JSON.stringify({ online: status.online, version: status.version, bootId: status.bootId, t: status.t });
}

/** Parses a status payload; throws saying which field is wrong. */
export function decodeDeviceStatus(payload: string | Uint8Array): DeviceStatus {
  const { text, value } = parsePayloadJson(payload, "device status");
  const s = value as Partial<DeviceStatus>;
  const problems: string[] = [];
  if (typeof s !== "object" || s === null) throw new Error(`device status is not an object: ${text.slice(0, 80)}`);
  if (typeof s.online !== "boolean") problems.push("online must be a boolean");
  if (typeof s.version !== "string") problems.push("version must be a string");
  if (typeof s.bootId !== "string") problems.push("bootId must be a string");
  if (typeof s.t !== "number") problems.push("t must be a number (unix ms)");
  if (problems.length) throw new Error(`invalid device status: ${problems.join("; ")}`);
  return s as DeviceStatus;
}

/** What one message on a device's `_status` topic says: the device's status, or (an empty retained
 * message) that the device was removed from the fleet. */
export type StatusMessage = { removed: true } | { removed: false; status: DeviceStatus };

/** Reads a `_status` message; throws as decodeDeviceStatus does when it is malformed. */
export function readStatusMessage(payload: string | Uint8Array): StatusMessage {
  if (payload.length === 0) return { removed: true };
  return { removed: false, status: decodeDeviceStatus(payload) };
}

/** Whether the sender's link counts as up for a receiver's reorder wait
 * (EnvelopeReceiver.senderLinkChanged): a removed device will send nothing more to wait for, so
 * its gaps are given up on their timeout as if its link were up; otherwise its status says. */
export function senderLinkUp(message: StatusMessage): boolean {
  return message.removed || message.status.online;
}
