/** The whole local cloud on one machine: the IoT-policy broker, the Jobs MQTT API, the artifact
 * store, the dashboard server and the fleet monitor, wired the way AWS wires the deployed
 * pieces. `deploy(build)` is the local `pulumi up`: new device code becomes a new OTA job for the
 * app's thing group; web-only changes just reach the dashboard. */
import { DEFAULT_LOCAL_CLOUD_PORT } from "./defaultPort";
import fs from "node:fs";
import path from "node:path";
import { writeBuild, type BuildOutput } from "../../core/contracts/buildOutput";
import type { Manifest } from "../../core/contracts/manifest";
import { encodeDevicePackage } from "../../core/contracts/devicePackage";
import { otaJobDocument, otaJobId, unusedJobId } from "../../core/contracts/jobDocument";
import type { JobConfig } from "../../core/jobs/jobBook";
import { checkStages, type RolloutStage } from "../../core/jobs/stagedRollout";
import { isBrokerNoise } from "./brokerNoise";
import { ArtifactStore } from "../artifacts";
import { LocalBroker } from "../broker";
import { startDashboardServer, type DashboardServer } from "../dashboard";
import { JobsService, localArtifactUrl, localJobsSource, resolveLocalArtifactUrl, StagedRollouts } from "../jobs";
import { CloudHalf } from "../server/cloudHalf";
import { openLocalDatabase, type LocalDatabase } from "../database/localDatabase";
import { ShadowService } from "../shadows/shadowService";
import { followSettingsShadows, localServerSettings } from "../server/shadowSettings";
import { ApprovalStore, FleetProvisioningService, localApprovalsSource } from "../provisioning";
import { makePrivateStateDir } from "./privateStateDir";
import { FleetMonitor } from "./fleetMonitor";
import { UpstreamReceiver } from "./upstreamReceiver";
import { retiredChannels } from "../../core/policy";
import { retiredAtStart, writeRetiredChannels } from "./retiredChannelsFile";

/** Where the local cloud keeps the build it deployed last (manifest.json and the snapshots the
 * dashboard serves); the next run reads what its devices may still run from there. */
export function currentBuildDir(stateDir: string): string {
  return path.join(stateDir, "current");
}

/** The manifest of the build a state dir's previous run deployed: what its devices still run.
 * Undefined on a first run (or when the file is unreadable: nothing to compare with). */
export function deployedManifest(stateDir: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(currentBuildDir(stateDir), "manifest.json"), "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

export interface LocalCloudOptions {
  stateDir: string;
  build: BuildOutput;
  host?: string;
  /** Dashboard HTTP port (default DEFAULT_LOCAL_CLOUD_PORT); 0 picks free ports for everything
   * (tests). The broker listens on port+1 (MQTT over TLS) and port+2 (MQTT over WebSocket) so
   * the addresses are predictable. */
  port?: number;
  /** The static dashboard (dist/web-bundle); null runs without a dashboard. */
  dashboardBundleDir?: string | null;
  /** OTA rollout settings of every job (AWS's shape; defaults: 1000/min, abort at 50% of ≥ 3). */
  ota?: Pick<JobConfig, "maximumPerMinute" | "abort" | "inProgressTimeoutInMinutes"> & {
    /** Staged rollout (FeatureApp's `ota.stages`): each version reaches these shares of the
     * fleet in turn and halts when `abort`'s failure share is reached (docs/staged-rollouts.md). */
    stages?: RolloutStage[];
  };
  log?: (line: string) => void;
}

export interface DeployResult {
  version: string;
  /** Set when the device code changed and a new OTA job was created. */
  jobId?: string;
}

export class LocalCloud {
  readonly monitor: FleetMonitor;
  /** The server end of the way up: device messages once each, a QoS 1 channel's in the device's order. */
  private readonly upstream: UpstreamReceiver;
  private deployedVersion: string | undefined;
  /** Device shadows (settings live in one per thing: core/settings), in the local database. */
  shadows!: ShadowService;
  /** Boards waiting for, or given, an operator's decision (onboarding by claim; the dashboard's
   * approve/deny and `snapfleet devices approve|deny` call this). */
  readonly approvals: ApprovalStore;
  private readonly provisioning: FleetProvisioningService;
  /** Set when `ota.stages` is: the stage each device is in and the current rollout's progress. */
  readonly rollouts: StagedRollouts | undefined;

  private constructor(
    readonly app: string,
    readonly broker: LocalBroker,
    readonly jobs: JobsService,
    readonly artifacts: ArtifactStore,
    readonly dashboard: DashboardServer | undefined,
    /** What the dashboard serves: manifest.json and web.snap of the last deployed build. */
    private readonly buildDir: string,
    private readonly options: LocalCloudOptions,
    /** Server code, history and alerts (local/server/cloudHalf.ts). */
    readonly cloudHalf: CloudHalf,
    /** The state dir's database, opened once: approvals, shadows, history and server VM state. */
    private readonly database: LocalDatabase,
    /** Opened before the dashboard server, whose approvals API decides with them. */
    approvals: ApprovalStore,
  ) {
    this.monitor = new FleetMonitor(app);
    // Fleet provisioning by claim: an approved board becomes a thing and joins the fleet.
    this.approvals = approvals;
    this.provisioning = FleetProvisioningService.start({
      app,
      aedes: broker.aedes,
      pki: broker.pki,
      registry: broker.registry,
      approvals: this.approvals,
      onProvisioned: (thing) => this.addDevice(thing),
      log: options.log,
    });
    const ota = options.ota ?? {};
    const abort = ota.abort ?? DEFAULT_ABORT;
    this.rollouts = ota.stages
      ? new StagedRollouts({
          jobs,
          thingGroup: this.thingGroup,
          policy: { stages: checkStages(ota.stages, "LocalCloud"), abortFailurePercent: abort.thresholdPercentage, minExecutedForAbort: abort.minNumberOfExecutedThings },
          log: options.log,
        })
      : undefined;
    this.upstream = new UpstreamReceiver({
      app,
      manifest: () => broker.manifest,
      deliver: (m) => {
        this.monitor.observe(m.topic, m.payload);
        cloudHalf.receive(m.thing, m.channel, m.envelope.id, m.envelope.v, m.envelope.t);
      },
      log: options.log,
    });
  }

  /** The thing group every local device joins and every OTA job targets. */
  get thingGroup(): string {
    return `${this.app}-fleet`;
  }

  static async start(options: LocalCloudOptions): Promise<LocalCloud> {
    const { manifest } = options.build;
    // Bad stages fail before anything listens (the constructor checks them again, cheaply).
    if (options.ota?.stages) checkStages(options.ota.stages, "LocalCloud");
    const log = (line: string) => {
      if (!isBrokerNoise(line)) options.log?.(line);
    };
    const port = options.port ?? DEFAULT_LOCAL_CLOUD_PORT;
    const host = options.host ?? "127.0.0.1";
    makePrivateStateDir(options.stateDir);
    // Decided against the build this state dir's devices still run, before it is overwritten.
    const retired = retiredAtStart(options.stateDir, deployedManifest(options.stateDir), manifest);
    const broker = await LocalBroker.start({
      stateDir: options.stateDir,
      app: manifest.app,
      manifest,
      retiredChannels: retired,
      host,
      mqttsPort: port === 0 ? 0 : port + 1,
      wsPort: port === 0 ? 0 : port + 2,
      // Sessions on disk, so a broker restart loses no queued command, within AWS IoT's
      // persistent-session limits (local/broker/sessionLimits.ts cites the quotas page).
      persistSessions: true,
      log,
    });
    const stops: (() => Promise<void>)[] = [() => broker.stop()];
    // One connection for every concept that stores data (local/database): closed last.
    const database = openLocalDatabase(options.stateDir);
    stops.unshift(async () => {
      database.close();
    });
    try {
      const artifacts = await ArtifactStore.start({ stateDir: options.stateDir, pki: broker.pki, host, log });
      stops.push(() => artifacts.stop());
      const jobs = await JobsService.start({ aedes: broker.aedes, resolveDocument: (doc) => resolveLocalArtifactUrl(doc, (sha) => artifacts.signedUrl(sha)), log });
      stops.push(() => jobs.stop());
      // Shadows before the server host: an onDevice handler starts with its device's settings.
      const shadows = await ShadowService.start({ aedes: broker.aedes, database, log });
      stops.push(() => shadows.stop());
      const cloudHalf = await CloudHalf.start({ database, app: manifest.app, build: options.build, broker, log, settings: localServerSettings(manifest.app, shadows, broker.aedes, log) });
      stops.push(() => cloudHalf.stop());
      followSettingsShadows(manifest.app, shadows, (thing) => cloudHalf.settingsChanged(thing));
      const buildDir = currentBuildDir(options.stateDir);
      writeBuild(buildDir, options.build);
      writeRetiredChannels(options.stateDir, retired);
      // The operator's approvals: before the dashboard server, whose approvals API decides with them.
      const approvals = new ApprovalStore(database);
      const dashboard =
        options.dashboardBundleDir === null
          ? undefined
          : await startDashboardServer({
              bundleDir: options.dashboardBundleDir ?? defaultBundleDir(),
              buildDir,
              broker,
              host,
              port,
              history: { channels: () => broker.manifest.channels, query: (q) => cloudHalf.queryHistory(q) },
              jobs: localJobsSource(jobs, manifest.app, (token) => broker.verifyDashboardToken(token)),
              approvals: localApprovalsSource(approvals, (token) => broker.verifyDashboardToken(token)),
            });
      const cloud = new LocalCloud(manifest.app, broker, jobs, artifacts, dashboard, buildDir, options, cloudHalf, database, approvals);
      cloud.shadows = shadows;
      await cloud.watchTraffic();
      jobs.onExecutionChange((e) => cloud.monitor.setOta(e.thingName, e.status === "IN_PROGRESS" && e.statusDetails.step ? `${e.status} ${e.statusDetails.step}` : e.status));
      return cloud;
    } catch (e) {
      for (const stop of stops.reverse()) await stop().catch(() => {});
      throw e;
    }
  }

  /** Publishes a build: dashboard files, broker policies, and an OTA job if the device code changed. */
  async deploy(build: BuildOutput): Promise<DeployResult> {
    const { manifest } = build;
    if (manifest.app !== this.app) throw new Error(`deploy: the build is for app "${manifest.app}"; this local cloud runs "${this.app}"`);
    // Devices still on the build deployed before keep a publish-only right on the channels this
    // one takes from them (core/policy/retiredChannels.ts), as FeatureApp does on AWS.
    const retired = retiredChannels(this.broker.manifest.channels, manifest.channels, this.broker.retiredChannels);
    this.broker.reloadManifest(manifest, retired);
    writeBuild(this.buildDir, build);
    writeRetiredChannels(this.options.stateDir, retired);
    await this.cloudHalf.load(build);
    if (manifest.version === this.deployedVersion) return { version: manifest.version };
    const pkg = encodeDevicePackage(manifest, build.snapshots.device);
    const sha256 = this.artifacts.put(pkg.bytes);
    const jobId = unusedJobId(otaJobId(this.app, manifest.version), (id) => this.jobs.book.job(id) !== undefined);
    const document = otaJobDocument(manifest, pkg, localArtifactUrl(sha256));
    const ota = this.options.ota ?? {};
    const job = {
      jobId,
      document: { ...document },
      maximumPerMinute: ota.maximumPerMinute ?? 1000,
      abort: ota.abort ?? DEFAULT_ABORT,
      inProgressTimeoutInMinutes: ota.inProgressTimeoutInMinutes ?? 10,
    };
    if (this.rollouts) this.rollouts.start(job);
    else this.jobs.createJob({ ...job, thingGroup: this.thingGroup, targetSelection: "CONTINUOUS" });
    this.deployedVersion = manifest.version;
    return { version: manifest.version, jobId };
  }

  /** A device joins the fleet: it gets the current OTA job (continuous targeting). */
  addDevice(thing: string): void {
    this.monitor.expect(thing);
    this.jobs.addThingToGroup(this.thingGroup, thing);
    this.cloudHalf.addDevice(thing);
    this.rollouts?.addDevice(thing);
  }

  async stop(): Promise<void> {
    this.upstream.clear();
    this.rollouts?.stop();
    this.provisioning.stop();
    await this.dashboard?.stop();
    await this.jobs.stop();
    await this.artifacts.stop();
    // The server host first: a setting its last batch set still reaches the shadow service.
    await this.cloudHalf.stop();
    await this.shadows.stop();
    await this.broker.stop();
    this.database.close();
  }

  /** The monitor listens in process, like an IoT rule: status, logs and every `up` message. */
  private async watchTraffic(): Promise<void> {
    const filter = `sf/${this.app}/#`;
    await new Promise<void>((resolve) =>
      this.broker.aedes.subscribe(
        filter,
        (packet, done) => {
          done();
          const payload = new Uint8Array(packet.payload as Buffer);
          if (!this.upstream.receive(packet.topic, payload)) this.monitor.observe(packet.topic, payload);
        },
        resolve,
      ),
    );
  }
}

const DEFAULT_ABORT = { thresholdPercentage: 50, minNumberOfExecutedThings: 3 };

/** dist/web-bundle of the snapfleet package (built by `npm run build`). */
function defaultBundleDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return path.join(dir, "dist", "web-bundle");
}
