/** How many MQTT subscriptions a device holds, against AWS IoT's 50 subscriptions per connection
 * (https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits): a
 * subscription over the limit is refused, and the device would never hear that channel. */
import type { ChannelDecl } from "./manifest";

export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;
/** The OTA agent's Jobs subscriptions: notify-next, start-next accepted and rejected, update
 * rejected (firmware/ota/otaAgent.ts `start`). */
export const OTA_AGENT_SUBSCRIPTIONS = 4;

/** Jobs topics plus, per channel the device receives on, its own `down` and the broadcast. */
export function deviceSubscriptionCount(channels: readonly ChannelDecl[]): number {
  return OTA_AGENT_SUBSCRIPTIONS + 2 * channels.filter((c) => c.direction !== "device-to-server").length;
}

/** An error text when the channels need more subscriptions than AWS allows, else undefined. */
export function deviceSubscriptionProblem(app: string, channels: readonly ChannelDecl[]): string | undefined {
  const count = deviceSubscriptionCount(channels);
  if (count <= MAX_SUBSCRIPTIONS_PER_CONNECTION) return undefined;
  const receiving = channels.filter((c) => c.direction !== "device-to-server").length;
  const fits = Math.floor((MAX_SUBSCRIPTIONS_PER_CONNECTION - OTA_AGENT_SUBSCRIPTIONS) / 2);
  return (
    `app "${app}": devices receive on ${receiving} channels, which takes ${count} MQTT subscriptions (2 per receiving channel + ${OTA_AGENT_SUBSCRIPTIONS} for OTA jobs); ` +
    `AWS IoT allows ${MAX_SUBSCRIPTIONS_PER_CONNECTION} per connection. Receive on at most ${fits} channels: make channels the device only sends on "device-to-server", or merge channels`
  );
}
