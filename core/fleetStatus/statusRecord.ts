/** How one status message changes a device's record: the rule both clouds run (the local broker's
 * status table and the AWS recorder Lambda), and the dashboard for the statuses it hears live
 * (web/src/fleetRows.ts), so a device looks the same everywhere. */
import type { DeviceStatusRecord } from "../contracts/fleetStatus";
import { isLastWill, readStatusMessage, type DeviceStatus } from "../contracts/deviceStatus";

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
  if (previous && isOlderNews(previous, status)) return { kind: "unchanged" };
  // A last will is registered before the device knows what it will run, so it says version "":
  // the installed version is still the one we knew.
  const version = status.version || previous?.version || "";
  return { kind: "put", record: { thing, online: status.online, version, bootId: status.bootId, t: status.t, receivedAt } };
}

/** Whether `status`, heard after `shown`, says something older than `shown` does, by the device's
 * own clock (`t`) and boot id; what arrives later is not always newer: AWS delivers messages "out
 * of order" at times, and a device's last will can be published after the status of its next
 * connection (a reconnect with the same client id while the old connection is still open).
 * - Same boot: one clock that only goes forward, so a smaller `t` is older news.
 * - An offline status of another boot, sent no later than an online one we show: that boot
 *   stopped before this one said online (an app switch says offline for the old boot, then online
 *   for the new one, possibly within the same millisecond): this boot is still up.
 * - An online status of another boot with a smaller `t` still counts: a device whose clock went
 *   back at a reboot (a board without a real-time clock) must not be locked out.
 * - A last will always counts: its `t` is when it was registered, before every status its own
 *   connection carried, so `t` can't tell the will of the connection that just fell from a late one
 *   of an earlier connection. A device that is up answers a late will with its online status
 *   again (firmware/supervisor.ts, firmware/native/ports/posix/net/networkDevice.c, and the QEMU
 *   board's co-processor: firmware/coprocessor/mcuStatus.ts), which then wins. */
export function isOlderNews(shown: Pick<DeviceStatus, "online" | "bootId" | "t">, status: DeviceStatus): boolean {
  if (isLastWill(status) || isLastWill(shown)) return false;
  if (status.bootId === shown.bootId) return status.t < shown.t;
  return shown.online && !status.online && status.t <= shown.t;
}
