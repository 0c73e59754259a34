/** A whole simulated device as the local cloud runs it: the MQTT link (aws-iot-device-sdk-v2,
 * mutual TLS), the OTA agent with its A/B slots in the device's state dir, and a simulated board
 * that keeps its pin state across app updates (the hardware doesn't change when the app does).
 * Real firmware would do the same with its HAL instead of SimulatedBoard. */
import type { MicroviumEngine } from "../core/engine/types";
import type { DevicePackage } from "../core/contracts/devicePackage";
import { SimulatedBoard, type DigitalWrite } from "./board";
import { RealClock } from "./clock";
import { MqttTransport } from "./comms";
import { Device } from "./device";
import { OtaAgent, type OtaEvent } from "./ota";
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
  /** Told about every digital pin write, whichever board the installed app needs. */
  onDigitalWrite?: (write: DigitalWrite) => void;
  gracePeriodMs?: number;
  keepAliveSeconds?: number;
  onLog?: (line: string) => void;
  onOtaEvent?: (event: OtaEvent) => void;
}

export class SimulatedDevice {
  private constructor(
    readonly thing: string,
    private readonly hardware: { board?: SimulatedBoard },
    readonly transport: MqttTransport,
    readonly agent: OtaAgent,
    private readonly current: { device?: Device },
  ) {}

  static async start(options: SimulatedDeviceOptions): Promise<SimulatedDevice> {
    const clock = new RealClock();
    const offset = options.pinTimeOffsetMs ?? 0;
    const hardware: { board?: SimulatedBoard } = {};
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
    const boot = async (pkg: DevicePackage) => {
      const board = boardFor(hardware.board, pkg, () => clock.now() + offset, options);
      hardware.board = board;
      const device = await Device.boot({ manifest: pkg.manifest, snapshot: pkg.snapshot, thing: options.thing, board, clock, transport, engine: options.engine, onLog: log });
      current.device = device;
      return {
        errors: device.supervisor.appErrors,
        stop: async () => {
          if (current.device === device) current.device = undefined;
          await device.stop();
        },
      };
    };
    const agent = new OtaAgent({ thing: options.thing, stateDir: options.stateDir, connection: transport.connection, caCertPem: options.caCertPem, boot, gracePeriodMs: options.gracePeriodMs, log });
    if (options.onOtaEvent) agent.onEvent(options.onOtaEvent);
    try {
      await agent.start();
    } catch (e) {
      await transport.disconnect();
      throw e;
    }
    return new SimulatedDevice(options.thing, hardware, transport, agent, current);
  }

  /** The simulated hardware (undefined before the first install); replaced when an app built
   * for another board is installed. */
  get board(): SimulatedBoard | undefined {
    return this.hardware.board;
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
