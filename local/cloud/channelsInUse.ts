/** The channels devices may still use, which their policies must keep allowing. A device runs the
 * version it has installed until it installs the next one, so right after a build that removes or
 * renames a channel (or turns its direction), every device still publishes on the old one. Taking
 * its right away then makes the broker close the device's connection at each publish, as AWS does
 * for an unauthorized PUBLISH on MQTT 3.1.1 (policyHooks.ts), and the device, resending what it
 * queued at every reconnect, never stays connected long enough to install the update that stops
 * it. So a channel's rights outlive its last build: the devices' rights are the union of the
 * channels of every build deployed to this local fleet in this run and the one before it. */
import fs from "node:fs";
import path from "node:path";
import type { ChannelDecl, Manifest } from "../../core/contracts/manifest";

export function channelsStillInUse(current: readonly ChannelDecl[], earlier: readonly ChannelDecl[]): ChannelDecl[] {
  const byName = new Map(earlier.map((c) => [c.name, c]));
  const merged = current.map((channel) => {
    const before = byName.get(channel.name);
    byName.delete(channel.name);
    // A direction that changed: old devices still send (or listen) the old way.
    return before && before.direction !== channel.direction ? { ...channel, direction: "both" as const } : channel;
  });
  return [...merged, ...byName.values()];
}

/** The channels of the build the previous run deployed (`{state dir}/current/manifest.json`),
 * which devices that were offline since still run; none when there was no previous run. */
export function channelsOfLastRun(buildDir: string): ChannelDecl[] {
  try {
    return (JSON.parse(fs.readFileSync(path.join(buildDir, "manifest.json"), "utf8")) as Manifest).channels ?? [];
  } catch {
    return [];
  }
}
