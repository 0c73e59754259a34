/** A whole simulated device as the local cloud runs it: the MQTT link (aws-iot-device-sdk-v2,
 * mutual TLS), the OTA agent with its A/B slots in the device's state dir, and a simulated board
 * that keeps its pin state across app updates (the hardware doesn't change when the app does).
 * Real firmware would do the same with its HAL instead of SimulatedBoard. */
import path from "node:path";
import type { MicroviumEngine } from "../core/engine/types";
import type { DevicePackage } from "../core/contracts/devicePackage";
import type { Manifest } from "../core/contracts/manifest";
import { SimulatedBoard, type DigitalWrite } from "./board";
import { RealClock } from "./clock";
import { MqttTransport } from "./comms";
import { Device } from "./device";
import type { AppDeviceOptions, PinWriteReport } from "./isolation/appWorkerProtocol";
import type { AppThreadPool } from "./isolation/appThreadPool";
import { IsolatedApp } from "./isolation/isolatedApp";
import type { AppFailure } from "./supervisor";
import { OtaAgent, type CrashLoopOptions, type OtaEvent, type RunningApp } from "./ota";
import type { PinModel } from "./pinModel";

export interface SimulatedDeviceOptions {
  app: string;
  thing: string;
  /** The device's flash: OTA slots and ota.json. */
  stateDir: string;
  endpoint: string;
  port: number;
  caCertPem?: string;
  certPem: string;
  keyPem: string;
  /** For apps in this thread (default: a fresh load of the WebAssembly engine per app). */
  engine?: MicroviumEngine;
  /** Analog pin models by pin name; others follow the board's default sine. */
  pinModels?: Record<string, PinModel>;
  /** Told about every digital pin write of an app in this thread, whichever board the installed
   * app needs (isolated apps report through `isolation.onPinWrite`). */
  onDigitalWrite?: (write: DigitalWrite) => void;
  /** Shifts this board's pin models in time, so a simulated fleet doesn't read in lockstep. */
  pinTimeOffsetMs?: number;
  gracePeriodMs?: number;
  /** Failures that count as a crash loop and roll back (default 5 within 60 s). */
  crashLoop?: CrashLoopOptions;
  keepAliveSeconds?: number;
  /** How long the first connect keeps trying after transient failures (MqttTransport's default: 60 s). */
  firstConnectBudgetMs?: number;
  /** Aborting it while the device starts ends its connect attempts: start() rejects at once. */
  signal?: AbortSignal;
  onLog?: (line: string) => void;
  onOtaEvent?: (event: OtaEvent) => void;
  /** Run each app in its own worker thread (firmware/isolation/), with a watchdog; without
   * it the app shares this thread, and `engine` and `pinModels` serve it. */
  isolation?: {
    /** `--pin` specs: models are functions and can't cross to the worker. */
    pinSpecs?: string[];
    watchdogMs?: number;
    onPinWrite?: (report: PinWriteReport) => void;
    device?: AppDeviceOptions;
    /** Where a version's callbacks were written, when the host has that build (`snapfleet dev`):
     * failures then name file:line although the package carries no sites. */
    callbackSitesFor?: (version: string) => Manifest["callbackSites"];
    /** Share threads with other devices' apps (a large fleet; firmware/isolation/appThreadPool.ts). */
    pool?: AppThreadPool;
  };
}

export class SimulatedDevice {
  private constructor(
    readonly thing: string,
    private readonly hardware: { board?: SimulatedBoard },
    readonly transport: MqttTransport,
    readonly agent: OtaAgent,
    private readonly current: { device?: Device; isolated?: IsolatedApp; halted?: boolean },
  ) {}

  static async start(options: SimulatedDeviceOptions): Promise<SimulatedDevice> {
    const clock = new RealClock();
    const offset = options.pinTimeOffsetMs ?? 0;
    const hardware: { board?: SimulatedBoard } = {};
    const log = options.onLog ?? (() => {});
    const transport = MqttTransport.forDevice(options, log);
    const abandon = () => void transport.disconnect();
    if (options.signal?.aborted) abandon();
    options.signal?.addEventListener("abort", abandon, { once: true });
    try {
      await transport.connect();
    } finally {
      options.signal?.removeEventListener("abort", abandon);
    }
    const current: { device?: Device; isolated?: IsolatedApp; halted?: boolean } = {};
    const isolation = options.isolation;
    // Beside the OTA slots, not in them: settings outlive reboots and updates (firmware/settings/).
    const settingsFile = path.join(options.stateDir, "settings.json");
    // The board's digital levels, shared by every isolated app this device runs.
    const digitalPins: Record<string, boolean> = {};
    const bootIsolated = async (pkg: DevicePackage, onFailure: (failure: AppFailure) => void): Promise<RunningApp> => {
      if (current.halted) throw new Error(`${options.thing} is halted`);
      const app = await IsolatedApp.start({
        manifest: { ...pkg.manifest, callbackSites: isolation?.callbackSitesFor?.(pkg.manifest.version) ?? pkg.manifest.callbackSites },
        snapshot: pkg.snapshot,
        thing: options.thing,
        transport,
        pinSpecs: isolation?.pinSpecs,
        pinTimeOffsetMs: offset,
        digitalPins,
        watchdogMs: isolation?.watchdogMs,
        onLog: log,
        onPinWrite: isolation?.onPinWrite,
        device: { ...isolation?.device, settingsFile },
        onFailure,
        pool: isolation?.pool,
      });
      current.isolated = app;
      return app;
    };
    const bootInProcess = async (pkg: DevicePackage, onAppFailure: (failure: AppFailure) => void): Promise<RunningApp> => {
      const board = boardFor(hardware.board, pkg, () => clock.now() + offset, options);
      hardware.board = board;
      const device = await Device.boot({ manifest: pkg.manifest, snapshot: pkg.snapshot, thing: options.thing, board, clock, transport, engine: options.engine, onLog: log, onAppFailure, settingsFile });
      current.device = device;
      return {
        report: (line) => device.supervisor.report(line),
        stop: async () => {
          if (current.device === device) current.device = undefined;
          await device.stop();
        },
      };
    };
    const boot = isolation ? bootIsolated : bootInProcess;
    // A start that fails after the connect (the agent's slots can't be made, its first job
    // request fails) must not leave the link up: the crt would keep it, reconnecting, forever.
    try {
      const agent = new OtaAgent({ thing: options.thing, stateDir: options.stateDir, connection: transport.connection, caCertPem: options.caCertPem, boot, gracePeriodMs: options.gracePeriodMs, crashLoop: options.crashLoop, log });
      if (options.onOtaEvent) agent.onEvent(options.onOtaEvent);
      await agent.start();
      return new SimulatedDevice(options.thing, hardware, transport, agent, current);
    } catch (e) {
      await transport.disconnect();
      throw e;
    }
  }

  /** The simulated hardware of an app in this thread (undefined before the first install, or
   * when isolated); replaced when an app built for another board is installed. */
  get board(): SimulatedBoard | undefined {
    return this.hardware.board;
  }

  /** The app running now in this thread (undefined before the first install, or when isolated). */
  get device(): Device | undefined {
    return this.current.device;
  }

  /** The app's worker, when isolated (undefined before the first install). */
  get isolatedApp(): IsolatedApp | undefined {
    return this.current.isolated;
  }

  /** Clean stop: the app says offline (retained status), then the link closes. */
  async stop(): Promise<void> {
    await this.agent.stop();
    await this.transport.disconnect();
  }

  /** Stop for a deadline that ran out (an install in progress, an app that doesn't answer): the
   * app's thread is terminated, nothing more boots, the link closes. */
  async halt(): Promise<void> {
    this.current.halted = true;
    await this.current.isolated?.kill();
    void this.current.device?.stop();
    await this.transport.disconnect();
  }
}

/** The board keeps its pin state across app updates (the hardware doesn't change when the app
 * does), unless the new app was built for another board: a simulator then becomes that board,
 * where real hardware would refuse the app (firmware/device.ts). */
function boardFor(current: SimulatedBoard | undefined, pkg: DevicePackage, now: () => number, options: SimulatedDeviceOptions): SimulatedBoard {
  const { manifest } = pkg;
  const fits = current && current.name === (manifest.board ?? current.name) && manifest.pins.every((p) => current.hasPin(p.kind, p.name));
  if (fits) return current;
  const board = SimulatedBoard.forManifest(manifest, now, options.pinModels);
  if (options.onDigitalWrite) board.onDigitalWrite(options.onDigitalWrite);
  return board;
}
