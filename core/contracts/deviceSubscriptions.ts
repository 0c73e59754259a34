/** How many MQTT subscriptions a device holds, against AWS IoT's 50 subscriptions per connection
 * (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits): a
 * subscription over the limit is refused, and the device would never hear that channel. */
import type { ChannelDecl } from "./manifest";
// A device subscribes where the policies let the server send to it (channelRights.ts, a leaf: it
// imports only the manifest's types).
import { serverMaySend } from "../policy/channelRights";

export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;
/** The OTA agent's Jobs subscriptions: notify-next, start-next accepted and rejected, update
 * rejected (firmware/ota/otaAgent.ts `start`). */
export const OTA_AGENT_SUBSCRIPTIONS = 4;
/** The device's own retained status, to answer a late "offline" of another boot
 * (firmware/supervisor.ts `ownStatusHeard`). */
export const OWN_STATUS_SUBSCRIPTIONS = 1;
/** An app with settings: the settings shadow's update/delta, get/accepted, get/rejected and
 * update/rejected (firmware/settings/deviceSettings.ts `start`). */
export const SETTINGS_SUBSCRIPTIONS = 4;

/** What an app's devices subscribe to besides its channels. */
function fixedSubscriptions(hasSettings: boolean): number {
  return OTA_AGENT_SUBSCRIPTIONS + OWN_STATUS_SUBSCRIPTIONS + (hasSettings ? SETTINGS_SUBSCRIPTIONS : 0);
}

/** Jobs topics, the own status, the settings shadow's answers (if the app has settings) and, per
 * channel the device receives on, its own `down` and the broadcast. */
export function deviceSubscriptionCount(channels: readonly ChannelDecl[], hasSettings: boolean): number {
  return fixedSubscriptions(hasSettings) + 2 * channels.filter(serverMaySend).length;
}

/** An error text when the app needs more subscriptions than AWS allows, else undefined. */
export function deviceSubscriptionProblem(app: string, channels: readonly ChannelDecl[], hasSettings: boolean): string | undefined {
  const count = deviceSubscriptionCount(channels, hasSettings);
  if (count <= MAX_SUBSCRIPTIONS_PER_CONNECTION) return undefined;
  const receiving = channels.filter(serverMaySend).length;
  const fixed = fixedSubscriptions(hasSettings);
  const fits = Math.floor((MAX_SUBSCRIPTIONS_PER_CONNECTION - fixed) / 2);
  const besides = hasSettings
    ? `${OTA_AGENT_SUBSCRIPTIONS} for OTA jobs, ${OWN_STATUS_SUBSCRIPTIONS} for its own status, ${SETTINGS_SUBSCRIPTIONS} for the settings shadow`
    : `${OTA_AGENT_SUBSCRIPTIONS} for OTA jobs, ${OWN_STATUS_SUBSCRIPTIONS} for its own status`;
  return (
    `app "${app}": devices receive on ${receiving} channels, which takes ${count} MQTT subscriptions (2 per receiving channel + ${besides}); ` +
    `AWS IoT allows ${MAX_SUBSCRIPTIONS_PER_CONNECTION} per connection. Receive on at most ${fits} channels: make channels the device only sends on "device-to-server", or merge channels`
  );
}
