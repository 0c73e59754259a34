/** What `snapfleet dev` says when a build takes a channel from devices that still run the one
 * before it (removed, renamed, or made server-to-device). Devices run their installed version
 * until they install the next one, so right after such a build the fleet may still publish there;
 * the device policies keep them a publish-only right on it until the next build that changes the
 * channels (core/policy/retiredChannels.ts; the local cloud as FeatureApp on AWS), so they stay
 * connected and install the update. What they publish there is accepted and reaches no one. */
import type { ChannelDecl } from "../core/contracts/manifest";
import { retiredChannels } from "../core/policy/retiredChannels";

/** The line `snapfleet dev` prints after deploying such a build, or undefined. */
export function retiredChannelsNotice(running: readonly ChannelDecl[], next: readonly ChannelDecl[]): string | undefined {
  // Against an empty set: only the channels this build itself retires (a build that changes the
  // channels starts the set afresh; one that doesn't retires nothing new).
  const taken = retiredChannels(running, next, []);
  if (!taken.length) return undefined;
  const names = taken.map((n) => JSON.stringify(n)).join(", ");
  const one = taken.length === 1;
  return (
    `channel${one ? "" : "s"} ${names} retired (removed, renamed or made server-to-device): devices still on the previous version may keep publishing on ${one ? "it" : "them"} ` +
    `until the next build that changes the channels, and those messages reach no one (README, "Renaming a channel")`
  );
}
