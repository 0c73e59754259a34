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

/** The boot id of a device's last will: the will is registered with the connection, before the
 * device knows which boots (apps) that connection will carry. The native device's network half
 * writes the same text (firmware/native/ports/posix/net/networkMain.c, lastWill). */
export const LAST_WILL_BOOT_ID = "will";

/** Whether a status is a device's last will (published by the broker when its link fell). */
export function isLastWill(status: Pick<DeviceStatus, "bootId">): boolean {
  return status.bootId === LAST_WILL_BOOT_ID;
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

/** Whether a device running boot `bootId` answers this message on its own status topic by saying
 * online again: it says offline and is not this boot's own (a last will that came late, after a
 * reconnect, or an old boot's offline heard after this boot's online). AWS may deliver them out of
 * order, and the retained status must end saying what the device is. A removal (empty payload) is
 * the operator's and a malformed status not the device's to judge: neither is answered. The native
 * device decides the same in C (firmware/native/ports/posix/net/networkDevice.c, ownStatusHeard). */
export function contradictsRunningBoot(payload: string | Uint8Array, bootId: string): boolean {
  let message: StatusMessage;
  try {
    message = readStatusMessage(payload);
  } catch {
    return false;
  }
  return !message.removed && !message.status.online && message.status.bootId !== bootId;
}

/** Whether the sender's link counts as up for a receiver's reorder wait
 * (EnvelopeReceiver.senderLinkChanged): a removed device will send nothing more to wait for, so
 * its gaps are given up on their timeout as if its link were up; otherwise its status says. */
export function senderLinkUp(message: StatusMessage): boolean {
  return message.removed || message.status.online;
}
