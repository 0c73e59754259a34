/** Channels a new build takes away from devices that still run the one before it. A device runs
 * its installed version until it installs the next, so right after a build that removes or renames
 * a channel, or makes it server-to-device, the fleet still publishes on it. The device policies
 * follow the new build at once, locally as on AWS (`pulumi up` replaces them), and a publish the
 * policy doesn't allow closes the connection on MQTT 3.1.1 (AWS IoT has no negative PUBACK:
 * local/broker/policyHooks.ts), so such a device may never stay connected long enough to install
 * the build that stops it. The local cloud keeps AWS's behaviour, so that this is seen here first;
 * `snapfleet dev` says so when it happens, with the way out: two deploys (README, "Renaming a
 * channel"). */
import type { ChannelDecl } from "../core/contracts/manifest";
import { deviceMaySend } from "../core/policy/channelRights";

/** The channels devices could publish on in `running` that they can't in `next`. */
export function channelsTakenFromDevices(running: readonly ChannelDecl[], next: readonly ChannelDecl[]): string[] {
  const publishable = new Set(next.filter(deviceMaySend).map((c) => c.name));
  return running.filter((c) => deviceMaySend(c) && !publishable.has(c.name)).map((c) => c.name);
}

/** The warning `snapfleet dev` prints after deploying such a build, or undefined. */
export function retiredChannelsWarning(running: readonly ChannelDecl[], next: readonly ChannelDecl[]): string | undefined {
  const taken = channelsTakenFromDevices(running, next);
  if (!taken.length) return undefined;
  const names = taken.map((n) => JSON.stringify(n)).join(", ");
  const one = taken.length === 1;
  const it = one ? "it" : "them";
  return (
    `warning: this build takes from devices the right to publish on channel${one ? "" : "s"} ${names} (removed, renamed or made server-to-device). ` +
    `A device still running the previous version that publishes on ${one ? "it" : "one"} has its connection closed at each such publish, as AWS IoT does, ` +
    `and may not stay connected long enough to install this build. If the previous build still published on ${it}, retire ${it} in two deploys: ` +
    `first a build that declares ${it} but no longer publishes on ${it}, then, once every device runs that build, one without ${it} ` +
    `(README, "Renaming a channel"); if it no longer did, nothing is to be done`
  );
}

