import { verifySnapshot } from "../core/contracts/buildOutput";
import type { MicroviumEngine } from "../core/engine/types";
import { loadWasmEngine } from "../core/engine";
import type { Manifest } from "../core/contracts/manifest";
import { FeatureVm } from "../core/runtime/featureVm";
import { SimulatedBoard, type Board } from "./board";
import { DEFAULT_BOARD } from "../core/boards";
import { RealClock, type Clock } from "./clock";
import { Supervisor, type AppFailure } from "./supervisor";
import { InMemoryTransport, type Transport } from "./transport";
import { FileSettingsStorage } from "./settings/deviceSettings";

export interface DeviceOptions {
  manifest: Manifest;
  snapshot: Uint8Array;
  /** Thing name (= MQTT client id = certificate CN). */
  thing: string;
  board?: Board;
  clock?: Clock;
  transport?: Transport;
  engine?: MicroviumEngine;
  onLog?: (line: string) => void;
  /** Told about every outage (false) and reconnect (true); counts are on `device.supervisor`. */
  onConnectionChange?: (connected: boolean) => void;
  /** Told about every failing app callback (also at start, while boot runs). */
  onAppFailure?: (failure: AppFailure) => void;
  outboxCapacity?: number;
  /** See SupervisorOptions.reorderTimeoutMs. */
  reorderTimeoutMs?: number;
  /** See SupervisorOptions.reorderMaxStreams, reorderMaxHeld and reorderMaxHeldBytes. */
  reorderMaxStreams?: number;
  reorderMaxHeld?: number;
  reorderMaxHeldBytes?: number;
  inFlightWindow?: number;
  logCapacity?: number;
  /** Unique per boot (see SupervisorOptions.bootId); pass it when the transport's last will names it. */
  bootId?: string;
  /** Bytecode instructions each app callback may run (FeatureVmOptions; default 1,000,000). */
  instructionBudget?: number;
  /** A file that keeps the app's settings across reboots and updates (a JSON file in the device's
   * state dir, outside the OTA slots); without it they live in memory. Plain data, so an isolated
   * app's worker gets it too. */
  settingsFile?: string;
}

/** A device: supervisor + the app's device snapshot on the Microvium engine. The snapshot's
 * sha256 is checked against the manifest before the engine sees a byte of it (malformed
 * snapshots have crashed mvm_restore upstream). */
export class Device {
  private constructor(
    readonly supervisor: Supervisor,
    readonly vm: FeatureVm,
    readonly board: Board,
    readonly transport: Transport,
    readonly clock: Clock,
  ) {}

  static async boot(options: DeviceOptions): Promise<Device> {
    verifySnapshot(options.snapshot, options.manifest.snapshots.device, `device snapshot of ${options.manifest.app}`);
    const clock = options.clock ?? new RealClock();
    const board = options.board ?? SimulatedBoard.forManifest(options.manifest, () => clock.now());
    const builtFor = options.manifest.board ?? DEFAULT_BOARD.name;
    if (builtFor !== board.name) {
      throw new Error(`${options.manifest.app} ${options.manifest.version.slice(0, 12)} was built for board "${builtFor}", this device is a "${board.name}": rebuild with --board ${board.name}`);
    }
    const transport = options.transport ?? new InMemoryTransport();
    const engine = options.engine ?? (await loadWasmEngine());
    const supervisor = new Supervisor({
      app: options.manifest.app,
      thing: options.thing,
      manifest: options.manifest,
      board,
      clock,
      transport,
      onLog: options.onLog,
      onConnectionChange: options.onConnectionChange,
      onAppFailure: options.onAppFailure,
      outboxCapacity: options.outboxCapacity,
      inFlightWindow: options.inFlightWindow,
      logCapacity: options.logCapacity,
      bootId: options.bootId,
      reorderTimeoutMs: options.reorderTimeoutMs,
      reorderMaxStreams: options.reorderMaxStreams,
      reorderMaxHeld: options.reorderMaxHeld,
      reorderMaxHeldBytes: options.reorderMaxHeldBytes,
      settingsStorage: options.settingsFile ? new FileSettingsStorage(options.settingsFile) : undefined,
    });
    const vm = new FeatureVm(engine, options.snapshot, "device", supervisor, { app: options.manifest, instructionBudget: options.instructionBudget });
    supervisor.start(vm);
    return new Device(supervisor, vm, board, transport, clock);
  }

  /** Stops the app at once; the promise settles when the offline status is acknowledged. */
  stop(): Promise<void> {
    const offline = this.supervisor.stop();
    this.vm.dispose();
    return offline;
  }
}
