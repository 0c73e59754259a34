/** A simulated device on the real local broker for the dashboard's end-to-end tests and bench:
 * firmware's Device (supervisor + device snapshot + SimulatedBoard) on firmware's MqttTransport
 * (aws-iot-device-sdk-v2, mutual TLS), with `online:false` as retained last will. */
import type { MicroviumEngine } from "../../core/engine/types";
import type { Manifest } from "../../core/contracts/manifest";
import { SimulatedBoard } from "../../firmware/board";
import { RealClock } from "../../firmware/clock";
import { MqttTransport } from "../../firmware/comms/mqttTransport";
import { Device } from "../../firmware/device";
import type { PinModel } from "../../firmware/pinModel";
import type { LocalBroker } from "../../local/broker";

export interface MqttDeviceOptions {
  broker: LocalBroker;
  manifest: Manifest;
  snapshot: Uint8Array;
  thing: string;
  engine: MicroviumEngine;
  /** Analog pin models (see firmware/board.ts); defaults to the board's. */
  pins?: Record<string, PinModel>;
  /** App logs and supervisor events, as `[app] ...` / `[supervisor] ...` lines. */
  onLog?: (line: string) => void;
}

/** A device connected to the broker; `stop()` says goodbye (status offline) and disconnects. */
export class MqttDevice {
  private constructor(
    readonly device: Device,
    readonly board: SimulatedBoard,
    private readonly transport: MqttTransport,
  ) {}

  static async connect(options: MqttDeviceOptions): Promise<MqttDevice> {
    const { broker, manifest, thing } = options;
    const identity = await broker.provisionDevice(thing);
    const clock = new RealClock();
    const bootId = Math.random().toString(16).slice(2, 10);
    const transport = new MqttTransport({
      endpoint: "127.0.0.1",
      port: broker.mqttsPort,
      caCertPem: broker.caCertPem,
      certPem: identity.certPem,
      keyPem: identity.keyPem,
      thing,
      // The supervisor publishes the retained status; the broker says "offline" for it on a crash.
      lastWill: { app: manifest.app },
    });
    await transport.connect();
    const board = SimulatedBoard.forManifest(manifest, () => clock.now(), options.pins);
    try {
      const device = await Device.boot({ manifest, snapshot: options.snapshot, thing, board, clock, transport, engine: options.engine, bootId, onLog: options.onLog });
      return new MqttDevice(device, board, transport);
    } catch (error) {
      await transport.disconnect();
      throw error;
    }
  }

  /** Publishes like the device's app would (for the bench: one value, known send time). */
  publishUp(topic: string, payload: string): Promise<void> {
    return this.transport.publish(topic, payload, 0);
  }

  /** Stops the app (the supervisor publishes "offline"; a clean disconnect suppresses the will). */
  async stop(): Promise<void> {
    await this.device.stop();
    await this.transport.disconnect();
  }
}
