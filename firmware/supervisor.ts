import crypto from "node:crypto";
import type { Manifest } from "../core/contracts/manifest";
import { deviceMaySend, serverMaySend } from "../core/policy/channelRights";
import { contradictsRunningBoot, encodeDeviceStatus } from "../core/contracts/deviceStatus";
import { EnvelopeSender } from "../core/contracts/envelope";
import { EnvelopeReceiver } from "../core/contracts/envelopeReceiver";
import { topics } from "../core/contracts/topics";
import { FeatureRuntimeError, type FeatureHost, type FeatureVm } from "../core/runtime/featureVm";
import type { WireValue } from "../core/contracts/wireValue";
import type { Board } from "./board";
import type { Clock } from "./clock";
import { ReliableOutbox } from "./comms/reliableOutbox";
import { HandleTable } from "./handles";
import type { Delivery, Transport } from "./transport";
import { DeviceSettings, MemorySettingsStorage, type SettingsStorage } from "./settings/deviceSettings";
import type { SettingValue } from "../core/settings/settingDecl";
import deviceTexts from "./native/deviceTexts.json";

/** How long stop() waits for the broker to acknowledge the offline status. */
export const STOP_STATUS_TIMEOUT_MS = 5000;

/** What a device's send on a "server-to-device" channel is refused with, after the channel's
 * name: the native supervisor's phrase SF_TX_SERVER_TO_DEVICE_SEND, one text for both hosts. */
export const SERVER_TO_DEVICE_SEND = deviceTexts.phrases.SERVER_TO_DEVICE_SEND;

/** Status codes channelSend returns to the app (0 = accepted). */
export enum SendStatus {
  Ok = 0,
  InvalidHandle = 1,
}

/** Offline buffers (SupervisorOptions.outboxCapacity / logCapacity). */
const DEFAULT_OUTBOX_CAPACITY = 500;
const DEFAULT_LOG_CAPACITY = 200;

/** App errors kept in `appErrors` (the most recent); `appErrorCount` counts them all. */
const KEPT_APP_ERRORS = 50;

/** A failure of the app, told to the supervisor's owner (the OTA agent counts them). */
export interface AppFailure {
  /** Names the callback: `timer (setInterval at features/a.ts:7:23) failed: ...`. */
  message: string;
  /** The app's VM stopped (fatal engine error): it runs no more callbacks. */
  fatal: boolean;
  /** It happened while the app started (opening channels, starting timers, onStart callbacks). */
  atStart: boolean;
}

type Resource =
  | { kind: "network" }
  | { kind: "channel"; index: number; network: number }
  | { kind: "pin"; pinKind: "analog" | "digital"; name: string };

export interface SupervisorOptions {
  app: string;
  thing: string;
  manifest: Manifest;
  board: Board;
  clock: Clock;
  transport: Transport;
  /** First half of every envelope id and of the retained status; must differ at every boot,
   * because seqs restart at 1 (default: 8 random hex digits). */
  bootId?: string;
  /** Messages kept while offline (default 500); the oldest are dropped beyond. */
  outboxCapacity?: number;
  /** QoS 1 messages sent and not yet acknowledged (default 32, at most 100: AWS's limit). */
  inFlightWindow?: number;
  /** App log lines kept while offline (default 200). */
  logCapacity?: number;
  /** How long the QoS 1 down messages of a sender may make no progress before a missing one is given up (default 1000 ms; core/contracts/reorderBuffer.ts). */
  reorderTimeoutMs?: number;
  /** The QoS 1 reorder window's bounds: chains (sender boots per topic) remembered, messages
   * waiting per chain (default 1024 each) and bytes of messages waiting in all (default none);
   * the C device on a board sets its own, firmware/native/sizeBudget.json's
   * SF_REORDER_MAX_STREAMS, SF_REORDER_MAX_HELD and SF_REORDER_MAX_HELD_BYTES. */
  reorderMaxStreams?: number;
  reorderMaxHeld?: number;
  reorderMaxHeldBytes?: number;
  /** Where the app's settings persist (firmware/settings/deviceSettings.ts); default: memory. */
  settingsStorage?: SettingsStorage;
  /** Local echo of app logs and supervisor events (console in the CLI). */
  onLog?: (line: string) => void;
  /** Told about every outage (false) and reconnect (true). */
  onConnectionChange?: (connected: boolean) => void;
  /** Told about every failing app callback, after it was logged. */
  onAppFailure?: (failure: AppFailure) => void;
}

/** Microvisor-style supervisor: the app never owns the network or the hardware. It asks for a
 * network and channels and gets handles (0 invalid, closed handles are zeroed by the runtime
 * after a notification); the supervisor does the I/O, queues messages and logs while offline
 * and sends them, in order, when the link is back (firmware/comms/reliableOutbox.ts). It tells
 * the cloud it is online (retained status) at every connect, and hands down messages to the app
 * through the shared receive path (core/contracts/envelopeReceiver.ts): a QoS 1 channel delivers
 * exactly once and in the sender's order, whatever order the broker hands them over in. */
export class Supervisor implements FeatureHost {
  readonly bootId: string;
  private readonly numbering: EnvelopeSender;
  private readonly handles = new HandleTable<Resource>();
  private readonly timers = new Map<number, () => void>();
  private readonly outbox: ReliableOutbox;
  private readonly logs: ReliableOutbox;
  private readonly received: EnvelopeReceiver<number>;
  /** Removers for what start() registered on the shared transport. */
  private detach: (() => void)[] = [];
  private vm: FeatureVm | undefined;
  /** The app's settings, when it declares any. */
  settings: DeviceSettings | undefined;
  private outageCount = 0;
  /** Drops already told to the cloud (see reportDrops). */
  private reportedDrops = { messages: 0, logs: 0 };
  /** The reorder window's bounds passed, as last reported, and whether this connection reported
   * them already (see reportReorderBounds). */
  private reportedReorderBounds = { forgotten: 0, overflows: 0, thisLink: false };
  private reconnectCount = 0;
  /** The most recent errors of app callbacks (each also logged and told to onAppFailure). */
  readonly appErrors: string[] = [];
  /** App callback errors since boot. */
  appErrorCount = 0;

  constructor(private readonly options: SupervisorOptions) {
    this.bootId = options.bootId ?? crypto.randomBytes(4).toString("hex");
    this.numbering = new EnvelopeSender(this.bootId);
    const onError = (line: string) => options.onLog?.(`[supervisor] ${line}`);
    this.received = new EnvelopeReceiver<number>({
      clock: options.clock,
      timeoutMs: options.reorderTimeoutMs,
      maxStreams: options.reorderMaxStreams,
      maxHeld: options.reorderMaxHeld,
      maxHeldBytes: options.reorderMaxHeldBytes,
      deliver: (envelope, channelIndex) => this.runApp(() => this.vm?.deliver(channelIndex, envelope.v)),
      // Gaps given up and late messages go to the app's log topic too: the cloud should hear of them.
      log: (line) => this.report(line),
    });
    this.outbox = new ReliableOutbox({ transport: options.transport, capacity: options.outboxCapacity ?? DEFAULT_OUTBOX_CAPACITY, inFlightWindow: options.inFlightWindow, onError });
    this.logs = new ReliableOutbox({ transport: options.transport, capacity: options.logCapacity ?? DEFAULT_LOG_CAPACITY, onError });
  }

  get droppedMessages(): number {
    return this.outbox.dropped;
  }

  get droppedLogs(): number {
    return this.logs.dropped;
  }

  /** Messages waiting for the link (not yet handed to the transport). */
  get queuedMessages(): number {
    return this.outbox.queued;
  }

  /** QoS 1 messages sent and not yet acknowledged by the broker. */
  get unacknowledgedMessages(): number {
    return this.outbox.unacknowledged;
  }

  /** Down messages dropped because their envelope id was already delivered. */
  get duplicatesDropped(): number {
    return this.received.duplicates;
  }

  /** QoS 1 down messages given up after waiting for them (each gap logged with the ids). */
  get gapsSkipped(): number {
    return this.received.gaps;
  }

  /** QoS 1 down messages that came after their gap was given up (dropped, logged). */
  get lateDropped(): number {
    return this.received.late;
  }

  /** QoS 1 down messages waiting for the ones before them. */
  get heldMessages(): number {
    return this.received.held;
  }

  /** Outages seen since start (link went down). */
  get outages(): number {
    return this.outageCount;
  }

  /** Times the link came back after an outage. */
  get reconnects(): number {
    return this.reconnectCount;
  }

  /** Connects the app and boots it: subscriptions first, so no message is missed. */
  start(vm: FeatureVm): void {
    this.vm = vm;
    const { app, thing, manifest, transport } = this.options;
    manifest.channels.forEach((channel, index) => {
      if (!serverMaySend(channel)) return;
      const deliver = (topic: string, payload: string) => {
        this.received.receive(topic, channel.qos, payload, index);
        if (!this.reportedReorderBounds.thisLink) this.reportReorderBounds();
      };
      this.detach.push(transport.subscribe(topics.down(app, thing, channel.name), channel.qos, deliver));
      this.detach.push(transport.subscribe(topics.broadcastDown(app, channel.name), channel.qos, deliver));
    });
    this.detach.push(transport.onConnectionChange((up) => this.connectionChanged(up)));
    // Our own status: a late "offline" (a last will after a reconnect, an old boot's offline) is
    // answered with online again, so the retained status ends saying what this device is.
    // Subscribed before the online below: ownStatusHeard relies on that order.
    this.detach.push(transport.subscribe(topics.status(app, thing), 1, (_topic, payload, delivery) => this.ownStatusHeard(payload, delivery)));
    if (!transport.connected) this.received.linkChanged(false);
    if (transport.connected) this.publishStatus(true);
    if (manifest.settings?.length) this.startSettings(vm);
    this.runApp(() => vm.start(), true);
    this.settings?.start();
  }

  /** Stops timers, closes every handle and removes this app's subscriptions; the app gets no
   * more events. Resolves once the offline status is acknowledged, at once when offline or when
   * the link falls first (the last will says it then), and after STOP_STATUS_TIMEOUT_MS of clock time at the latest, so
   * a caller (the OTA agent) never waits on a link that died meanwhile. */
  stop(): Promise<void> {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    for (const [h] of this.handles.entries()) this.handles.close(h);
    for (const remove of this.detach.splice(0)) remove();
    this.settings?.stop();
    this.received.clear();
    this.vm = undefined;
    const { transport } = this.options;
    if (!transport.connected) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        cancel();
        unwatch();
        resolve();
      };
      const cancel = this.options.clock.setTimer(STOP_STATUS_TIMEOUT_MS, done);
      // A link that falls before the PUBACK leaves the last will to say offline (a broker closing
      // the connection for a queued publish its policy refuses never acknowledges).
      const unwatch = transport.onConnectionChange((up) => {
        if (!up) done();
      });
      void this.publishStatus(false).then(done);
    });
  }

  // --- FeatureHost: what the app's runtime calls ------------------------------------------

  log(text: string): void {
    this.options.onLog?.(`[app] ${text}`);
    this.publishLog(text);
  }

  /** A supervisor report (e.g. an OTA rollback) on the app's log topic, marked as ours. */
  report(text: string): void {
    this.options.onLog?.(`[supervisor] ${text}`);
    this.publishLog(text, "supervisor");
  }

  now(): number {
    return this.options.clock.now();
  }

  networkRequest(): number {
    return this.handles.open({ kind: "network" });
  }

  channelOpen(network: number, channelIndex: number): number {
    const net = this.handles.get(network);
    if (net?.kind !== "network" || !this.options.manifest.channels[channelIndex]) return 0;
    return this.handles.open({ kind: "channel", index: channelIndex, network });
  }

  channelSend(handle: number, value: WireValue): number {
    const res = this.handles.get(handle);
    if (res?.kind !== "channel") return SendStatus.InvalidHandle;
    const { app, thing, manifest, clock } = this.options;
    const channel = manifest.channels[res.index];
    // The device's policy allows no publish here, and AWS IoT (as the local broker) closes the
    // connection of a client that publishes where its policy denies: queued, the message would
    // close every reconnect. Refused in the app's callback instead, naming the channel.
    if (!deviceMaySend(channel)) throw new Error(`channel "${channel.name}${SERVER_TO_DEVICE_SEND}`);
    const topic = topics.up(app, thing, channel.name);
    this.outbox.push({ topic, payload: this.numbering.encode(topic, value, clock.now()), qos: channel.qos });
    return SendStatus.Ok;
  }

  pinOpen(kind: "analog" | "digital", name: string): number {
    if (!this.options.board.hasPin(kind, name)) return 0;
    return this.handles.open({ kind: "pin", pinKind: kind, name });
  }

  pinRead(handle: number): number | boolean {
    const pin = this.pin(handle);
    return pin.pinKind === "analog" ? this.options.board.analogRead(pin.name) : this.options.board.digitalRead(pin.name);
  }

  pinWrite(handle: number, value: boolean): void {
    const pin = this.pin(handle);
    if (pin.pinKind !== "digital") throw new Error(`pin ${pin.name} is analog and can't be written`);
    this.options.board.digitalWrite(pin.name, value);
  }

  timerStart(slot: number, ms: number, repeat: boolean): void {
    this.timerStop(slot);
    const arm = () => {
      this.timers.set(
        slot,
        this.options.clock.setTimer(ms, () => {
          if (repeat) arm();
          else this.timers.delete(slot);
          this.runApp(() => this.vm?.timerFired(slot));
        }),
      );
    };
    arm();
  }

  timerStop(slot: number): void {
    this.timers.get(slot)?.();
    this.timers.delete(slot);
  }

  settingSet(index: number, value: SettingValue): void {
    if (!this.settings) throw new Error(`the app set setting #${index}, but its manifest declares no settings`);
    this.settings.set(index, value);
  }

  /** Closes a handle and tells the app, which zeroes its copy (Microvisor semantics). */
  closeHandle(handle: number): void {
    if (this.handles.close(handle)) this.runApp(() => this.vm?.handleClosed(handle));
  }

  // --- internals -------------------------------------------------------------------------

  /** The app starts with its persisted values (silently: its listeners are for changes). */
  private startSettings(vm: FeatureVm): void {
    const { thing, manifest, transport, clock } = this.options;
    this.settings = new DeviceSettings({
      thing,
      manifest,
      transport,
      clock,
      storage: this.options.settingsStorage ?? new MemorySettingsStorage(),
      applied: (index, value) => this.runApp(() => this.vm?.settingChanged(index, value)),
      report: (line) => this.report(line),
    });
    this.settings.startingValues().forEach((value, index) => this.runApp(() => vm.settingRestored(index, value), true));
  }

  private pin(handle: number): Extract<Resource, { kind: "pin" }> {
    const res = this.handles.get(handle);
    if (res?.kind !== "pin") throw new Error(`invalid pin handle ${handle}`);
    return res;
  }

  private connectionChanged(up: boolean): void {
    // First: the session's replay that follows a reconnect must not find a gap's wait used up.
    this.received.linkChanged(up);
    if (up) {
      if (this.outageCount > this.reconnectCount) this.reconnectCount++;
      this.options.onLog?.(`[supervisor] link up (reconnects: ${this.reconnectCount}); sending ${this.outbox.queued} queued messages`);
      // Retained status first: the last will may have said offline meanwhile.
      this.publishStatus(true);
      this.outbox.resume();
      this.logs.resume();
      this.reportDrops();
      this.reportedReorderBounds.thisLink = false;
      this.reportReorderBounds();
    } else {
      this.outageCount++;
      this.options.onLog?.(`[supervisor] link down (outage ${this.outageCount}); queuing messages`);
    }
    this.options.onConnectionChange?.(up);
  }

  /** What the offline buffers really had to drop since the last report, on the log topic once
   * the link is back (the counts stay on droppedMessages / droppedLogs). */
  private reportDrops(): void {
    const messages = this.outbox.dropped - this.reportedDrops.messages;
    const logs = this.logs.dropped - this.reportedDrops.logs;
    if (messages === 0 && logs === 0) return;
    this.reportedDrops = { messages: this.outbox.dropped, logs: this.logs.dropped };
    const { outboxCapacity = DEFAULT_OUTBOX_CAPACITY, logCapacity = DEFAULT_LOG_CAPACITY } = this.options;
    this.report(`while offline, dropped ${messages} messages (outbox holds ${outboxCapacity}) and ${logs} log lines (log buffer holds ${logCapacity}), oldest first`);
  }

  /** QoS 1 chains the reorder window forgot for a new one and gaps it gave up at once for more than
   * maxHeld waiting on a chain or maxHeldBytes in all (the clause only with that bound), since the
   * last report: the first on a connection as it comes, the rest at the
   * next link up (a line per connection, not one per message; each gap is logged as it is given
   * up too). The C supervisor's reportReorderBounds, the same words. */
  private reportReorderBounds(): void {
    const forgotten = this.received.forgottenChains - this.reportedReorderBounds.forgotten;
    const overflows = this.received.overflows - this.reportedReorderBounds.overflows;
    if (forgotten === 0 && overflows === 0) return;
    this.reportedReorderBounds = { forgotten: this.received.forgottenChains, overflows: this.received.overflows, thisLink: true };
    const { maxStreams, maxHeld, maxHeldBytes } = this.received.bounds;
    const bytes = maxHeldBytes === Infinity ? "" : ` or ${maxHeldBytes} B in all`;
    this.report(
      `the reorder window forgot ${forgotten} chains (it remembers ${maxStreams}; a repeat of theirs may reach the app) and gave a gap up at once ${overflows} times (over ${maxHeld} waiting on a chain${bytes}) since the last report`,
    );
  }

  private publishLog(text: string, from?: "supervisor"): void {
    const { app, thing } = this.options;
    this.logs.push({ topic: topics.log(app, thing), payload: JSON.stringify(from ? { t: this.now(), msg: text, from } : { t: this.now(), msg: text }), qos: 0 });
  }

  /** Two kinds of message are not answered, because the broker's store already ends with an online
   * of this boot, so answering republished what it holds (issue 13: every device of a rollout
   * answered both, twice per install):
   * - RETAIN 1 (delivery.retained). MQTT 3.1.1 section 3.3.1.3: RETAIN is 1 only on the stored
   *   message the broker sends because of a new subscription (0 on a live one); AWS IoT says the
   *   same (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-retain). Our status
   *   SUBSCRIBE always goes out before an online PUBLISH on the same connection: start()
   *   subscribes and then says online, and after a reconnect the transports subscribe again
   *   before they report the link up (connectionChanged says online). The broker handles that
   *   online after the SUBSCRIBE and stores it over what it sent. This holds because no other
   *   filter of a device's link matches its status topic: a new overlapping subscription would
   *   bring the stored status again with RETAIN 1, after the online (AWS sends none for a
   *   wildcard filter anyway: ../shared/AWS-IOT-NOTES.md).
   * - An old boot's offline this link published on its current connection (delivery.sentHere):
   *   boots follow each other on a link, so it was published before this boot's online, and
   *   MQTT 3.1.1 section 4.6 (ordered topics) has the broker store them in that order. aedes
   *   delivers it live to our new subscription, as it acknowledges before it fans out.
   * A will, or an offline stored after our online, still comes live from elsewhere and is answered;
   * so is the copy of a will the persistent session queued while the link was down (RETAIN 0, on
   * AWS and locally) when it arrives after the link is reported up: one redundant online. */
  private ownStatusHeard(payload: string, delivery: Delivery): void {
    if (delivery.retained || delivery.sentHere) return;
    if (!this.vm || !this.options.transport.connected || !contradictsRunningBoot(payload, this.bootId)) return;
    this.options.onLog?.("[supervisor] the retained status says offline for another boot or link: saying online again");
    void this.publishStatus(true);
  }

  /** Retained, QoS 1: a dashboard that subscribes later still learns the state (docs/architecture.md). */
  private publishStatus(online: boolean): Promise<void> {
    const { app, thing, manifest, transport, clock } = this.options;
    const payload = encodeDeviceStatus({ online, version: manifest.version, bootId: this.bootId, t: clock.now() });
    return transport.publish(topics.status(app, thing), payload, 1, true).catch((error: Error) => {
      this.options.onLog?.(`[supervisor] status ${online ? "online" : "offline"} not published: ${error.message}`);
    });
  }

  /** A failing app callback is logged (app log topic), counted and told to the owner; the
   * device keeps running the other callbacks, as a device would. After a fatal engine error the
   * app's VM can't run anything: its timers stop and it gets no more events. */
  private runApp(run: () => void, atStart = false): void {
    try {
      run();
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      const fatal = e instanceof FeatureRuntimeError && e.fatal;
      this.appErrorCount++;
      this.appErrors.push(message);
      if (this.appErrors.length > KEPT_APP_ERRORS) this.appErrors.shift();
      this.log(`error: ${message}`);
      if (fatal) this.halt();
      this.options.onAppFailure?.({ message, fatal, atStart });
    }
  }

  private halt(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    this.vm = undefined;
  }
}
