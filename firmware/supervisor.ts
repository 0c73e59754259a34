import crypto from "node:crypto";
import type { Manifest } from "../core/manifest";
import { decodeEnvelope, encodeEnvelope } from "../core/envelope";
import { topics } from "../core/topics";
import type { FeatureHost, FeatureVm } from "../core/runtime/featureVm";
import type { WireValue } from "../core/wireValue";
import type { Board } from "./board";
import { BoundedQueue } from "./boundedQueue";
import type { Clock } from "./clock";
import { HandleTable } from "./handles";
import type { Transport } from "./transport";

/** Status codes channelSend returns to the app (0 = accepted). */
export enum SendStatus {
  Ok = 0,
  InvalidHandle = 1,
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
  /** Messages kept while offline (default 500); the oldest are dropped beyond. */
  outboxCapacity?: number;
  /** App log lines kept while offline (default 200). */
  logCapacity?: number;
  /** Local echo of app logs and supervisor events (console in the CLI). */
  onLog?: (line: string) => void;
}

interface Outgoing {
  topic: string;
  payload: string;
  qos: 0 | 1;
}

/** Microvisor-style supervisor: the app never owns the network or the hardware. It asks for a
 * network and channels and gets handles (0 invalid, closed handles are zeroed by the runtime
 * after a notification); the supervisor does the I/O, queues messages and logs while offline
 * and flushes them, in order, when the link is back. */
export class Supervisor implements FeatureHost {
  readonly bootId = crypto.randomBytes(4).toString("hex");
  private seq = 0;
  private readonly handles = new HandleTable<Resource>();
  private readonly timers = new Map<number, () => void>();
  private readonly outbox: BoundedQueue<Outgoing>;
  private readonly logBuffer: BoundedQueue<string>;
  private vm: FeatureVm | undefined;
  /** Errors thrown by app callbacks since boot (each also logged). */
  appErrors: string[] = [];

  constructor(private readonly options: SupervisorOptions) {
    this.outbox = new BoundedQueue(options.outboxCapacity ?? 500);
    this.logBuffer = new BoundedQueue(options.logCapacity ?? 200);
    options.transport.onConnectionChange((up) => {
      if (up) this.flush();
    });
  }

  get droppedMessages(): number {
    return this.outbox.dropped;
  }

  get droppedLogs(): number {
    return this.logBuffer.dropped;
  }

  get queuedMessages(): number {
    return this.outbox.length;
  }

  /** Connects the app and boots it: subscriptions first, so no message is missed. */
  start(vm: FeatureVm): void {
    this.vm = vm;
    const { app, thing, manifest, transport } = this.options;
    manifest.channels.forEach((channel, index) => {
      if (channel.direction === "device-to-server") return;
      const deliver = (_topic: string, payload: string) => this.deliver(index, payload);
      transport.subscribe(topics.down(app, thing, channel.name), deliver);
      transport.subscribe(topics.broadcastDown(app, channel.name), deliver);
    });
    this.runApp(() => vm.start());
  }

  /** Stops timers and closes every handle; the app gets no more events. */
  stop(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    for (const [h] of this.handles.entries()) this.handles.close(h);
    this.vm = undefined;
  }

  // --- FeatureHost: what the app's runtime calls ------------------------------------------

  log(text: string): void {
    this.options.onLog?.(`[app] ${text}`);
    this.logBuffer.push(text);
    this.flush();
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
    this.outbox.push({
      topic: topics.up(app, thing, channel.name),
      payload: encodeEnvelope(this.bootId, ++this.seq, value, clock.now()),
      qos: channel.qos,
    });
    this.flush();
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

  /** Closes a handle and tells the app, which zeroes its copy (Microvisor semantics). */
  closeHandle(handle: number): void {
    if (this.handles.close(handle)) this.runApp(() => this.vm?.handleClosed(handle));
  }

  // --- internals -------------------------------------------------------------------------

  private pin(handle: number): Extract<Resource, { kind: "pin" }> {
    const res = this.handles.get(handle);
    if (res?.kind !== "pin") throw new Error(`invalid pin handle ${handle}`);
    return res;
  }

  private deliver(channelIndex: number, payload: string): void {
    let value: WireValue;
    try {
      value = decodeEnvelope(payload).v;
    } catch (e) {
      this.options.onLog?.(`[supervisor] dropped a malformed message for channel ${this.options.manifest.channels[channelIndex].name}: ${(e as Error).message}`);
      return;
    }
    this.runApp(() => this.vm?.deliver(channelIndex, value));
  }

  /** An exception in an app callback is logged and counted; the device keeps running. */
  private runApp(run: () => void): void {
    try {
      run();
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      this.appErrors.push(message);
      this.log(`error: ${message}`);
    }
  }

  private flush(): void {
    const { transport, app, thing } = this.options;
    if (!transport.connected) return;
    const messages = this.outbox.drain();
    for (let i = 0; i < messages.length; i++) {
      try {
        transport.publish(messages[i].topic, messages[i].payload, messages[i].qos);
      } catch {
        this.outbox.unshiftAll(messages.slice(i));
        return;
      }
    }
    const lines = this.logBuffer.drain();
    for (let i = 0; i < lines.length; i++) {
      try {
        transport.publish(topics.log(app, thing), JSON.stringify({ t: this.now(), msg: lines[i] }), 0);
      } catch {
        this.logBuffer.unshiftAll(lines.slice(i));
        return;
      }
    }
  }
}
