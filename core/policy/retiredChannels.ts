/** Retired channels: where devices keep a publish-only right after a build takes a channel away.
 *
 * Why: a device runs its installed version until it installs the next one (for days under a
 * staged rollout), while the device policies follow the new build at once, locally as on AWS
 * (`pulumi up`). AWS IoT closes an MQTT 3.1.1 connection on a publish its policy denies, and the
 * device's outbox resends that message at each reconnect: a device still on the previous build
 * that publishes on a channel the new one removed, renamed or made server-to-device could never
 * stay connected long enough to install the update. So the device policy keeps iot:Publish on
 * such a channel's up topic (no subscribe, no receive: documents.ts) for one more channel change.
 * Messages published there are accepted and reach no one: no app listener, no dashboard.
 *
 * The rule, the same for the local cloud (local/broker) and AWS (components/retiredChannelsState.ts):
 * - a build that changes the channels devices may publish on retires those the previous build
 *   let them publish on and it doesn't: retired = publishable(previous) − publishable(next);
 * - a build that doesn't change them (code, a server-to-device channel, qos, replay) keeps the
 *   retired set as it was, so a code-only deploy doesn't cut off devices still two builds back;
 * - the next change recomputes it, so a right lives for one channel change;
 * - a retired channel the new build lets devices publish on again is simply a channel. */
import type { ChannelDecl } from "../contracts/manifest";
import { deviceMaySend } from "./channelRights";

export type ChannelShape = Pick<ChannelDecl, "name" | "direction">;

/** The channels devices keep a publish-only right on after `next` replaces `previous`
 * (undefined on a first build); `retiredBefore` is what the previous build kept. */
export function retiredChannels(previous: readonly ChannelShape[] | undefined, next: readonly ChannelShape[], retiredBefore: readonly string[]): string[] {
  const publishableNext = publishable(next);
  if (previous === undefined) return [];
  const publishablePrevious = publishable(previous);
  const changed = publishablePrevious.length !== publishableNext.length || publishablePrevious.some((name) => !publishableNext.includes(name));
  const retired = changed ? publishablePrevious.filter((name) => !publishableNext.includes(name)) : [...retiredBefore];
  return retired.filter((name) => !publishableNext.includes(name));
}

function publishable(channels: readonly ChannelShape[]): string[] {
  return channels.filter(deviceMaySend).map((c) => c.name);
}
