/** The contract between a device app's worker thread (appWorker.ts) and its host
 * (isolatedApp.ts): what the worker starts from, and every message either side sends. The
 * device's network link stays with the host (aws-crt can be loaded by only one thread of a
 * process); the worker's supervisor reaches it through `publish`/`subscribe` messages. */
import type { Manifest } from "../../core/contracts/manifest";
import type { DeviceOptions } from "../device";
import type { AppFailure } from "../supervisor";
import type { Delivery, QoS } from "../transport";

/** Device.boot options a host may set for the app in the worker (plain data only). */
export type AppDeviceOptions = Omit<DeviceOptions, "manifest" | "snapshot" | "thing" | "board" | "clock" | "transport" | "engine" | "onLog" | "onConnectionChange" | "onAppFailure">;

/** The module a worker's bootstrap loads (workerBootstrap.ts): a worker .ts from the sources
 * (through tsx), its .js from dist. */
export interface WorkerEntry {
  entry: string;
  /** tsx's CommonJS hook, when `entry` is TypeScript. */
  tsxHook?: string;
}

export interface AppWorkerData extends WorkerEntry {
  manifest: Manifest;
  snapshot: Uint8Array;
  thing: string;
  /** The host link's state when the worker starts; later changes come as `connection`. */
  connected: boolean;
  /** `--pin` specs (cli/pinModels.ts syntax): models are functions and can't cross threads. */
  pinSpecs: string[];
  /** Shifts this board's pin models in time (see SimulatedDeviceOptions.pinTimeOffsetMs). */
  pinTimeOffsetMs: number;
  /** Digital pin levels the previous app left: the board outlives app updates and resets. */
  digitalPins: Record<string, boolean>;
  /** How often the worker says it is alive; silence means its event loop is blocked. */
  heartbeatMs: number;
  /** Repeated writes to one pin within this window are reported as one message. */
  pinReportMs: number;
  device: AppDeviceOptions;
}

export type ToWorker =
  | { kind: "connection"; up: boolean }
  | { kind: "message"; sub: number; topic: string; payload: string; delivery: Delivery }
  | { kind: "published"; id: number; error?: string }
  /** A supervisor line for the device's log topic (the OTA agent's rollback reports). */
  | { kind: "report"; line: string }
  /** Stop the app (its supervisor publishes "offline"), answer `stopping`, then `stopped`. */
  | { kind: "stop" };

export type FromWorker =
  /** Modules loaded: from now on the worker's heartbeat is the watchdog's signal. */
  | { kind: "loaded" }
  /** The app has started (failures of its start came before, as `appFailure`). */
  | { kind: "ready" }
  | { kind: "bootFailed"; message: string }
  | { kind: "alive" }
  | { kind: "log"; line: string }
  /** A callback failed (supervisor.ts AppFailure), in the order they happened. */
  | { kind: "appFailure"; failure: AppFailure }
  | PinWriteReport
  | { kind: "publish"; id: number; topic: string; payload: string; qos: QoS; retain: boolean }
  | { kind: "subscribe"; sub: number; topic: string; qos: QoS }
  | { kind: "unsubscribe"; sub: number }
  /** The app's code has stopped (timers, handles, VM gone): what is left of the stop is its
   * supervisor's "offline" status waiting for the broker's PUBACK, bounded by the supervisor
   * (STOP_STATUS_TIMEOUT_MS); `stopped` follows. */
  | { kind: "stopping" }
  | { kind: "stopped"; heapUsed: number; heapPeak: number };

/** A digital pin's level after `writes` writes (more than one: a burst within pinReportMs). */
export interface PinWriteReport {
  kind: "pinWrite";
  pin: string;
  value: boolean;
  writes: number;
}

/** How a pin write reads in `run-device` and `snapfleet dev`: `D5 <- HIGH`. */
export function describePinWrite(report: Pick<PinWriteReport, "pin" | "value" | "writes">): string {
  return `${report.pin} <- ${report.value ? "HIGH" : "LOW"}${report.writes > 1 ? ` (${report.writes} writes)` : ""}`;
}

/** What a thread shared by several apps (sharedAppWorker.ts) starts from. */
export interface SharedThreadData extends WorkerEntry {
  heartbeatMs: number;
  /** One Int32: the slot of the app whose code the thread entered last (-1: none yet), so the
   * host can name the app a stuck thread is stuck in. */
  running: SharedArrayBuffer;
}

/** Host to a shared thread: apps come and go by slot; each app's messages are ToWorker's. */
export type ToSharedThread =
  | { kind: "open"; slot: number; data: AppWorkerData }
  | { kind: "to"; slot: number; message: ToWorker }
  /** Drop the app without a goodbye (its link is already gone on the host's side). */
  | { kind: "close"; slot: number };

/** A shared thread to its host: the thread's own heartbeat, and each app's messages. */
export type FromSharedThread = { kind: "loaded" } | { kind: "alive" } | { kind: "from"; slot: number; message: FromWorker };
