/** What `snapfleet dev` runs: compile the features, start the local cloud, deploy the build as
 * an OTA job, start a simulated fleet that installs it over the air, and redeploy on every edit.
 * The command (devCommand.ts) adds the terminal output; tests drive this class directly. */
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import type { BoardDefinition } from "../core/boards";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import type { PinModel } from "../firmware/pinModel";
import { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud, type DeployResult } from "../local/cloud";
import { FeatureWatcher } from "./featureWatcher";

export interface DevSessionOptions {
  entry: string;
  app?: string;
  /** The board the app is built for (core/boards); default the simulated board. */
  board?: BoardDefinition;
  secrets: Record<string, string | undefined>;
  missingSecretHint?: (names: string[]) => string;
  devices: number;
  /** Dashboard port (broker on port+1 and port+2); 0: free ports. */
  port: number;
  stateDir: string;
  pinModels?: Record<string, PinModel>;
  dashboardBundleDir?: string | null;
  /** Rebuild on edits of the entry's folder (default true). */
  watch?: boolean;
  log: (line: string) => void;
}

export interface RebuildResult extends DeployResult {
  ms: number;
}

export class DevSession {
  readonly devices: SimulatedDevice[] = [];
  private watcher: FeatureWatcher | undefined;

  private constructor(
    readonly cloud: LocalCloud,
    private readonly engine: MicroviumEngine,
    private readonly options: DevSessionOptions,
  ) {}

  static async start(options: DevSessionOptions): Promise<DevSession> {
    const [build, engine] = await Promise.all([compileOnce(options), loadWasmEngine()]);
    const cloud = await LocalCloud.start({
      stateDir: options.stateDir,
      build,
      port: options.port,
      dashboardBundleDir: options.dashboardBundleDir,
      log: (line) => options.log(`[cloud] ${line}`),
    });
    const session = new DevSession(cloud, engine, options);
    try {
      await cloud.deploy(build);
      for (let i = 1; i <= options.devices; i++) await session.addDevice(`sim-${i}`, (i - 1) * 7_919);
      if (options.watch !== false) {
        session.watcher = new FeatureWatcher({
          dir: path.dirname(path.resolve(options.entry)),
          rebuild: async () => {
            const result = await session.rebuild();
            options.log(result.jobId ? `rebuilt in ${result.ms} ms: device code changed, version ${result.version.slice(0, 12)}, OTA job ${result.jobId}` : `rebuilt in ${result.ms} ms: device code unchanged, dashboard updated, no OTA job`);
          },
          onError: (e) => options.log(`build failed, the fleet keeps running the last good version:\n${e.message}`),
        });
      }
    } catch (e) {
      await session.stop();
      throw e;
    }
    return session;
  }

  /** Compiles and deploys the current feature files. */
  async rebuild(): Promise<RebuildResult> {
    const started = performance.now();
    const build = await compileOnce(this.options);
    const result = await this.cloud.deploy(build);
    return { ...result, ms: Math.round(performance.now() - started) };
  }

  /** Starts one more simulated device; it joins the thing group and installs the current job. */
  async addDevice(thing: string, pinTimeOffsetMs = 0): Promise<SimulatedDevice> {
    const identity = await this.cloud.broker.pki.deviceIdentity(thing);
    const device = await SimulatedDevice.start({
      app: this.cloud.app,
      thing,
      stateDir: path.join(this.options.stateDir, "devices", thing),
      endpoint: "127.0.0.1",
      port: this.cloud.broker.mqttsPort,
      caCertPem: this.cloud.broker.caCertPem,
      certPem: identity.certPem,
      keyPem: identity.keyPem,
      engine: this.engine,
      pinModels: this.options.pinModels,
      // Each device reads its sensors at another point of the models: a fleet, not copies.
      pinTimeOffsetMs,
      onLog: (line) => this.options.log(`[${thing}] ${line}`),
    });
    this.devices.push(device);
    this.cloud.addDevice(thing);
    return device;
  }

  /** Devices say goodbye (offline status) before the broker goes away. */
  async stop(): Promise<void> {
    this.watcher?.close();
    await this.watcher?.idle();
    await Promise.all(this.devices.splice(0).map((d) => d.stop().catch(() => {})));
    await this.cloud.stop();
  }
}

function compileOnce(options: DevSessionOptions): Promise<CompileResult> {
  return compileFeatures({ entry: options.entry, app: options.app, board: options.board, secrets: options.secrets, missingSecretHint: options.missingSecretHint });
}
