/** What `snapfleet dev` runs: compile the features, start the local cloud, deploy the build as
 * an OTA job, start a simulated fleet that installs it over the air, and redeploy on every edit.
 * Each device's app runs in its own worker thread (firmware/isolation/), so an app stuck in a
 * loop stalls neither the broker, the dashboard nor the other devices, and stop() always ends;
 * above SHARED_THREADS_ABOVE devices, the devices run in fleet host processes
 * (firmware/fleetHost/, at most DEVICES_PER_HOST each) where apps share a few threads (each in its
 * own VM), as a thread per app would not fit a laptop's memory at 1,000 devices, and the devices'
 * MQTT links would otherwise load the broker's event loop.
 * The command (devCommand.ts) adds the terminal output; tests drive this class directly. */
import type { RolloutStage } from "../core/jobs/stagedRollout";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import type { BoardDefinition } from "../core/boards";
import type { ChannelDecl } from "../core/contracts/manifest";
import { rememberSites, rememberedBuild, type CallbackSiteMemory } from "../firmware/fleetHost/callbackSiteMemory";
import { DeviceLineNamer } from "../core/runtime/callbackSiteNames";
import { FleetHost } from "../firmware/fleetHost/fleetHost";
import { stopDevices, within } from "../firmware/fleetHost/stopDevices";
import { describePinWrite, type AppDeviceOptions } from "../firmware/isolation/appWorkerProtocol";
import { HEARTBEAT_MS } from "../firmware/isolation/isolatedApp";
import { QemuDevice } from "../firmware/coprocessor/qemuDevice";
import { NativeDevice } from "../firmware/native/nativeDevice";
import { SimulatedDevice } from "../firmware/simulatedDevice";
import { LocalCloud, type DeployResult } from "../local/cloud";
import { startBounded } from "./boundedStarts";
import type { FleetStartProgress } from "./fleetStartProgress";
import { FeatureWatcher } from "./featureWatcher";
import { retiredChannelsNotice } from "./retiredChannels";
import { checkStateDirApp, manifestDeployedBefore } from "./deployedBefore";
import { firmwareProgram } from "./firmwareCommand";

export interface DevSessionOptions {
  entry: string;
  app?: string;
  /** The board the app is built for (core/boards); default the simulated board. */
  board?: BoardDefinition;
  /** The secrets' values, or where to read them at every build (a secrets file edited while
   * the session runs counts at the next rebuild). */
  secrets: Record<string, string | undefined> | (() => Record<string, string | undefined>);
  missingSecretHint?: (names: string[]) => string;
  devices: number;
  /** Dashboard port (broker on port+1 and port+2); 0: free ports. */
  port: number;
  stateDir: string;
  /** `--pin` specs (cli/pinModels.ts checks them); each device's worker builds its models. */
  pinSpecs?: string[];
  /** An app silent this long is reset (default 5000 ms). */
  watchdogMs?: number;
  /** Fleets larger than this run in fleet hosts and share threads (default SHARED_THREADS_ABOVE;
   * tests force it in a small fleet with a lower one). Simulated devices only. */
  sharedThreadsAbove?: number;
  /** Shared threads at most in each fleet host (default appThreadsPerHost: the hosts together one
   * per CPU, at least one each). */
  appThreads?: number;
  /** Devices connecting at once while the fleet starts, per fleet host (default CONNECTING_AT_ONCE;
   * the fleet bench tries others). */
  connectingAtOnce?: number;
  /** Device.boot options for every app (firmware/isolation/appWorkerProtocol.ts). */
  device?: AppDeviceOptions;
  dashboardBundleDir?: string | null;
  /** "typescript" (default): simulated devices in this process; "native": one
   * `snapfleet-device connect` process per device (firmware/native/nativeDevice.ts); "qemu":
   * one emulated Cortex-M33 board per device, linked to its network co-processor, a process of
   * its own holding that device's key (firmware/coprocessor/qemuDevice.ts). */
  deviceRuntime?: DeviceRuntime;
  /** The native device program (default build/firmware/posix/snapfleet-device under the
   * working directory; `snapfleet dev` builds it first). */
  nativeBinary?: string;
  /** The Cortex-M33 image (default build/firmware/cortex-m33/snapfleet-device.elf under the
   * working directory; `snapfleet dev` builds it first). */
  qemuImage?: string;
  /** The non-secure image QEMU loads beside qemuImage, for a TrustZone build (the
   * supervisor-secure build's engine image; `snapfleet dev --device-target`). */
  qemuNonSecureImage?: string;
  /** Staged rollout of every version (`--stages`; FeatureApp's `ota.stages`); default the whole fleet at once. */
  stages?: RolloutStage[];
  /** Rebuild on edits of the entry's folder (default true). */
  watch?: boolean;
  /** The local cloud as soon as it runs, before the devices start (a bench watches them arrive). */
  onCloud?: (cloud: LocalCloud) => void;
  log: (line: string) => void;
}

export type DeviceRuntime = "typescript" | "native" | "qemu";
export const DEVICE_RUNTIMES: readonly DeviceRuntime[] = ["typescript", "native", "qemu"];

/** What the session needs of a device, whichever runtime runs it. */
type FleetDevice = Pick<SimulatedDevice, "thing" | "stop" | "halt">;

export interface RebuildResult extends DeployResult {
  ms: number;
  /** Whether the dashboard's (web) snapshot differs from the build before. */
  webChanged: boolean;
}

/** Up to this many devices, each app has a thread of its own, so a loop resets only its own
 * device (README "Feature code that loops forever"). Above, apps share threads: a thread costs
 * about 14 MB (measured: README "A thousand devices"), 280 MB at this size. */
export const SHARED_THREADS_ABOVE = 20;
/** Devices connecting at once while a fleet starts, per fleet host (see boundedStarts.ts). */
export const CONNECTING_AT_ONCE = 16;
/** Devices of one fleet host process at most: libuv's cost per message grows with the links in
 * a loop (firmware/fleetHost/fleetHostProtocol.ts), so 1,000 devices go to 4 hosts. */
export const DEVICES_PER_HOST = 250;

/** Shared app threads in each of `hosts` fleet hosts: together one per CPU, at least one each.
 * Each thread is an isolate with its own heap and heartbeat, and threads beyond the cores only take
 * turns. Measured (bench/fleet.bench.ts, 1,000 devices in 4 hosts on 2 cores, alternated three
 * times, session 19): at rest the hosts took 29.3-30.7% of a core with one thread each against
 * 33.7-36.8% with two (one per CPU each, the earlier default); the start was the same (all online
 * on the version in 33.2-34.1 s against 32.3-34.1 s). The price: an app stuck in a loop the
 * instruction budget can't see resets its whole thread (firmware/isolation/sharedAppThread.ts), so
 * the other apps of its host start again, their links staying up. */
export function appThreadsPerHost(hosts: number, cpus = os.availableParallelism()): number {
  return Math.max(1, Math.floor(cpus / Math.max(1, hosts)));
}

export class DevSession {
  /** The devices in this process (a fleet up to SHARED_THREADS_ABOVE, native and QEMU devices). */
  readonly devices: FleetDevice[] = [];
  /** Devices that failed to start (the others run): which, and why. */
  readonly notStarted: Array<{ thing: string; reason: string }> = [];
  /** stop(): no device start begins any more, and the connects under way end. */
  private readonly starting = new AbortController();
  /** Things whose start is under way (shown as starting), and how many starts were begun and ended well. */
  private readonly startsUnderWay = new Set<string>();
  private begun = 0;
  private startedWell = 0;
  /** The fleet's start, once open() has begun it; caught once, so a session stopped without awaiting it can't leave a rejection unhandled. */
  private fleetStart: Promise<void> | undefined;
  /** Whether how the fleet's start ended was said (once: at its end, or by a stop during it). */
  private startSaid = false;
  /** The devices were handed to stopDevices: one whose start ends later is halted on arrival (keep()). */
  private devicesStopped = false;
  /** The fleet host processes of a fleet above SHARED_THREADS_ABOVE simulated devices. */
  private hosts: FleetHost[] = [];
  /** The channels of the build deployed last, which devices run until they install the next. */
  private deployedChannels: readonly ChannelDecl[] = [];
  private hostedDevices = 0;
  private watcher: FeatureWatcher | undefined;
  /** Callback sites of the versions this session built (firmware/fleetHost/callbackSiteMemory.ts). */
  private readonly callbackSites: CallbackSiteMemory = new Map();
  /** The last build's web snapshot: a rebuild says whether the dashboard changed. */
  private lastWeb: Uint8Array | undefined;

  private constructor(
    readonly cloud: LocalCloud,
    private readonly options: DevSessionOptions,
  ) {}

  /** Opens the session and waits for its fleet's start (every device started or failed to): what
   * tests and the fleet bench want. Rejects, stopping the session, when no device started. */
  static async start(options: DevSessionOptions): Promise<DevSession> {
    const session = await DevSession.open(options);
    try {
      await session.fleetStarted;
    } catch (e) {
      await session.stop();
      throw e;
    }
    return session;
  }

  /** Compiles the features, starts the local cloud, deploys the build and watches the entry's
   * folder; returns then, the devices' starts under way (fleetStarted, startProgress). `snapfleet
   * dev` shows its header and table and obeys Ctrl-C from here on: a start can take a while (a
   * thousand devices, QEMU boards, a device that can't connect trying for its budget) and stop()
   * ends it whenever it comes. */
  static async open(options: DevSessionOptions): Promise<DevSession> {
    // Fleet hosts load Node and their modules while this thread compiles the features and starts
    // the cloud: the machine's other cores would otherwise idle meanwhile.
    const hosts = launchHosts(options);
    // What the state dir's devices still run: checked against this app, compared for retired channels.
    const before = manifestDeployedBefore(options.stateDir);
    let build: CompileResult;
    let cloud: LocalCloud;
    try {
      build = await compileOnce(options);
      checkStateDirApp(options.stateDir, before, build.manifest.app);
      cloud = await LocalCloud.start({
        stateDir: options.stateDir,
        build,
        port: options.port,
        dashboardBundleDir: options.dashboardBundleDir,
        ota: options.stages ? { stages: options.stages } : undefined,
        log: (line) => options.log(`[cloud] ${line}`),
      });
    } catch (e) {
      await Promise.all(hosts.map((h) => h.stop()));
      throw e;
    }
    options.onCloud?.(cloud);
    const session = new DevSession(cloud, options);
    session.hosts = hosts;
    session.remember(build);
    try {
      await session.configureHosts();
      await cloud.deploy(build);
      session.deployed(before?.channels ?? [], build);
      // Watching before the devices start: an edit saved during a long start is built then, not
      // lost until the next save; its job reaches the devices started and those still to come,
      // as a later job reaches a board that joins the fleet.
      if (options.watch !== false) session.watch();
    } catch (e) {
      await session.stop();
      throw e;
    }
    const fleetStart = session.startFleet();
    fleetStart.catch(() => {});
    session.fleetStart = fleetStart;
    return session;
  }

  /** Every device started or failed to, or the stop ended the start early. Rejects when none of
   * the fleet started (sayWhatDidNotStart). */
  get fleetStarted(): Promise<void> {
    return this.fleetStart ?? Promise.resolve();
  }

  /** The devices starting now and those not begun yet, for `snapfleet dev`'s table. */
  startProgress(): FleetStartProgress {
    return { starting: this.startsUnderWay, waiting: this.starting.signal.aborted ? 0 : this.options.devices - this.begun };
  }

  private async startFleet(): Promise<void> {
    const things = Array.from({ length: this.options.devices }, (_, i) => `sim-${i + 1}`);
    // Each fleet host connects its own share in turn, beside the others (1,000 devices in 4
    // hosts, the fleet bench, session 18: all online on the version 36.9–39.3 s with 16 at once
    // per host, 41.1–42.3 s with 24, 37.9–39.8 s with 12; README "A thousand devices").
    const atOnce = (this.options.connectingAtOnce ?? CONNECTING_AT_ONCE) * Math.max(1, this.hosts.length);
    await startBounded(things, atOnce, (thing, i) => this.startDevice(thing, i * 7_919), this.starting.signal);
    // A stop during the start says how far it got itself (stop()).
    if (!this.starting.signal.aborted) this.sayWhatDidNotStart();
  }

  /** One device of the fleet's start; never rejects. */
  private async startDevice(thing: string, pinTimeOffsetMs: number): Promise<void> {
    this.begun++;
    this.startsUnderWay.add(thing);
    try {
      await this.addDevice(thing, pinTimeOffsetMs);
      this.startedWell++;
    } catch (e) {
      // Ended by the stop: not a device that can't start.
      if (this.starting.signal.aborted) return;
      // One device that can't connect (its connect's budget ran out, its identity was
      // refused) must not take the fleet down: it is said, and the rest go on.
      this.notStarted.push({ thing, reason: (e as Error).message });
      this.options.log(`[${thing}] did not start, the fleet goes on without it: ${(e as Error).message}`);
    } finally {
      this.startsUnderWay.delete(thing);
    }
  }

  private watch(): void {
    this.watcher = new FeatureWatcher({
      dir: path.dirname(path.resolve(this.options.entry)),
      ignore: [this.options.stateDir],
      rebuild: async () => {
        const result = await this.rebuild();
        // Saying "dashboard updated" when it wasn't (a save that changed nothing, an edit
        // undone) sends the user looking for a change on the page.
        const web = result.webChanged ? "dashboard updated" : "dashboard unchanged";
        this.options.log(result.jobId ? `rebuilt in ${result.ms} ms: device code changed, version ${result.version.slice(0, 12)}, OTA job ${result.jobId}` : `rebuilt in ${result.ms} ms: device code unchanged, ${web}, no OTA job`);
      },
      onError: (e) => this.options.log(`build failed, the fleet keeps running the last good version:\n${e.message}`),
    });
  }

  /** Compiles and deploys the current feature files. */
  async rebuild(): Promise<RebuildResult> {
    const started = performance.now();
    const build = await compileOnce(this.options);
    const webChanged = !this.lastWeb || Buffer.compare(this.lastWeb, build.snapshots.web) !== 0;
    this.remember(build);
    const result = await this.cloud.deploy(build);
    this.deployed(this.deployedChannels, build);
    return { ...result, ms: Math.round(performance.now() - started), webChanged };
  }

  /** Shared threads the fleet's apps run in now, in all its fleet hosts. */
  async appThreads(): Promise<number> {
    const counts = await Promise.all(this.hosts.map((h) => h.threads()));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** The fleet host processes' ids (a bench reads their CPU and memory). */
  get hostPids(): number[] {
    return this.hosts.map((h) => h.pid);
  }

  /** Some devices missing: a line naming them. None started: an error, so `snapfleet dev` exits
   * non-zero. With no device there is nothing to develop against and the cause is common to all
   * (the broker unreachable, its CA or the device certificates broken): a script or CI must see
   * it fail, not a dashboard of offline devices. */
  private sayWhatDidNotStart(): void {
    if (this.startSaid) return;
    this.startSaid = true;
    const total = this.options.devices;
    const failed = this.notStarted.length;
    if (failed === 0) return;
    const first = this.notStarted[0];
    if (failed === total) throw new Error(`none of the ${total} device${total === 1 ? "" : "s"} started; ${first.thing}: ${first.reason}`);
    this.options.log(`${total - failed} of ${total} devices started; not started (reasons above): ${this.failedNames()}`);
  }

  /** A stop that came during the fleet's start: how far it got, the devices that failed named. */
  private sayWhereTheStartStopped(): void {
    this.startSaid = true;
    const { devices } = this.options;
    const failed = this.notStarted.length;
    // Those the stop ended and those still going alike.
    const underWay = this.begun - this.startedWell - failed;
    const notBegun = devices - this.begun;
    this.options.log(
      `stopped during the start: ${this.startedWell} of ${devices} device${devices === 1 ? "" : "s"} started` +
        (failed ? `, ${failed} did not (reasons above): ${this.failedNames()}` : "") +
        (underWay ? `, ${underWay} still starting` : "") +
        (notBegun ? `, ${notBegun} not begun` : ""),
    );
  }

  /** The devices that failed to start, the first ten by name. */
  private failedNames(): string {
    const failed = this.notStarted.length;
    return this.notStarted.slice(0, 10).map((d) => d.thing).join(", ") + (failed > 10 ? ` and ${failed - 10} more` : "");
  }

  /** Gives the launched fleet hosts (launchHosts) the cloud and their share of the fleet. */
  private async configureHosts(): Promise<void> {
    if (!this.hosts.length) return;
    const { devices } = this.options;
    const config = {
      app: this.cloud.app,
      endpoint: "127.0.0.1",
      port: this.cloud.broker.mqttsPort,
      caCertPem: this.cloud.broker.caCertPem,
      devices: Math.ceil(devices / this.hosts.length),
      appThreads: this.options.appThreads ?? appThreadsPerHost(this.hosts.length),
      heartbeatMs: HEARTBEAT_MS,
      pinSpecs: this.options.pinSpecs,
      watchdogMs: this.options.watchdogMs,
      device: this.options.device,
      deviceStopMs: DEVICE_STOP_MS,
      haltMs: HALT_MS,
    };
    const configured = await Promise.allSettled(this.hosts.map((host) => host.configure(config, this.callbackSites)));
    const failed = configured.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** Starts one more simulated device, already in the fleet's thing group: it installs the
   * current job. The thing joins the group before its device connects, as a board registered
   * by `pulumi up` or approved by claim is in its group before it first boots: its first
   * start-next at connect answers the job at once. Joining after the connect made that answer
   * empty and added a notify-next and a second start-next per device (three of the twelve Jobs
   * messages of a device's first install; README "A thousand devices"). A device that then
   * fails to start stays in the fleet, shown offline, as an unplugged board would. */
  async addDevice(thing: string, pinTimeOffsetMs = 0): Promise<FleetDevice | undefined> {
    const identity = await this.cloud.broker.provisionDevice(thing);
    // The stop came meanwhile: no joining a fleet being stopped (its group's job notification
    // would go to a closing broker).
    if (this.starting.signal.aborted) throw new Error(`${thing}: the session stopped while it started`);
    this.cloud.addDevice(thing);
    if (this.options.deviceRuntime === "native") return this.addNativeDevice(thing, identity);
    if (this.options.deviceRuntime === "qemu") return this.addQemuDevice(thing, identity);
    if (this.hosts.length) {
      const host = this.hosts[this.hostedDevices++ % this.hosts.length];
      await host.startDevice({ thing, stateDir: this.deviceBasics(thing).stateDir, certPem: identity.certPem, keyPem: identity.keyPem, pinTimeOffsetMs });
      return undefined;
    }
    const device = await SimulatedDevice.start({
      ...this.deviceBasics(thing),
      caCertPem: this.cloud.broker.caCertPem,
      certPem: identity.certPem,
      keyPem: identity.keyPem,
      // Each device reads its sensors at another point of the models: a fleet, not copies.
      pinTimeOffsetMs,
      signal: this.starting.signal,
      isolation: {
        pinSpecs: this.options.pinSpecs,
        watchdogMs: this.options.watchdogMs,
        device: this.options.device,
        // As `run-device` prints them; bursts arrive summed up (pinWriteCoalescer.ts).
        onPinWrite: (w) => this.options.log(`[${thing}] [board] ${describePinWrite(w)}`),
        callbackSitesFor: (version) => this.callbackSites.get(version)?.callbackSites,
      },
    });
    return this.keep(device);
  }

  /** A native device process with the same identity and state dir a simulated one would get. */
  private async addNativeDevice(thing: string, identity: { certPath: string; keyPath: string }): Promise<FleetDevice> {
    const device = await NativeDevice.start({
      binary: path.resolve(this.options.nativeBinary ?? firmwareProgram("posix")),
      ...this.deviceBasics(thing),
      onLog: this.namingLog(thing),
      caPath: this.cloud.broker.pki.caCertPath,
      certPath: identity.certPath,
      keyPath: identity.keyPath,
      pinSpecs: this.options.pinSpecs,
      signal: this.starting.signal,
    });
    return this.keep(device);
  }

  /** An emulated board and its co-processor process, with the identity and state dir a
   * simulated device would get (the board's flash is that dir, through semihosting); the
   * co-processor gets this device's certificate and key only. */
  private async addQemuDevice(thing: string, identity: { certPem: string; keyPem: string }): Promise<FleetDevice> {
    const device = await QemuDevice.start({
      image: path.resolve(this.options.qemuImage ?? firmwareProgram("cortex-m33")),
      nonSecureImage: this.options.qemuNonSecureImage && path.resolve(this.options.qemuNonSecureImage),
      ...this.deviceBasics(thing),
      onLog: this.namingLog(thing),
      caCertPem: this.cloud.broker.caCertPem,
      certPem: identity.certPem,
      keyPem: identity.keyPem,
      pinSpecs: this.options.pinSpecs,
    });
    return this.keep(device);
  }

  /** What every device runtime gets alike: where the cloud is, its state dir, its log prefix. */
  private deviceBasics(thing: string) {
    return {
      app: this.cloud.app,
      thing,
      stateDir: path.join(this.options.stateDir, "devices", thing),
      endpoint: "127.0.0.1",
      port: this.cloud.broker.mqttsPort,
      onLog: (line: string) => this.options.log(`[${thing}] ${line}`),
    };
  }

  /** A C device's log lines, its failed callbacks named by file:line from the builds this session
   * made (the device names them by number; core/runtime/callbackSiteNames.ts). */
  private namingLog(thing: string): (line: string) => void {
    const namer = new DeviceLineNamer((version) => rememberedBuild(this.callbackSites, version));
    return (line) => this.options.log(`[${thing}] ${namer.line(line)}`);
  }

  private keep<D extends FleetDevice>(device: D): D {
    // Its start outlasted the stop's wait for it: the stop's budget is spent, so no goodbye.
    if (this.devicesStopped) {
      void device.halt().catch(() => {});
      throw new Error(`${device.thing} started after the session stopped; halted`);
    }
    this.devices.push(device);
    return device;
  }

  /** Says when `build` retires a channel devices that still run the one before publish on (retiredChannels.ts). */
  private deployed(running: readonly ChannelDecl[], build: CompileResult): void {
    const notice = retiredChannelsNotice(running, build.manifest.channels);
    if (notice) this.options.log(notice);
    this.deployedChannels = build.manifest.channels;
  }

  private remember(build: CompileResult): void {
    const { version, channels, controls, callbackSites } = build.manifest;
    const app = { channels, controls, callbackSites };
    this.lastWeb = build.snapshots.web;
    rememberSites(this.callbackSites, version, app);
    for (const host of this.hosts) host.rememberSites(version, app);
  }

  /** Devices say goodbye (offline status) before the broker goes away. Bounded whatever the
   * apps do: a device that hasn't stopped within DEVICE_STOP_MS (an app stuck in a loop, an
   * install in its grace period) has its app's thread terminated. */
  async stop(): Promise<void> {
    const startUnderWay = this.fleetStart !== undefined && !this.startSaid;
    this.starting.abort();
    this.watcher?.close();
    // A start under way that the abort doesn't end at once (a device past its connect, starting
    // its OTA agent; a board's link coming up) gets as long as a rebuild under way, beside it,
    // so the device it makes is stopped with the others.
    await Promise.all([within(this.watcher?.idle() ?? Promise.resolve(), REBUILD_WAIT_MS), within(this.fleetStarted.catch(() => {}), REBUILD_WAIT_MS)]);
    if (startUnderWay) this.sayWhereTheStartStopped();
    this.devicesStopped = true;
    await Promise.all([
      stopDevices(this.devices.splice(0), { deviceStopMs: DEVICE_STOP_MS, haltMs: HALT_MS }, (thing, line) => this.options.log(`[${thing}] ${line}`)),
      ...this.hosts.splice(0).map((h) => h.stop()),
    ]);
    await this.cloud.stop();
  }
}

/** Budget of `snapfleet dev`'s 5 s stop: a rebuild in progress, then the devices; the cloud last. */
const REBUILD_WAIT_MS = 500;
const DEVICE_STOP_MS = 2000;
const HALT_MS = 1000;


/** A fleet above the threshold goes to fleet host processes, DEVICES_PER_HOST at most each:
 * launched at once, configured once the cloud runs (DevSession.configureHosts). */
function launchHosts(options: DevSessionOptions): FleetHost[] {
  const { devices } = options;
  if ((options.deviceRuntime ?? "typescript") !== "typescript" || devices <= (options.sharedThreadsAbove ?? SHARED_THREADS_ABOVE)) return [];
  return Array.from({ length: Math.ceil(devices / DEVICES_PER_HOST) }, (_, i) =>
    FleetHost.launch({
      name: `fleet host ${i + 1}`,
      onLog: (thing, line) => options.log(`[${thing}] ${line}`),
      onHostLine: (line) => options.log(`[fleet host ${i + 1}] ${line}`),
    }),
  );
}

async function compileOnce(options: DevSessionOptions): Promise<CompileResult> {
  const secrets = typeof options.secrets === "function" ? options.secrets() : options.secrets;
  return compileFeatures({ entry: options.entry, app: options.app, board: options.board, secrets, missingSecretHint: options.missingSecretHint });
}
