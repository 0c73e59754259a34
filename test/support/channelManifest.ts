import type { ChannelDecl, Manifest } from "../../core/contracts/manifest";

/** A manifest with just channels, for broker tests and benches that need policies but no app. */
export function channelManifest(app: string, channels: ChannelDecl[], engine = "test"): Manifest {
  const snapshot = { sha256: "0".repeat(64), size: 0 };
  return {
    app,
    version: "0".repeat(64),
    engine,
    channels,
    secrets: [],
    controls: [],
    pins: [],
    snapshots: { device: snapshot, web: snapshot, server: snapshot },
  };
}
