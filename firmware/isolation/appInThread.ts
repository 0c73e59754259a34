/** One device app inside a worker thread: the simulated board, the supervisor and the app's VM
 * (firmware/device.ts), with the host's network link reached through messages
 * (appWorkerProtocol.ts). A thread of its own runs one (appWorker.ts); a shared thread runs
 * several side by side, each in its own VM (sharedAppWorker.ts). Nothing here may import
 * aws-iot-device-sdk-v2: aws-crt aborts the whole process when a second thread loads it. */
import { SimulatedBoard } from "../board";
import { RealClock, type Clock } from "../clock";
import { Device } from "../device";
import { parsePinSpec, type PinModel } from "../pinModel";
import type { ConnectionListener, MessageHandler, QoS, Transport } from "../transport";
import type { AppWorkerData, FromWorker, ToWorker } from "./appWorkerProtocol";
import { PinWriteCoalescer } from "./pinWriteCoalescer";

export interface AppInThread {
  /** A message from the host, in the order sent (held until the app has booted). */
  receive(m: ToWorker): void;
  /** Stops the app without a goodbye: its timers end and its VM is freed (the host already
   * dropped its link). A thread of its own is terminated instead. */
  discard(): void;
}

/** Boots the app described by `data`; `post` carries its messages to the host. `enter` is called
 * each time this thread starts running this app's code (a timer, a message): a shared thread
 * records which app it is in, so a loop can be blamed on the right one. */
export function startAppInThread(data: AppWorkerData, post: (m: FromWorker) => void, enter: () => void = () => {}): AppInThread {
  const transport = new PortTransport(data.connected, post, enter);
  const clock = new EnteringClock(enter);
  const early: ToWorker[] = [];
  let device: Device | undefined;
  let discarded = false;
  let stopping = false;

  const handle = (m: ToWorker) => {
    if (m.kind === "report") return device!.supervisor.report(m.line);
    if (m.kind !== "stop") return transport.receive(m);
    if (stopping) return;
    stopping = true;
    const stats = device!.vm.memoryStats();
    void device!.stop().then(() => {
      pinWrites.flush();
      post({ kind: "stopped", heapUsed: stats.heapUsed, heapPeak: stats.heapHighWaterMark });
    });
    // stop() ended the app's code at once; the rest waits for the broker (isolatedApp.ts).
    post({ kind: "stopping" });
  };

  const models: Record<string, PinModel> = {};
  for (const spec of data.pinSpecs) {
    const { pin, model } = parsePinSpec(spec);
    models[pin] = model;
  }
  const board = SimulatedBoard.forManifest(data.manifest, () => clock.now() + data.pinTimeOffsetMs, models);
  for (const [pin, level] of Object.entries(data.digitalPins)) board.restoreDigitalLevel(pin, level);
  const pinWrites = new PinWriteCoalescer(data.pinReportMs, post);
  board.onDigitalWrite((w) => pinWrites.write(w.pin, w.value));

  enter();
  Device.boot({
    ...data.device,
    manifest: data.manifest,
    snapshot: data.snapshot,
    thing: data.thing,
    board,
    clock,
    transport,
    onLog: (line) => post({ kind: "log", line }),
    onAppFailure: (failure) => post({ kind: "appFailure", failure }),
  }).then(
    (booted) => {
      device = booted;
      if (discarded) return void booted.stop().catch(() => {});
      post({ kind: "ready" });
      // Messages that arrived while the app booted, then the rest as they come.
      for (const m of early.splice(0)) handle(m);
    },
    (e: Error) => post({ kind: "bootFailed", message: e.message }),
  );

  return {
    receive: (m) => (device && !discarded ? handle(m) : void early.push(m)),
    discard: () => {
      if (discarded) return;
      discarded = true;
      transport.closed = true;
      clock.closed = true;
      pinWrites.flush();
      if (device && !stopping) device.stop().catch(() => {});
    },
  };
}

/** Wall-clock timers that say which app they run, and stop firing once the app is discarded. */
class EnteringClock extends RealClock implements Clock {
  closed = false;

  constructor(private readonly enter: () => void) {
    super();
  }

  override setTimer(ms: number, callback: () => void): () => void {
    return super.setTimer(ms, () => {
      if (this.closed) return;
      this.enter();
      callback();
    });
  }
}

/** The supervisor's view of the host's link: publishes and subscriptions become messages. */
class PortTransport implements Transport {
  closed = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly handlers = new Map<number, MessageHandler>();
  private readonly listeners = new Set<ConnectionListener>();

  constructor(
    private up: boolean,
    private readonly post: (m: FromWorker) => void,
    private readonly enter: () => void,
  ) {}

  get connected(): boolean {
    return this.up;
  }

  publish(topic: string, payload: string, qos: QoS, retain = false): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (!this.closed) this.post({ kind: "publish", id, topic, payload, qos, retain });
    });
  }

  subscribe(topic: string, qos: QoS, handler: MessageHandler): () => void {
    const sub = this.nextId++;
    this.handlers.set(sub, handler);
    if (!this.closed) this.post({ kind: "subscribe", sub, topic, qos });
    return () => {
      if (this.handlers.delete(sub) && !this.closed) this.post({ kind: "unsubscribe", sub });
    };
  }

  onConnectionChange(listener: ConnectionListener): () => void {
    const entry: ConnectionListener = (c) => listener(c);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  receive(m: ToWorker): void {
    if (this.closed) return;
    this.enter();
    if (m.kind === "message") this.handlers.get(m.sub)?.(m.topic, m.payload, m.delivery);
    else if (m.kind === "published") {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error === undefined) p?.resolve();
      else p?.reject(new Error(m.error));
    } else if (m.kind === "connection" && m.up !== this.up) {
      this.up = m.up;
      for (const l of [...this.listeners]) l(m.up);
    }
  }
}
