/** A worker thread shared by several device apps (sharedAppWorker.ts), seen from the host: each
 * app gets a slot that looks like a thread of its own to IsolatedApp (messages, error, exit,
 * terminate), so the app's watchdog, stop and restart work as with a thread per app.
 *
 * What sharing changes: the thread has one heartbeat, so an app stuck in a loop silences all of
 * them. The watchdog terminates the whole thread (`stuck()`): nothing else stops JavaScript stuck
 * in a WebAssembly loop. The thread records the slot of the app it entered last (a shared Int32,
 * written on every timer and message), so the stuck app is named and reset as a failure; the
 * others hear `evicted` and start again, without it counting against their app. */
import { EventEmitter } from "node:events";
import type { Worker } from "node:worker_threads";
import type { AppWorkerData, FromSharedThread, FromWorker, SharedThreadData, ToSharedThread, ToWorker } from "./appWorkerProtocol";
import { startWorker, workerEntry } from "./workerBootstrap";

/** Heap of a shared thread: a thread of its own gets 64 MB for one app; an app's supervisor
 * queues are bounded (firmware/supervisor.ts), so a few MB more per app it may hold. */
const BASE_HEAP_MB = 64;
const HEAP_PER_APP_MB = 4;

export class SharedAppThread {
  private readonly worker: Worker;
  private readonly slots = new Map<number, SharedAppSlot>();
  private readonly running = new Int32Array(new SharedArrayBuffer(4));
  private nextSlot = 0;
  private loaded = false;
  /** Terminated, failed or exited: takes no more apps. */
  private ended = false;
  private terminated: Promise<void> | undefined;

  constructor(
    readonly capacity: number,
    heartbeatMs: number,
    /** Told once when the thread ends, so the pool stops placing apps in it. */
    private readonly onEnd: (thread: SharedAppThread) => void,
  ) {
    this.running[0] = -1;
    const data: SharedThreadData = { ...workerEntry("sharedAppWorker"), heartbeatMs, running: this.running.buffer as SharedArrayBuffer };
    this.worker = startWorker(data, { maxOldGenerationSizeMb: BASE_HEAP_MB + HEAP_PER_APP_MB * capacity, maxYoungGenerationSizeMb: 16 });
    this.worker.on("message", (m: FromSharedThread) => {
      if (m.kind === "from") return void this.slots.get(m.slot)?.emit("message", m.message);
      if (m.kind === "loaded") this.loaded = true;
      for (const slot of this.slots.values()) slot.emit("message", m);
    });
    this.worker.on("error", (e) => this.end("error", e));
    this.worker.on("exit", (code) => this.end("exit", code));
  }

  /** Apps in the thread now. */
  get apps(): number {
    return this.slots.size;
  }

  get open(): boolean {
    return !this.ended && this.slots.size < this.capacity;
  }

  /** Starts an app in this thread; its slot answers as its thread. */
  add(data: AppWorkerData): SharedAppSlot {
    const slot = new SharedAppSlot(this, this.nextSlot++, data.thing);
    this.slots.set(slot.id, slot);
    this.post({ kind: "open", slot: slot.id, data });
    // Listeners are attached after this returns: a thread already loaded says so then.
    if (this.loaded) setImmediate(() => slot.emit("message", { kind: "loaded" } satisfies FromWorker));
    return slot;
  }

  /** The app the thread entered last (what a stuck thread is stuck in), if any. */
  lastEntered(): SharedAppSlot | undefined {
    return this.slots.get(Atomics.load(this.running, 0));
  }

  post(m: ToSharedThread): void {
    if (!this.ended) this.worker.postMessage(m);
  }

  /** One app leaves (its host side is gone): the thread drops it, and ends with its last app. */
  async remove(slot: SharedAppSlot): Promise<void> {
    if (!this.slots.delete(slot.id)) return;
    this.post({ kind: "close", slot: slot.id });
    if (this.slots.size === 0) await this.terminate();
  }

  /** The watchdog's reset of a silent thread: it is terminated. The app it was stuck in hears
   * `hung` (every app does, when the thread can't tell which); the others hear `evicted`, naming
   * that app, and start again in another thread. */
  stuck(): Promise<void> {
    const culprit = this.lastEntered();
    const slots = [...this.slots.values()];
    this.slots.clear();
    const terminated = this.terminate();
    for (const slot of slots) {
      if (!culprit || slot === culprit) slot.emit("hung", slots.length - 1);
      else slot.emit("evicted", culprit.thing);
    }
    return terminated;
  }

  /** Once, however many of its apps ask (each terminate() call adds a listener to the Worker). */
  private terminate(): Promise<void> {
    this.markEnded();
    this.terminated ??= this.worker.terminate().then(() => undefined);
    return this.terminated;
  }

  private end(kind: "error" | "exit", detail: unknown): void {
    this.markEnded();
    for (const slot of this.slots.values()) slot.emit(kind, detail);
    this.slots.clear();
  }

  private markEnded(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
  }
}

/** One app's share of a SharedAppThread: what IsolatedApp uses as the app's thread. */
export class SharedAppSlot extends EventEmitter {
  constructor(
    private readonly thread: SharedAppThread,
    readonly id: number,
    readonly thing: string,
  ) {
    super();
  }

  postMessage(message: ToWorker): void {
    this.thread.post({ kind: "to", slot: this.id, message });
  }

  /** Leaves the thread (like terminating a thread of one's own: nothing more runs for this app). */
  terminate(): Promise<void> {
    return this.thread.remove(this);
  }

  /** The app's watchdog found the thread silent: the whole thread is terminated (see
   * SharedAppThread.stuck for what each app of it hears). */
  stuck(): Promise<void> {
    return this.thread.stuck();
  }
}
