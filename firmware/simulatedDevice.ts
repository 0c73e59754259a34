/** A whole simulated device as the local cloud runs it: the MQTT link (aws-iot-device-sdk-v2,
 * mutual TLS), the OTA agent with its A/B slots in the device's state dir, and a simulated board
 * that keeps its pin state across app updates (the hardware doesn't change when the app does).
 * Real firmware would do the same with its HAL instead of SimulatedBoard. */
import type { MicroviumEngine } from "../core/engine/types";
import type { DevicePackage } from "../core/contracts/devicePackage";
import { defaultAnalogModel, SimulatedBoard } from "./board";
import { RealClock } from "./clock";
import { MqttTransport } from "./comms";
import { Device } from "./device";
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
  engine: MicroviumEngine;
  /** Analog pin models by pin name; others follow the board's default sine. */
  pinModels?: Record<string, PinModel>;
  /** Shifts this board's pin models in time, so a simulated fleet doesn't read in lockstep. */
  pinTimeOffsetMs?: number;
  gracePeriodMs?: number;
  /** Failures that count as a crash loop and roll back (default 5 within 60 s). */
  crashLoop?: CrashLoopOptions;
  keepAliveSeconds?: number;
  onLog?: (line: string) => void;
  onOtaEvent?: (event: OtaEvent) => void;
}

export class SimulatedDevice {
  private constructor(
    readonly thing: string,
    readonly board: SimulatedBoard,
    readonly transport: MqttTransport,
    readonly agent: OtaAgent,
    private readonly current: { device?: Device },
  ) {}

  static async start(options: SimulatedDeviceOptions): Promise<SimulatedDevice> {
    const clock = new RealClock();
    const offset = options.pinTimeOffsetMs ?? 0;
    const board = new SimulatedBoard(() => clock.now() + offset);
    const log = options.onLog ?? (() => {});
    const transport = new MqttTransport({
      endpoint: options.endpoint,
      port: options.port,
      caCertPem: options.caCertPem,
      certPem: options.certPem,
      keyPem: options.keyPem,
      thing: options.thing,
      keepAliveSeconds: options.keepAliveSeconds,
      // No version in the will: the device may have installed others since it connected, and
      // monitors keep the last version they heard for an offline device.
      lastWill: { app: options.app, version: "", bootId: "will" },
      onLog: log,
    });
    await transport.connect();
    const current: { device?: Device } = {};
    const boot = async (pkg: DevicePackage, onAppFailure: (failure: AppFailure) => void): Promise<RunningApp> => {
      addPins(board, pkg, options.pinModels ?? {});
      const device = await Device.boot({ manifest: pkg.manifest, snapshot: pkg.snapshot, thing: options.thing, board, clock, transport, engine: options.engine, onLog: log, onAppFailure });
      current.device = device;
      return {
        report: (line) => device.supervisor.report(line),
        stop: async () => {
          if (current.device === device) current.device = undefined;
          await device.stop();
        },
      };
    };
    const agent = new OtaAgent({ thing: options.thing, stateDir: options.stateDir, connection: transport.connection, caCertPem: options.caCertPem, boot, gracePeriodMs: options.gracePeriodMs, crashLoop: options.crashLoop, log });
    if (options.onOtaEvent) agent.onEvent(options.onOtaEvent);
    try {
      await agent.start();
    } catch (e) {
      await transport.disconnect();
      throw e;
    }
    return new SimulatedDevice(options.thing, board, transport, agent, current);
  }

  /** The app running now (undefined before the first install). */
  get device(): Device | undefined {
    return this.current.device;
  }

  /** Clean stop: the app says offline (retained status), then the link closes. */
  async stop(): Promise<void> {
    await this.agent.stop();
    await this.transport.disconnect();
  }
}

/** Pins appear as packages declare them; existing pins keep their state and model. */
function addPins(board: SimulatedBoard, pkg: DevicePackage, models: Record<string, PinModel>): void {
  for (const pin of pkg.manifest.pins) {
    if (board.hasPin(pin.kind, pin.name)) continue;
    if (pin.kind === "digital") board.addDigitalPin(pin.name);
    else board.setAnalogModel(pin.name, models[pin.name] ?? defaultAnalogModel());
  }
}
