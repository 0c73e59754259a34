/** The cloud half of a feature in the local cloud: the server host running the app's server
 * snapshot (core/server), channel history and alerts, all stored in the state dir's database.
 * It hears what the local cloud's receive path hands on (each device message once, in order), as
 * an IoT topic rule feeds the server Lambda and the history table on AWS; it sends as the IoT data
 * plane would: published in process with the channel's QoS, outside device policies. */
import type { BuildOutput } from "../../core/contracts/buildOutput";
import { EnvelopeSender } from "../../core/contracts/envelope";
import type { StoredMessage } from "../../core/contracts/history";
import type { Manifest } from "../../core/contracts/manifest";
import { FLEET_THING, topics } from "../../core/contracts/topics";
import type { WireValue } from "../../core/contracts/wireValue";
import { loadWasmEngine } from "../../core/engine";
import type { MicroviumEngine } from "../../core/engine/types";
import type { HistoryQuery } from "../../core/history/historyRequest";
import { FLEET_VM, ServerHost, type ServerAlert, type ServerMessage, type ServerSettings } from "../../core/server";
import type { LocalDatabase } from "../database/localDatabase";
import { HistoryTable } from "../history/historyTable";
import { ServerStateTable } from "./serverStateTable";

/** What the cloud half needs of the broker (LocalBroker fits). */
export interface CloudHalfBroker {
  readonly aedes: {
    publish(packet: { cmd: "publish"; topic: string; payload: Buffer; qos: 0 | 1; retain: boolean; dup: boolean }, done: (error?: Error | null) => void): void;
  };
  readonly registry: { names(): string[] };
}

export interface CloudHalfOptions {
  /** The local cloud's database (LocalCloud opens it once and closes it after everything stopped). */
  database: LocalDatabase;
  app: string;
  build: BuildOutput;
  broker: CloudHalfBroker;
  log?: (line: string) => void;
  /** Every alert, after it was published (tests, `snapfleet dev`). */
  onAlert?: (alert: ServerAlert) => void;
  engine?: MicroviumEngine;
  /** The devices' settings shadows, for `setting.value` / `set` in server code (local/server/shadowSettings.ts). */
  settings?: ServerSettings;
  /** How often old history rows are dropped (default hourly; also at start). */
  pruneEveryMs?: number;
  now?: () => number;
}

export class CloudHalf {
  readonly history: HistoryTable;
  readonly state: ServerStateTable;
  private server: ServerHost | undefined;
  private manifest: Manifest;
  private readonly numbering = new EnvelopeSender(`srv${Math.random().toString(16).slice(2, 10)}`);
  private readonly knownDevices = new Set<string>();
  private readonly pruneTimer: NodeJS.Timeout;
  private readonly now: () => number;

  private constructor(
    db: LocalDatabase,
    private readonly engine: MicroviumEngine,
    private readonly options: CloudHalfOptions,
  ) {
    this.manifest = options.build.manifest;
    this.now = options.now ?? Date.now;
    this.history = new HistoryTable(db);
    this.state = new ServerStateTable(db);
    for (const thing of options.broker.registry.names()) this.knownDevices.add(thing);
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), options.pruneEveryMs ?? 3_600_000);
    this.pruneTimer.unref();
  }

  static async start(options: CloudHalfOptions): Promise<CloudHalf> {
    const engine = options.engine ?? (await loadWasmEngine());
    const half = new CloudHalf(options.database, engine, options);
    await half.load(options.build);
    return half;
  }

  /** A new build: the server host restarts on its snapshot (VMs of the old build start fresh). */
  async load(build: BuildOutput): Promise<void> {
    if (this.server && build.manifest.snapshots.server.sha256 === this.manifest.snapshots.server.sha256) {
      this.manifest = build.manifest;
      return;
    }
    if (this.server) {
      await this.server.idle();
      this.server.dispose();
      this.server = undefined;
    }
    this.manifest = build.manifest;
    if (!ServerHost.hasServerCode(build.manifest)) return;
    this.server = new ServerHost({
      engine: this.engine,
      manifest: build.manifest,
      snapshot: build.snapshots.server,
      store: this.state,
      keepVms: true,
      outbox: { sendToDevice: (device, channel, value) => this.publish(topics.down(this.options.app, device, channel.name), value, channel.qos), alert: (a) => this.alert(a) },
      report: (p) => this.log(`[server] ${p.vm === FLEET_VM ? "fleet handler" : `handler for ${p.vm}`}: ${p.message}`),
      log: (vm, text) => this.log(`[server] [${vm === FLEET_VM ? "fleet" : vm}] ${text}`),
      fleetDevices: () => [...this.knownDevices].sort(),
      now: this.now,
      ...(this.options.settings ? { settings: this.options.settings } : {}),
    });
    await this.server.startAll([...this.knownDevices]);
  }

  /** A device message from the receive path (once, in the device's order). */
  receive(thing: string, channelName: string, id: string, value: WireValue, t: number): void {
    const channel = this.manifest.channels.find((c) => c.name === channelName);
    if (!channel) return;
    if (channel.history) this.history.record({ thing, channel: channelName, id, value, t, receivedAt: this.now() });
    if (!this.knownDevices.has(thing)) this.addDevice(thing);
    const message: ServerMessage = { device: thing, channel: channelName, value, t };
    this.server?.enqueue(message);
  }

  /** A device's settings shadow changed: its server handlers see the reported values. */
  settingsChanged(thing: string): void {
    this.server?.settingsChanged(thing);
  }

  /** A device joined the fleet: fleet.devices follows. */
  addDevice(thing: string): void {
    if (this.knownDevices.has(thing)) return;
    this.knownDevices.add(thing);
    this.server?.fleetChanged();
  }

  queryHistory(q: HistoryQuery): StoredMessage[] {
    return this.history.query(q);
  }

  /** Resolves when queued server events are handled and stored. */
  async settle(): Promise<void> {
    await this.server?.idle();
    this.history.flush();
  }

  get serverStats(): ServerHost["stats"] | undefined {
    return this.server?.stats;
  }

  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.settle();
    this.server?.dispose();
    this.server = undefined;
  }

  private prune(): void {
    const dropped = this.history.prune(this.manifest.channels, this.now());
    if (dropped > 0) this.log(`[history] dropped ${dropped} message(s) past their channel's history days`);
  }

  private alert(alert: ServerAlert): void {
    this.log(`[alert] ${alert.device ?? "fleet"}: ${alert.text}`);
    this.publish(topics.alert(this.options.app, alert.device ?? FLEET_THING), { text: alert.text, ...(alert.device ? { device: alert.device } : {}) }, 1);
    this.options.onAlert?.(alert);
  }

  private publish(topic: string, value: WireValue, qos: 0 | 1): void {
    const payload = Buffer.from(this.numbering.encode(topic, value, this.now()));
    this.options.broker.aedes.publish({ cmd: "publish", topic, payload, qos, retain: false, dup: false }, (error) => {
      if (error) this.log(`[server] could not publish on ${topic}: ${error.message}`);
    });
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}
