/** `snapfleet dev`'s handle on one fleet host process (fleetHostMain.ts, why: fleetHostProtocol.ts):
 * launches it early (it loads while dev compiles), configures it, starts devices in it, relays
 * their log lines, asks how many threads it runs, and stops it within a bound. A host that dies
 * takes its devices with it: that is said in the log with what the process said last, and their
 * status goes offline through their last wills. */
import path from "node:path";
import type { CallbackNamesSource } from "../../core/runtime/callbackNames";
import { DeviceProcess } from "../deviceProcess";
import type { CallbackSiteMemory } from "./callbackSiteMemory";
import type { FleetHostConfig, FromFleetHost, HostedDeviceSpec, ToFleetHost } from "./fleetHostProtocol";
import { within } from "./stopDevices";

const MAIN = path.join(__dirname, `fleetHostMain${path.extname(__filename)}`);
/** Loading Node, tsx and the modules a device needs: seconds on a busy machine. */
const START_TIMEOUT_MS = 60_000;
/** After its devices' own stop budget, what the host may take to say so and end. */
const STOP_MARGIN_MS = 1500;
/** SNAPFLEET_FLEET_HOST_NODE_FLAGS: Node flags for the host processes, to see what a host costs:
 * "--cpu-prof --cpu-prof-dir=DIR" (a V8 profile of each host's life, written when it ends;
 * `node scripts/cpuProfileSummary.mjs FILE` groups it) or "--perf-basic-prof" (JavaScript names
 * for `perf record -p PID`). */
const nodeFlags = process.env.SNAPFLEET_FLEET_HOST_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];

export interface FleetHostOptions {
  name: string;
  /** A device's log line (without the `[thing] ` prefix). */
  onLog: (thing: string, line: string) => void;
  /** The host's own lines (its stderr, its end). */
  onHostLine: (line: string) => void;
}

export class FleetHost {
  private readonly starting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly threadAsks = new Map<number, (threads: number) => void>();
  private asks = 0;
  private stopped: (() => void) | undefined;
  private stopping = false;
  /** Given by configure(); until then the host only loads its modules. */
  private config: FleetHostConfig | undefined;
  private readonly ready: Promise<void>;

  private constructor(
    private readonly process: DeviceProcess,
    private readonly options: FleetHostOptions,
  ) {
    let ready: () => void = () => {};
    this.ready = new Promise<void>((resolve) => (ready = resolve));
    process.child.on("message", (message: FromFleetHost) => (message.kind === "ready" ? ready() : this.heard(message)));
    process.child.on("error", () => {}); // a send to a host that just died: its exit says it
    void process.exited.then(() => this.ended());
  }

  /** Forks the host process now: it loads Node and its modules (about 0.4 s of CPU) while the
   * caller does other work, e.g. compiles the features and starts the cloud whose port and CA the
   * configuration needs. configure() then makes it ready for devices. */
  static launch(options: FleetHostOptions): FleetHost {
    return new FleetHost(DeviceProcess.fork(MAIN, {}, { name: options.name, stopGraceMs: 1000, onLine: options.onHostLine }, nodeFlags), options);
  }

  /** Configures a launched host (its cloud, its share of devices, its app threads) and the
   * callback sites known so far; resolves once it is ready for devices. */
  async configure(config: Omit<FleetHostConfig, "kind">, callbackSites: CallbackSiteMemory): Promise<void> {
    this.config = { kind: "config", ...config };
    this.send(this.config);
    for (const [version, app] of callbackSites) this.rememberSites(version, app);
    await this.process.started(this.ready, START_TIMEOUT_MS, "load");
  }

  /** Starts a device in this host; resolves once it is connected and its OTA agent runs. It
   * stops with its host (stop()). */
  startDevice(spec: HostedDeviceSpec): Promise<void> {
    if (!this.process.running) return Promise.reject(new Error(`${this.options.name} is not running (${this.process.ending})`));
    return new Promise<void>((resolve, reject) => {
      this.starting.set(spec.thing, { resolve, reject });
      this.send({ kind: "start", device: spec });
    });
  }

  get pid(): number {
    return this.process.pid;
  }

  rememberSites(version: string, app: CallbackNamesSource): void {
    this.send({ kind: "callbackSites", version, app });
  }

  /** Shared threads running in the host now. */
  threads(): Promise<number> {
    if (!this.process.running) return Promise.resolve(0);
    const ask = ++this.asks;
    return new Promise((resolve) => {
      this.threadAsks.set(ask, resolve);
      this.send({ kind: "threads", ask });
    });
  }

  /** Stops every device of the host (each within its budget, else halted), then the process. */
  async stop(): Promise<void> {
    const configured = this.config;
    // Not configured yet: no device runs in it, so there is nothing to say goodbye for.
    if (this.stopping || !this.process.running || !configured) {
      this.stopping = true;
      return this.process.stop();
    }
    this.stopping = true;
    const said = new Promise<void>((resolve) => (this.stopped = resolve));
    this.send({ kind: "stop" });
    await within(Promise.race([said, this.process.exited]), configured.deviceStopMs + configured.haltMs + STOP_MARGIN_MS);
    await this.process.stop();
  }

  private heard(message: FromFleetHost): void {
    switch (message.kind) {
      case "log":
        return this.options.onLog(message.thing, message.line);
      case "started":
      case "failed": {
        const waiting = this.starting.get(message.thing);
        this.starting.delete(message.thing);
        return message.kind === "started" ? waiting?.resolve() : waiting?.reject(new Error(message.message));
      }
      case "threads":
        this.threadAsks.get(message.ask)?.(message.threads);
        return void this.threadAsks.delete(message.ask);
      case "stopped":
        return this.stopped?.();
    }
  }

  /** The process ended: whatever waited on it learns so now, not never. */
  private ended(): void {
    const why = `${this.options.name} ended (${this.process.ending})`;
    for (const [thing, waiting] of this.starting) waiting.reject(new Error(`${why} while ${thing} was starting`));
    this.starting.clear();
    for (const answer of this.threadAsks.values()) answer(0);
    this.threadAsks.clear();
    if (!this.stopping) this.options.onHostLine(`${why}; its devices are offline until dev is started again`);
  }

  private send(message: ToFleetHost): void {
    if (this.process.running) this.process.child.send(message);
  }
}
