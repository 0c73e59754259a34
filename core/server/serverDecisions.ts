/** The server host's decisions, as plain functions both hosts run (the local cloud's
 * local/server/ and AWS's lambda/featureServer): which VM hears a message, which device a send
 * addresses, whether a stored VM state may be resumed, what an alert may say. */
import type { ChannelDecl } from "../contracts/manifest";
import { NAME_PATTERN } from "../contracts/names";
import { cloudSendRefusal, serverMaySend } from "../policy/channelRights";

/** The fleet VM's key in the state store; `_` can't start a thing name, so no device collides. */
export const FLEET_VM = "_fleet";

/** Events a VM queues while it is busy; beyond, the oldest are dropped (and counted). A device
 * sending 1,000 messages a second fills it in 10 s only when its handler can't keep up. */
export const MAX_QUEUED_PER_VM = 10_000;

/** Alerts are one line on a banner and an SNS message (256 KB on AWS): keep them readable. */
export const MAX_ALERT_CHARS = 500;

/** What a server VM is: one per device, or the fleet's. */
export type ServerVmKind = { kind: "device"; device: string } | { kind: "fleet" };

export function vmKey(vm: ServerVmKind): string {
  return vm.kind === "fleet" ? FLEET_VM : vm.device;
}

/** A stored VM state is resumed only when it was made from the same server snapshot: after a new
 * build the handlers' code changed, and the old heap would run with the new code's numbering. */
export function resumeDecision(stored: { build: string } | undefined, build: string): { resume: true } | { resume: false; reason?: string } {
  if (!stored) return { resume: false };
  if (stored.build === build) return { resume: true };
  return { resume: false, reason: `its state was made by another build (${stored.build.slice(0, 12)}); it starts fresh with build ${build.slice(0, 12)}` };
}

/** The device a server VM's `channel.sendToDevice(value, device?)` addresses, or an Error saying
 * why it can't be sent. A device's VM addresses its own device (naming another is refused: a
 * per-device handler only speaks to its device); the fleet VM must name a device of the fleet. */
export function addressedDevice(vm: ServerVmKind, channel: ChannelDecl, requested: string | undefined, fleetDevices: ReadonlySet<string>): string | Error {
  if (!serverMaySend(channel)) return new Error(cloudSendRefusal(channel, "server"));
  if (vm.kind === "device") {
    if (requested === undefined || requested === vm.device) return vm.device;
    return new Error(`channel "${channel.name}".sendToDevice(value, "${requested}"): an api.server.onDevice handler sends to its own device ("${vm.device}") only; send to other devices from api.server.onFleet`);
  }
  if (requested === undefined) {
    return new Error(`channel "${channel.name}".sendToDevice(value): in api.server.onFleet, name the device: sendToDevice(value, deviceName) (fleet.devices lists them)`);
  }
  if (!NAME_PATTERN.test(requested) || !fleetDevices.has(requested)) {
    return new Error(`channel "${channel.name}".sendToDevice(value, ${JSON.stringify(requested)}): no device of that name in the fleet; fleet.devices lists the devices`);
  }
  return requested;
}

/** The text an alert carries: one line, at most MAX_ALERT_CHARS, never empty. */
export function alertText(text: string): string | Error {
  const line = text.replace(/\s+/g, " ").trim();
  if (line === "") return new Error("api.server.notify(text): the text is empty; say what happened");
  return line.length > MAX_ALERT_CHARS ? `${line.slice(0, MAX_ALERT_CHARS - 1)}…` : line;
}

/** A bounded FIFO: past `limit`, pushing drops the oldest and counts it. */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  dropped = 0;

  constructor(readonly limit: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    if (this.length >= this.limit) {
      this.head++;
      this.dropped++;
    }
    this.items.push(item);
  }

  /** Takes everything queued, oldest first. */
  drain(): T[] {
    // Stryker disable next-line ConditionalExpression: equivalent, slice(0) is a copy of the same items; the branch only saves the copy
    const out = this.head === 0 ? this.items : this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}
