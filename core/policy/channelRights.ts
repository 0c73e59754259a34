/** Who may publish on a channel, by its direction: the device policies grant devices the channel's
 * up topic and the server and dashboard policies its down topics exactly by these (documents.ts).
 * The hosts ask the same before they publish, since AWS IoT (and the local broker) closes the
 * connection of a client that publishes where its policy denies: a send the policy would refuse is
 * refused in the sender's callback instead, naming the channel. */
import type { ChannelDecl } from "../contracts/manifest";

/** Devices publish on the channel ("device-to-server" or "both"). */
export function deviceMaySend(channel: Pick<ChannelDecl, "direction">): boolean {
  return channel.direction !== "server-to-device";
}

/** The server and the dashboard publish to devices on the channel ("server-to-device" or "both"). */
export function serverMaySend(channel: Pick<ChannelDecl, "direction">): boolean {
  return channel.direction !== "device-to-server";
}

/** Why `sender` (server code, a dashboard control) can't send on `channel`, a device-to-server one. */
export function cloudSendRefusal(channel: Pick<ChannelDecl, "name">, sender: "server" | "dashboard"): string {
  return `channel "${channel.name}" is "device-to-server": the ${sender} can't send on it; declare it with direction "both" or "server-to-device"`;
}
