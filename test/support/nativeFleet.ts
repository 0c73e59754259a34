/** The local cloud with native device processes, for the native device's tests and benches:
 * a real LocalCloud (broker with IoT policies over mutual TLS, Jobs, HTTPS artifact store) and
 * `snapfleet-device connect` processes with certificates from its PKI. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { compileFeatures, type CompileResult } from "../../core/compiler/compileFeatures";
import { decodeDeviceStatus, type DeviceStatus } from "../../core/contracts/deviceStatus";
import { decodeEnvelope, type Envelope } from "../../core/contracts/envelope";
import { parseAppTopic, topics } from "../../core/contracts/topics";
import type { Execution } from "../../core/jobs/jobBook";
import { NativeDevice, type NativeDeviceOptions } from "../../firmware/native/nativeDevice";
import { LocalCloud } from "../../local/cloud";
import { connectDashboard } from "./dashboardClient";
import { writeFeatures } from "./tempFeatures";

export const NATIVE_APP = "nat-app";

/** The device program, built once per process (snapfleet firmware build --target posix). */
let built: Promise<string> | undefined;
export function nativeDeviceBinary(): Promise<string> {
  built ??= (async () => {
    const script = path.join(__dirname, "..", "..", "scripts", "build-firmware.mjs");
    const { buildFirmware } = (await import(script)) as { buildFirmware(options: { target: "posix" }): Promise<{ program: string }> };
    return (await buildFirmware({ target: "posix", log: () => {} } as { target: "posix" })).program;
  })();
  return built;
}

/** Compiles an app of NATIVE_APP whose App body is `body`. */
export function compileNativeApp(body: string, board?: string): Promise<CompileResult> {
  const entry = writeFeatures({ "app.ts": `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n${body}\n}\n` }, NATIVE_APP);
  return compileFeatures({ entry, board });
}

export class NativeFleet {
  readonly devices = new Map<string, NativeDevice>();
  /** Every line each device printed. */
  readonly logs = new Map<string, string[]>();
  private cloudStopped = false;

  private constructor(
    readonly cloud: LocalCloud,
    readonly stateDir: string,
    readonly binary: string,
  ) {}

  static async start(build: CompileResult, log?: (line: string) => void): Promise<NativeFleet> {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-native-"));
    const binary = await nativeDeviceBinary();
    const cloud = await LocalCloud.start({ stateDir, build, port: 0, dashboardBundleDir: null, log });
    return new NativeFleet(cloud, stateDir, binary);
  }

  /** Starts (or restarts, same state dir) a device process and adds it to the fleet's group
   * (`port`: another broker on the same state dir, after stopCloud). */
  async startDevice(thing: string, extra: Partial<NativeDeviceOptions> = {}): Promise<NativeDevice> {
    const identity = await this.cloud.broker.provisionDevice(thing);
    const lines = this.logs.get(thing) ?? [];
    this.logs.set(thing, lines);
    const device = await NativeDevice.start({
      binary: this.binary,
      app: this.cloud.app,
      thing,
      stateDir: this.deviceStateDir(thing),
      endpoint: "127.0.0.1",
      port: this.cloud.broker.mqttsPort,
      caPath: this.cloud.broker.pki.caCertPath,
      certPath: identity.certPath,
      keyPath: identity.keyPath,
      keepAliveSeconds: 2,
      ...extra,
      onLog: (line) => {
        lines.push(line);
        extra.onLog?.(line);
      },
    });
    this.devices.set(thing, device);
    if (!this.cloudStopped) this.cloud.addDevice(thing);
    return device;
  }

  deviceStateDir(thing: string): string {
    return path.join(this.stateDir, "devices", thing);
  }

  execution(thing: string, jobId: string): Execution | undefined {
    try {
      return this.cloud.jobs.book.execution(thing, jobId);
    } catch {
      return undefined;
    }
  }

  logOf(thing: string): string {
    return (this.logs.get(thing) ?? []).join("\n");
  }

  /** Stops the cloud alone (the devices see an outage); stop() then leaves it. */
  async stopCloud(): Promise<void> {
    if (this.cloudStopped) return;
    this.cloudStopped = true;
    await this.cloud.stop();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.devices.values()].map((d) => d.stop()));
    await this.stopCloud();
    fs.rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** What the dashboard reads (web/src/fleet.ts): retained status and every `up` message of the
 * app, over MQTT/WebSocket with a dashboard token, as the page subscribes. */
export class DashboardView {
  readonly statuses: { thing: string; status: DeviceStatus }[] = [];
  readonly messages: { thing: string; channel: string; envelope: Envelope }[] = [];

  private constructor(private readonly client: mqtt.MqttClient) {}

  static async connect(cloud: LocalCloud): Promise<DashboardView> {
    const client = await connectDashboard(cloud.broker, { clientId: `sf-${cloud.app}-dashboard-native-test` });
    const view = new DashboardView(client);
    client.on("message", (topic, payload) => {
      const parsed = parseAppTopic(topic);
      if (!parsed) return;
      if (parsed.kind === "status" && payload.length > 0) view.statuses.push({ thing: parsed.thing, status: decodeDeviceStatus(payload) });
      if (parsed.kind === "up" && parsed.channel) view.messages.push({ thing: parsed.thing, channel: parsed.channel, envelope: decodeEnvelope(payload) });
    });
    await client.subscribeAsync([topics.status(cloud.app, "+"), topics.up(cloud.app, "+", "+")], { qos: 1 });
    return view;
  }

  lastStatus(thing: string): DeviceStatus | undefined {
    return this.statuses.filter((s) => s.thing === thing).at(-1)?.status;
  }

  lastValue(thing: string, channel: string): unknown {
    return this.messages.filter((m) => m.thing === thing && m.channel === channel).at(-1)?.envelope.v;
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}
