/** Inside a device app's worker thread: the simulated board, the supervisor and the app's VM
 * (firmware/device.ts), with the host's network link reached through messages
 * (appWorkerProtocol.ts). Nothing here may import aws-iot-device-sdk-v2: aws-crt aborts the
 * whole process when a second thread loads it. */
import { parentPort, workerData } from "node:worker_threads";
import { SimulatedBoard } from "../board";
import { RealClock } from "../clock";
import { Device } from "../device";
import { parsePinSpec, type PinModel } from "../pinModel";
import type { ConnectionListener, MessageHandler, QoS, Transport } from "../transport";
import type { AppWorkerData, FromWorker, ToWorker } from "./appWorkerProtocol";
import { PinWriteCoalescer } from "./pinWriteCoalescer";

const port = parentPort!;
const data = workerData as AppWorkerData;
const post = (m: FromWorker) => port.postMessage(m);

/** The supervisor's view of the host's link: publishes and subscriptions become messages. */
class PortTransport implements Transport {
  private up = data.connected;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly handlers = new Map<number, MessageHandler>();
  private readonly listeners = new Set<ConnectionListener>();

  get connected(): boolean {
    return this.up;
  }

  publish(topic: string, payload: string, qos: QoS, retain = false): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      post({ kind: "publish", id, topic, payload, qos, retain });
    });
  }

  subscribe(topic: string, qos: QoS, handler: MessageHandler): () => void {
    const sub = this.nextId++;
    this.handlers.set(sub, handler);
    post({ kind: "subscribe", sub, topic, qos });
    return () => {
      if (this.handlers.delete(sub)) post({ kind: "unsubscribe", sub });
    };
  }

  onConnectionChange(listener: ConnectionListener): () => void {
    const entry: ConnectionListener = (c) => listener(c);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  receive(m: ToWorker): void {
    if (m.kind === "message") this.handlers.get(m.sub)?.(m.topic, m.payload);
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

async function run(): Promise<void> {
  // Started before the app: while a callback blocks this thread, these stop and the host's
  // watchdog notices.
  setInterval(() => post({ kind: "alive" }), data.heartbeatMs);
  post({ kind: "loaded" });

  const transport = new PortTransport();
  const clock = new RealClock();
  const models: Record<string, PinModel> = {};
  for (const spec of data.pinSpecs) {
    const { pin, model } = parsePinSpec(spec);
    models[pin] = model;
  }
  const board = SimulatedBoard.forManifest(data.manifest, () => clock.now() + data.pinTimeOffsetMs, models);
  for (const [pin, level] of Object.entries(data.digitalPins)) board.restoreDigitalLevel(pin, level);
  const pinWrites = new PinWriteCoalescer(data.pinReportMs, post);
  board.onDigitalWrite((w) => pinWrites.write(w.pin, w.value));

  let device: Device;
  try {
    device = await Device.boot({
      ...data.device,
      manifest: data.manifest,
      snapshot: data.snapshot,
      thing: data.thing,
      board,
      clock,
      transport,
      onLog: (line) => post({ kind: "log", line }),
      onAppFailure: (failure) => post({ kind: "appFailure", failure }),
    });
  } catch (e) {
    post({ kind: "bootFailed", message: (e as Error).message });
    return;
  }
  post({ kind: "ready" });

  let stopping = false;
  const handle = (m: ToWorker) => {
    if (m.kind === "report") return device.supervisor.report(m.line);
    if (m.kind !== "stop") return transport.receive(m);
    if (stopping) return;
    stopping = true;
    const stats = device.vm.memoryStats();
    void device.stop().then(() => {
      pinWrites.flush();
      post({ kind: "stopped", heapUsed: stats.heapUsed, heapPeak: stats.heapHighWaterMark });
    });
  };
  // Messages that arrived while the app booted, then the rest as they come.
  port.off("message", buffer);
  port.on("message", handle);
  for (const m of early.splice(0)) handle(m);
}

const early: ToWorker[] = [];
const buffer = (m: ToWorker) => early.push(m);
port.on("message", buffer);
void run();
