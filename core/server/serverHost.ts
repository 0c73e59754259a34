/** Runs an app's server snapshot: one VM per device (its api.server.onDevice handlers) and one
 * for the fleet (api.server.onFleet), each restored from its last stored state, fed its events in
 * batches, and snapshotted after each batch into a store: the local database (local/server/) or
 * DynamoDB (lambda/featureServer/). The same code runs in both places; only the store and the
 * outbox differ.
 *
 * Faults stay inside one VM: a handler that throws or runs out of its instruction budget is
 * reported and the VM takes its next event; a VM whose engine stopped is dropped and comes back
 * from its last stored state. What a batch sends (messages, alerts) leaves only after its state
 * was stored, so a lost conditional write (two writers for one VM) re-runs the batch on the newer
 * state instead of sending twice. */
import type { Manifest, ChannelDecl } from "../contracts/manifest";
import type { WireValue } from "../contracts/wireValue";
import type { MicroviumEngine } from "../engine/types";
import { FeatureVm, type FeatureHost } from "../runtime/featureVm";
import { acceptedReportedValues, checkServerSettingSet, type ServerSettings } from "./serverSettings";
import { addressedDevice, alertText, BoundedQueue, FLEET_VM, MAX_QUEUED_PER_VM, resumeDecision, vmKey, type ServerVmKind } from "./serverDecisions";

/** One VM's stored state: the snapshot bytes, which server build made it, and a version that
 * grows by one per stored batch (the conditional write's guard). */
export interface ServerVmState {
  build: string;
  version: number;
  snapshot: Uint8Array;
}

export interface ServerStateStore {
  load(key: string): Promise<ServerVmState | undefined> | ServerVmState | undefined;
  /** Stores `state` if the stored version is still `expectedVersion` (0: nothing stored); false
   * when another writer stored first. A store that implements `handledAlready` also records, in
   * the same atomic write, that this VM handled `handled` (and fails it if one already was). */
  save(key: string, state: ServerVmState, expectedVersion: number, handled?: HandledMessage[]): Promise<boolean> | boolean;
  /** Which of `messages` VM `key` already handled (their `handledKey`s). Only where a message can
   * arrive twice: an AWS IoT rule delivers at least once, and a device resends what was not
   * acknowledged when it reconnects (the local cloud's receive path drops repeats before). */
  handledAlready?(key: string, messages: HandledMessage[]): Promise<Set<string>> | Set<string>;
}

/** A device message by its sender and envelope id (`<bootId>:<seq>`, unique per device). */
export interface HandledMessage {
  device: string;
  id: string;
}

export function handledKey(m: HandledMessage): string {
  return `${m.device}/${m.id}`;
}

export interface ServerAlert {
  /** The device whose handler raised it; undefined for the fleet handler. */
  device?: string;
  text: string;
  t: number;
}

/** Where a committed batch's effects go (an MQTT publish locally, the IoT data plane and SNS on AWS). */
export interface ServerOutbox {
  sendToDevice(device: string, channel: ChannelDecl, value: WireValue): void | Promise<void>;
  alert(alert: ServerAlert): void | Promise<void>;
}

/** A device message for the server, as the receive path handed it on (once, in order). */
export interface ServerMessage {
  device: string;
  channel: string;
  value: WireValue;
  /** The device's send time (envelope `t`). */
  t: number;
  /** The envelope id: with a store that remembers handled ids, a repeat runs no handler. */
  id?: string;
}

export interface ServerProblem {
  /** The device's name, or FLEET_VM. */
  vm: string;
  message: string;
}

export interface ServerHostOptions {
  engine: MicroviumEngine;
  manifest: Manifest;
  /** The server snapshot the manifest describes. */
  snapshot: Uint8Array;
  store: ServerStateStore;
  outbox: ServerOutbox;
  /** Contained faults: a handler that threw or looped, a state that couldn't be resumed. */
  report(problem: ServerProblem): void;
  /** api.log lines from server code. */
  log?(vm: string, text: string): void;
  /** The fleet's devices, for fleet.devices and the fleet VM's sends. */
  fleetDevices(): string[];
  instructionBudget?: number;
  /** Keep VMs between batches (one host owns the store: the local cloud). Without it each batch
   * starts from the stored state (Lambda: another instance may have moved it on). */
  keepVms?: boolean;
  now?(): number;
  /** Conditional-write retries before a batch is given up and reported. */
  maxConflicts?: number;
  /** The devices' settings shadows (`setting.value` and `set` in onDevice handlers); without
   * them, `set` throws saying so and `value` is the default. */
  settings?: ServerSettings;
}

type QueuedEvent = { kind: "message"; message: ServerMessage } | { kind: "fleet-devices" } | { kind: "settings" };

interface LiveVm {
  vm: FeatureVm;
  version: number;
  /** Effects of the batch running now, sent once its state is stored. */
  pending: (() => void | Promise<void>)[];
}

export interface ServerHostStats {
  /** Events handled (a message counts once per VM that heard it). */
  handled: number;
  batches: number;
  snapshotBytes: number;
  dropped: number;
  problems: number;
  /** Batches given up after losing `maxConflicts` conditional writes in a row. */
  givenUp: number;
  /** Messages a VM had already handled (delivered again), dropped before its handlers. */
  repeats: number;
}

export class ServerHost {
  readonly stats: ServerHostStats = { handled: 0, batches: 0, snapshotBytes: 0, dropped: 0, problems: 0, givenUp: 0, repeats: 0 };
  private readonly build: string;
  private readonly live = new Map<string, LiveVm>();
  private readonly queues = new Map<string, BoundedQueue<QueuedEvent>>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly channelIndex = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: ServerHostOptions) {
    this.build = options.manifest.snapshots.server.sha256;
    options.manifest.channels.forEach((c, i) => this.channelIndex.set(c.name, i));
    this.now = options.now ?? Date.now;
  }

  /** Whether the app has server code at all (otherwise nothing runs and nothing is stored). */
  static hasServerCode(manifest: Manifest): boolean {
    return (manifest.server?.onDevice ?? 0) + (manifest.server?.onFleet ?? 0) > 0;
  }

  private get perDevice(): boolean {
    return (this.options.manifest.server?.onDevice ?? 0) > 0;
  }

  private get forFleet(): boolean {
    return (this.options.manifest.server?.onFleet ?? 0) > 0;
  }

  /** Queues a device message for the VMs that hear it; they run it soon, in order, in batches. */
  enqueue(message: ServerMessage): void {
    if (!this.channelIndex.has(message.channel)) return; // a channel of another build
    if (this.perDevice) this.push(message.device, { kind: "message", message });
    if (this.forFleet) this.push(FLEET_VM, { kind: "message", message });
  }

  /** The fleet's device list changed: the fleet VM's `fleet.devices` follows. */
  fleetChanged(): void {
    if (this.forFleet) this.push(FLEET_VM, { kind: "fleet-devices" });
  }

  /** A device's settings shadow changed: its onDevice VM reads the reported values before its
   * next batch (a value that differs from what the VM had runs its "change" listeners). Read then,
   * not passed in: notices of two changes may arrive out of order (on AWS, two rule invocations),
   * and a batch re-run after a lost conditional write must not apply an older read. */
  settingsChanged(device: string): void {
    if (this.perDevice && this.options.manifest.settings?.length && this.options.settings) this.push(device, { kind: "settings" });
  }

  /** Handles `messages` and resolves when every VM has run and stored them (Lambda's way). */
  async handle(messages: ServerMessage[]): Promise<void> {
    for (const m of messages) this.enqueue(m);
    await this.idle();
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  /** Starts the VMs that have no stored state yet (a fresh fleet: the handlers run before the
   * first message, so a handler's own timers-free set-up happens at once). */
  async startAll(devices: string[]): Promise<void> {
    if (this.forFleet) this.kick(FLEET_VM);
    if (this.perDevice) for (const d of devices) this.kick(d);
    await this.idle();
  }

  dispose(): void {
    for (const live of this.live.values()) live.vm.dispose();
    this.live.clear();
    this.queues.clear();
  }

  private push(key: string, event: QueuedEvent): void {
    let queue = this.queues.get(key);
    if (!queue) this.queues.set(key, (queue = new BoundedQueue(MAX_QUEUED_PER_VM)));
    const before = queue.dropped;
    queue.push(event);
    if (queue.dropped > before) {
      this.stats.dropped++;
      // Once per thousand, not per message: a flood must not flood the log too.
      if (queue.dropped % 1000 === 1) this.problem(key, `its queue is full (${MAX_QUEUED_PER_VM} events): the handlers can't keep up; ${queue.dropped} oldest event(s) dropped so far`);
    }
    this.kick(key);
  }

  /** Runs the key's queue unless it already runs (one batch at a time per VM). */
  private kick(key: string): void {
    if (this.running.has(key)) return;
    const run = (async () => {
      // Let messages arriving in the same tick join the batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (;;) {
        const batch = this.queues.get(key)?.drain() ?? [];
        await this.runBatch(key, batch);
        if ((this.queues.get(key)?.length ?? 0) === 0) break;
      }
    })()
      .catch((error: unknown) => this.problem(key, `internal: ${(error as Error).message}`))
      .finally(() => this.running.delete(key));
    this.running.set(key, run);
  }

  private async runBatch(key: string, queued: QueuedEvent[], conflicts = 0): Promise<void> {
    const batch = await this.withoutRepeats(key, queued);
    if (queued.length > 0 && batch.length === 0) return;
    const live = await this.vmFor(key);
    if (!live) return;
    const reported = batch.some((e) => e.kind === "settings") ? await this.readReported(key) : undefined;
    for (const event of batch) this.run(key, live, event, reported);
    if (live.vm.stopped) {
      // The engine stopped: this batch's state is lost; the next one resumes from the last stored.
      this.drop(key);
      return;
    }
    const snapshot = live.vm.snapshot();
    this.stats.snapshotBytes = snapshot.length;
    const handled = this.options.store.handledAlready ? identified(batch) : [];
    const stored = await this.options.store.save(key, { build: this.build, version: live.version + 1, snapshot }, live.version, handled.length ? handled : undefined);
    if (!stored) {
      this.drop(key);
      if (conflicts + 1 >= (this.options.maxConflicts ?? 10)) {
        this.stats.givenUp++;
        this.problem(key, `its state kept changing under it (${conflicts + 1} conditional writes lost); ${batch.length} event(s) not handled`);
        return;
      }
      // Writers racing for one VM back off by a random, growing delay, so one of them wins each round.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (conflicts + 1)));
      // Re-run from the queue as it came: a lost write may mean another invocation handled one.
      return this.runBatch(key, queued, conflicts + 1);
    }
    live.version++;
    this.stats.batches++;
    const effects = live.pending;
    live.pending = [];
    for (const effect of effects) {
      try {
        await effect();
      } catch (error) {
        this.problem(key, (error as Error).message);
      }
    }
    if (!this.options.keepVms) this.drop(key);
  }

  /** The batch without the messages this VM handled before (stores that remember, the Lambda's). */
  private async withoutRepeats(key: string, batch: QueuedEvent[]): Promise<QueuedEvent[]> {
    const messages = identified(batch);
    if (!this.options.store.handledAlready || messages.length === 0) return batch;
    const seen = await this.options.store.handledAlready(key, messages);
    if (seen.size === 0) return batch;
    const fresh = batch.filter((e) => e.kind !== "message" || e.message.id === undefined || !seen.has(handledKey({ device: e.message.device, id: e.message.id })));
    this.stats.repeats += batch.length - fresh.length;
    return fresh;
  }

  private async readReported(device: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.options.settings!.reported(device);
    } catch (error) {
      this.problem(device, `its settings could not be read (${(error as Error).message}); its handlers keep the values they had`);
      return undefined;
    }
  }

  private run(key: string, live: LiveVm, event: QueuedEvent, reported?: Record<string, unknown>): void {
    try {
      if (event.kind === "fleet-devices") live.vm.fleetChanged(this.options.fleetDevices());
      else if (event.kind === "settings") {
        for (const [index, value] of acceptedReportedValues(this.options.manifest.settings, reported ?? {})) live.vm.settingChanged(index, value);
      } else {
        const { message } = event;
        const index = this.channelIndex.get(message.channel)!;
        if (key === FLEET_VM) live.vm.deliverFrom(index, message.value, message.device);
        else live.vm.deliver(index, message.value);
        this.stats.handled++;
      }
    } catch (error) {
      this.problem(key, (error as Error).message);
    }
  }

  /** The key's VM: in memory, else resumed from the store, else started from the build. */
  private async vmFor(key: string): Promise<LiveVm | undefined> {
    const cached = this.live.get(key);
    if (cached) return cached;
    const kind: ServerVmKind = key === FLEET_VM ? { kind: "fleet" } : { kind: "device", device: key };
    const stored = await this.options.store.load(key);
    const decision = resumeDecision(stored, this.build);
    let live: LiveVm | undefined;
    if (decision.resume) {
      try {
        live = { vm: this.restore(kind, stored!.snapshot), version: stored!.version, pending: [] };
      } catch (error) {
        this.problem(key, `its stored state could not be resumed (${(error as Error).message}); it starts fresh`);
      }
    } else if (decision.reason) this.problem(key, decision.reason);
    if (!live) {
      try {
        live = { vm: this.restore(kind, this.options.snapshot), version: stored?.version ?? 0, pending: [] };
      } catch (error) {
        this.problem(key, `the server snapshot could not be started: ${(error as Error).message}`);
        return undefined;
      }
      this.live.set(key, live);
      try {
        if (kind.kind === "device") await this.restoreSettings(kind.device, live.vm);
      } catch (error) {
        this.problem(key, `its settings could not be read (${(error as Error).message}); its handlers start with the defaults`);
      }
      try {
        if (kind.kind === "fleet") live.vm.startFleet(this.options.fleetDevices());
        else live.vm.startDevice(kind.device);
      } catch (error) {
        this.problem(key, (error as Error).message);
      }
      return live;
    }
    this.live.set(key, live);
    return live;
  }

  /** A device's VM starting from the build begins with the device's reported settings. */
  private async restoreSettings(device: string, vm: FeatureVm): Promise<void> {
    if (!this.options.settings || !this.options.manifest.settings?.length) return;
    const reported = await this.options.settings.reported(device);
    for (const [index, value] of acceptedReportedValues(this.options.manifest.settings, reported)) vm.settingRestored(index, value);
  }

  private restore(kind: ServerVmKind, snapshot: Uint8Array): FeatureVm {
    const key = vmKey(kind);
    const host: FeatureHost = {
      log: (text) => this.options.log?.(key, text),
      now: this.now,
      sendToDevice: (channelIndex, value, device) => {
        const channel = this.options.manifest.channels[channelIndex];
        const target = addressedDevice(kind, channel, device, new Set(this.options.fleetDevices()));
        if (target instanceof Error) throw target;
        this.live.get(key)?.pending.push(() => this.options.outbox.sendToDevice(target, channel, value));
      },
      notify: (text) => {
        const line = alertText(text);
        if (line instanceof Error) throw line;
        const alert: ServerAlert = { ...(kind.kind === "device" ? { device: kind.device } : {}), text: line, t: this.now() };
        this.live.get(key)?.pending.push(() => this.options.outbox.alert(alert));
      },
      settingSet: (index, value) => {
        const decl = checkServerSettingSet(this.options.manifest.settings, index, value, kind);
        const settings = this.options.settings;
        if (!settings) throw new Error(`setting "${decl.name}".set(): this cloud gives server code no settings shadows; nothing was changed`);
        const device = (kind as { device: string }).device;
        this.live.get(key)?.pending.push(() => settings.request(device, decl.name, value));
      },
    };
    return new FeatureVm(this.options.engine, snapshot, "server", host, { app: this.options.manifest, instructionBudget: this.options.instructionBudget });
  }

  private drop(key: string): void {
    this.live.get(key)?.vm.dispose();
    this.live.delete(key);
  }

  private problem(vm: string, message: string): void {
    this.stats.problems++;
    this.options.report({ vm, message });
  }
}

/** The batch's messages that carry an envelope id. */
function identified(batch: QueuedEvent[]): HandledMessage[] {
  const out: HandledMessage[] = [];
  for (const e of batch) if (e.kind === "message" && e.message.id !== undefined) out.push({ device: e.message.device, id: e.message.id });
  return out;
}
