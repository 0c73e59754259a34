/** manifest.json (docs/architecture.md): what the features declared, and the per-target snapshots.
 * Secrets appear by name only. `version` is the sha256 of the device snapshot, so it changes
 * exactly when what runs on the device changes. */
export type Target = "device" | "web" | "server";
export const TARGETS: readonly Target[] = ["device", "web", "server"];

export interface ChannelDecl {
  name: string;
  /** 1: delivered exactly once (ids + acknowledgement + de-duplication); 0: at most once. */
  qos: 0 | 1;
  /** Who may send: "both" (default), "device-to-server" only (publish-only device) or "server-to-device". */
  direction: "both" | "device-to-server" | "server-to-device";
  /** Last N messages a new subscriber gets replayed (store and forward); 0 = none. */
  replay: number;
}

export interface SecretDecl {
  name: string;
  optional: boolean;
}

export interface ControlDecl {
  /** Position in registration order; the web host renders control `index`. */
  index: number;
  title: string;
}

export interface PinDecl {
  name: string;
  kind: "analog" | "digital";
}

export interface SnapshotInfo {
  sha256: string;
  size: number;
}

/** What one build run records; every target's run must record the same. */
export interface Declarations {
  channels: ChannelDecl[];
  secrets: SecretDecl[];
  controls: ControlDecl[];
  pins: PinDecl[];
  /** Coded log messages (makeLogger-style tables) are plain data in the snapshot; not here. */
}

export interface Manifest extends Declarations {
  app: string;
  version: string;
  /** Microvium engine the snapshots were made for (bytecode version). */
  engine: string;
  /** The board the pins were checked against (core/boards): a built-in board's name or the
   * `name` of a JSON board file. Added after the first manifests: absent means "simulated". A
   * device refuses a build made for another board (firmware/device.ts). */
  board?: string;
  snapshots: Record<Target, SnapshotInfo>;
}
