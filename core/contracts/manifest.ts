/** manifest.json (docs/architecture.md): what the features declared, and the per-target snapshots.
 * Secrets appear by name only. `version` is the sha256 of the device snapshot, so it changes
 * exactly when what runs on the device changes. */
import type { SettingDecl } from "../settings/settingDecl";

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
  /** Messages devices send on it are kept this many days per device, and a dashboard gets them
   * first (core/history). Absent: none kept. */
  history?: { days: number };
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

/** A place in the author's sources as `file:line:column`: the file relative to the build's
 * working directory, 1-based line and column (as editors show and open them). */
export type SourcePosition = string;

/** Where App registered each callback a target runs, so a run-time error can name the callback
 * and its file:line (core/runtime/callbackNames.ts). Entries are null where the compiler could
 * not map the registration to the author's sources. Run-time registrations are not here: the
 * host names them by the callback that made them. */
export interface CallbackSites {
  /** Timers set while App ran, by timer slot (slots 0, 1, 2, ... in registration order). */
  timers: { api: "setInterval" | "setTimeout"; at: SourcePosition | null }[];
  /** Channel listeners by channel index (manifest order), each channel's in registration order. */
  listeners: (SourcePosition | null)[][];
  /** api.mcu.onStart callbacks in registration order. */
  onStart: (SourcePosition | null)[];
  /** UI control render functions by control index. */
  controls: (SourcePosition | null)[];
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
  /** How many api.server.onDevice / onFleet handlers App registered; absent when none (the
   * server host then has nothing to run). */
  server?: { onDevice: number; onFleet: number };
  /** `api.defineSetting` declarations (core/settings/settingDecl.ts), in declaration order; absent
   * when the app declares none (older manifests never have it). */
  settings?: SettingDecl[];
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
  /** Debug information for run-time errors, per target. Not covered by `version` (a shifted line
   * is not new device code), so the device package leaves it out (core/contracts/devicePackage.ts):
   * a device that got its app over the air names callbacks without file:line. */
  callbackSites?: Partial<Record<Target, CallbackSites>>;
}
