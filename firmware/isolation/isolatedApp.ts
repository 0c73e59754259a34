/** A device app in its own worker thread, so an app stuck in a loop stalls only itself: not the
 * broker, the dashboard or the other devices of `snapfleet dev`, and not the command that runs
 * it. The host keeps the device's network link and bridges it to the worker's supervisor
 * (appWorkerProtocol.ts); a watchdog resets the app when its worker stops answering, as a
 * hardware watchdog resets a board.
 *
 * Why worker threads rather than child processes (bench/isolation.bench.ts): an app's thread
 * costs about 13 MB RSS where a bare Node child process alone costs about 40 MB, before it loads
 * anything, which matters for the 1,000-device fleet a later issue asks for (a process per device
 * won't fit; threads may, and several VMs per thread remain possible behind this same class);
 * and `worker.terminate()` stops a thread even while its JavaScript is stuck in a WebAssembly
 * loop (V8 checks for termination in wasm loops), so nothing an app does can keep it alive. The
 * price: aws-crt (the device SDK's native core) aborts
 * the process when a second thread loads it, so each device's mutual-TLS connection is made here,
 * in the host, with the device's own certificate; the worker only sees messages.
 *
 * With a pool (appThreadPool.ts, for large fleets) the app runs in a thread shared with other
 * apps, each in its own VM: the thread's watchdog then resets all of them (sharedAppThread.ts). */
import type { Manifest } from "../../core/contracts/manifest";
import type { RunningApp } from "../ota";
import { STOP_STATUS_TIMEOUT_MS, type AppFailure } from "../supervisor";
import type { Transport } from "../transport";
import type { AppThreadPool } from "./appThreadPool";
import type { AppDeviceOptions, AppWorkerData, FromWorker, PinWriteReport, ToWorker } from "./appWorkerProtocol";
import { SharedAppSlot } from "./sharedAppThread";
import { startWorker, workerEntry } from "./workerBootstrap";

export interface IsolatedAppOptions {
  manifest: Manifest;
  snapshot: Uint8Array;
  thing: string;
  /** The device's link (MQTT in the local cloud, in-memory in `run-device`). */
  transport: Transport;
  /** `--pin` specs for the analog models. */
  pinSpecs?: string[];
  pinTimeOffsetMs?: number;
  /** The board's digital levels: read at every (re)start, kept current from the app's writes.
   * Pass the same object to the next app so the pins outlive updates. */
  digitalPins?: Record<string, boolean>;
  /** Silence after which the app is reset (default 5000 ms). */
  watchdogMs?: number;
  /** Time stop() gives the app to say "offline" before its worker is terminated (default 2000 ms). */
  stopTimeoutMs?: number;
  onLog?: (line: string) => void;
  onPinWrite?: (report: PinWriteReport) => void;
  /** Each failing callback, and each watchdog reset, in order (the OTA agent's crash-loop and
   * grace-period watch). */
  onFailure?: (failure: AppFailure) => void;
  /** Passed to Device.boot in the worker (queue sizes, the engine's instruction budget, ...). */
  device?: AppDeviceOptions;
  /** Run in a thread shared with other apps of this pool, instead of a thread of its own. */
  pool?: AppThreadPool;
}

export const DEFAULT_WATCHDOG_MS = 5000;
export const HEARTBEAT_MS = 250;
const PIN_REPORT_MS = 1000;
/** Loading the modules (compiling TypeScript on a cold tsx cache, on a busy machine) is not the app. */
const LOAD_TIMEOUT_MS = 60_000;
/** Resets back off from 1 s to this, so an app that hangs at every start doesn't spin. */
const MAX_RESTART_DELAY_MS = 30_000;
/** Heap cap per app thread: the VM's heap is 32 KB, the rest is the supervisor's queues. */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 };
/** An app whose shared thread was reset for another app's loop starts again after this (no
 * back-off: it did nothing wrong). */
const EVICTED_RESTART_MS = 500;

/** What the app runs in: a Worker of its own, or its slot in a shared thread. */
interface AppThread {
  postMessage(m: ToWorker): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  terminate(): Promise<unknown>;
}

/** One worker: the app between two resets. */
interface Incarnation {
  worker: AppThread;
  lastAlive: number;
  /** Armed once the modules are loaded. */
  watched: boolean;
  readyAt?: number;
  gone: boolean;
  stopping?: () => void;
  stopped?: () => void;
  /** Ends a stop() waiting for `stopped` (the thread is gone). */
  abandon?: () => void;
  /** Ends the worker; `stuck`: the app didn't answer (a silent shared thread is then reset as a whole). */
  teardown(stuck?: boolean): Promise<void>;
}

export class IsolatedApp implements RunningApp {
  /** App errors since the first start, watchdog resets included (each told to onFailure). */
  errorCount = 0;
  /** VM heap figures from the last clean stop. */
  lastStats: { heapUsed: number; heapPeak: number } | undefined;
  private current: Incarnation | undefined;
  private resetCount = 0;
  private consecutiveResets = 0;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly watchdog: ReturnType<typeof setInterval>;
  private lastCheck = Date.now();
  private closed = false;
  private killed = false;
  private readonly digitalPins: Record<string, boolean>;
  private waiting: (() => void)[] = [];

  private constructor(private readonly options: IsolatedAppOptions) {
    this.digitalPins = options.digitalPins ?? {};
    this.watchdog = setInterval(() => this.check(), HEARTBEAT_MS);
  }

  /** Starts the app; resolves when it has started (or hung while starting: then onFailure hears
   * of the watchdog reset as a failure at start). */
  static async start(options: IsolatedAppOptions): Promise<IsolatedApp> {
    const app = new IsolatedApp(options);
    try {
      await app.spawn();
    } catch (e) {
      await app.kill();
      throw e;
    }
    return app;
  }

  /** Resolves at the app's next heartbeat, or when the watchdog resets it (then onFailure hears
   * of it), or when it stops: the OTA agent's check that an app on trial still runs. */
  answered(): Promise<void> {
    if (this.killed) return new Promise(() => {});
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Watchdog resets so far. */
  get resets(): number {
    return this.resetCount;
  }

  /** The app stops (its supervisor publishes "offline"); a worker that doesn't answer within
   * stopTimeoutMs is terminated. Either way the thread is gone when this resolves. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimers();
    const inc = this.current;
    if (!inc || inc.gone) return;
    const limit = this.options.stopTimeoutMs ?? 2000;
    const answered = await new Promise<boolean | "gone">((resolve) => {
      let timer = setTimeout(() => resolve(false), limit);
      // The app's code has stopped; its "offline" status now waits for the broker's PUBACK, which
      // the supervisor bounds itself. A busy broker (a fleet's rollout: 48 apps of 1,000 in
      // test/slow/fleet1000.slow.ts) is not a stuck app, and terminating the thread for it reset
      // every other app sharing the thread; a thread that hangs meanwhile is the watchdog's.
      inc.stopping = () => {
        clearTimeout(timer);
        timer = setTimeout(() => resolve(false), STOP_STATUS_TIMEOUT_MS + limit);
      };
      inc.stopped = () => {
        clearTimeout(timer);
        resolve(true);
      };
      inc.abandon = () => {
        clearTimeout(timer);
        resolve("gone");
      };
      this.post(inc, { kind: "stop" });
    });
    if (!answered) this.log(`the app did not stop within ${limit / 1000} s (${this.silence(inc)}); its thread was terminated`);
    await inc.teardown(!answered);
  }

  /** Terminates the app's thread now, without a goodbye (a deadline ran out). An answered()
   * still pending never resolves: a halted device confirms nothing. */
  async kill(): Promise<void> {
    this.killed = true;
    this.closed = true;
    this.waiting = [];
    this.cancelTimers();
    await this.current?.teardown();
  }

  private spawn(): Promise<void> {
    const { manifest, snapshot, thing, transport, pool } = this.options;
    const data: AppWorkerData = {
      ...workerEntry("appWorker"),
      manifest,
      snapshot,
      thing,
      connected: transport.connected,
      pinSpecs: this.options.pinSpecs ?? [],
      pinTimeOffsetMs: this.options.pinTimeOffsetMs ?? 0,
      digitalPins: { ...this.digitalPins },
      heartbeatMs: HEARTBEAT_MS,
      pinReportMs: PIN_REPORT_MS,
      device: this.options.device ?? {},
    };
    const worker: AppThread = pool ? pool.add(data) : startWorker(data, RESOURCE_LIMITS);
    const subscriptions = new Map<number, () => void>();
    const removeListener = transport.onConnectionChange((up) => this.post(inc, { kind: "connection", up }));
    const inc: Incarnation = {
      worker,
      lastAlive: Date.now(),
      watched: false,
      gone: false,
      teardown: async (stuck = false) => {
        if (!inc.gone) {
          inc.gone = true;
          removeListener();
          for (const remove of subscriptions.values()) remove();
          subscriptions.clear();
        }
        // A shared thread is reset only when it is silent itself: an app slow to say goodbye (its
        // offline status waiting for a busy broker) in a thread that answers just leaves it.
        const silent = Date.now() - inc.lastAlive > HEARTBEAT_MS * 4;
        await (stuck && silent && worker instanceof SharedAppSlot ? worker.stuck() : worker.terminate());
      },
    };
    this.current = inc;

    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(loadTimer);
        if (error) reject(error);
        else resolve();
      };
      const loadTimer = setTimeout(() => settle(new Error(`the app's thread for ${thing} did not load within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
      worker.on("message", (m: FromWorker) => {
        if (inc.gone) return;
        switch (m.kind) {
          case "loaded":
            inc.watched = true;
            inc.lastAlive = Date.now();
            return;
          case "alive":
            inc.lastAlive = Date.now();
            return this.wake();
          case "ready":
            inc.readyAt = Date.now();
            return settle();
          case "bootFailed":
            return settle(new Error(m.message));
          case "log":
            return this.options.onLog?.(m.line);
          case "appFailure":
            return this.failed(m.failure);
          case "pinWrite":
            this.digitalPins[m.pin] = m.value;
            return this.options.onPinWrite?.(m);
          case "publish":
            transport.publish(m.topic, m.payload, m.qos, m.retain).then(
              () => this.post(inc, { kind: "published", id: m.id }),
              (e: Error) => this.post(inc, { kind: "published", id: m.id, error: e.message }),
            );
            return;
          case "subscribe":
            subscriptions.set(
              m.sub,
              transport.subscribe(m.topic, m.qos, (topic, payload, delivery) => this.post(inc, { kind: "message", sub: m.sub, topic, payload, delivery })),
            );
            return;
          case "unsubscribe":
            subscriptions.get(m.sub)?.();
            subscriptions.delete(m.sub);
            return;
          case "stopping":
            return inc.stopping?.();
          case "stopped":
            this.lastStats = { heapUsed: m.heapUsed, heapPeak: m.heapPeak };
            return inc.stopped?.();
        }
      });
      worker.on("error", (e) => {
        if (inc.gone) return;
        if (!settled) return settle(new Error(`the app's thread for ${thing} failed while starting: ${e.message}`));
        this.reset(inc, `its thread failed: ${e.message}`);
      });
      worker.on("exit", (code) => {
        if (inc.gone) return;
        if (!settled) return settle(new Error(`the app's thread for ${thing} exited (code ${code}) while starting`));
        this.reset(inc, `its thread exited (code ${code})`);
      });
      // A shared thread's watchdog reset (sharedAppThread.ts): stuck in this app, or in another.
      worker.on("hung", (others: number) => this.reset(inc, `${this.unanswered()} (its thread, shared with ${others} other app${others === 1 ? "" : "s"}, was reset with it)`));
      worker.on("evicted", (culprit: string) => this.evicted(inc, culprit));
      // Hung while starting: the start resolves with the watchdog's error, like a board that
      // resets during boot; the OTA agent reads it as a failed start.
      this.onHungStart = () => settle();
    });
  }

  private onHungStart: (() => void) | undefined;

  private check(): void {
    const now = Date.now();
    // This thread was itself held up (a busy machine): its view of the silence is stale.
    const hostLag = now - this.lastCheck - HEARTBEAT_MS;
    this.lastCheck = now;
    const inc = this.current;
    if (!inc || inc.gone || !inc.watched || this.closed) return;
    if (hostLag > HEARTBEAT_MS * 4) {
      inc.lastAlive = now;
      return;
    }
    const limit = this.options.watchdogMs ?? DEFAULT_WATCHDOG_MS;
    if (now - inc.lastAlive <= limit) return;
    // A shared thread is reset as a whole; each of its apps hears how (`hung` or `evicted`).
    if (inc.worker instanceof SharedAppSlot) void inc.worker.stuck();
    else this.reset(inc, this.unanswered());
  }

  private unanswered(): string {
    return `the app did not answer for ${((this.options.watchdogMs ?? DEFAULT_WATCHDOG_MS) / 1000).toFixed(1)} s (a callback stuck in a loop?)`;
  }

  /** Another app stuck the thread this one shared: this one starts again, soon and without it
   * counting as its failure (no back-off, the OTA agent isn't told). */
  private evicted(inc: Incarnation, culprit: string): void {
    if (inc.gone) return;
    inc.abandon?.();
    void inc.teardown();
    if (this.closed) return;
    this.log(`watchdog reset: its thread, shared with ${culprit}, was stuck in ${culprit}'s app; restarting this app in ${EVICTED_RESTART_MS / 1000} s (not counted as its failure)`);
    this.onHungStart?.();
    this.onHungStart = undefined;
    this.restartTimer = setTimeout(() => this.restart(), EVICTED_RESTART_MS);
  }

  /** Watchdog reset: the thread goes, the same app starts again after a back-off. */
  private reset(inc: Incarnation, why: string): void {
    if (inc.gone) return;
    // Stopping: the thread is gone, so is the app; stop() need not wait for its answer.
    if (this.closed) {
      inc.abandon?.();
      return void inc.teardown();
    }
    // An app that ran well for a while earns a fresh back-off.
    if (inc.readyAt !== undefined && Date.now() - inc.readyAt > MAX_RESTART_DELAY_MS) this.consecutiveResets = 0;
    const delay = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** this.consecutiveResets++);
    this.resetCount++;
    const message = `watchdog reset: ${why}; restarting it in ${delay / 1000} s`;
    this.log(message);
    this.failed({ message, fatal: false, atStart: inc.readyAt === undefined });
    void inc.teardown();
    this.wake();
    this.onHungStart?.();
    this.onHungStart = undefined;
    this.restartTimer = setTimeout(() => this.restart(), delay);
  }

  private restart(): void {
    this.restartTimer = undefined;
    if (this.closed) return;
    this.spawn().catch((e: Error) => {
      this.log(`restart failed: ${e.message}`);
      this.failed({ message: `restart failed: ${e.message}`, fatal: true, atStart: true });
    });
  }

  /** Publishes a line on the device's log topic through the app's supervisor. */
  report(line: string): void {
    const inc = this.current;
    if (inc) this.post(inc, { kind: "report", line });
  }

  private failed(failure: AppFailure): void {
    this.errorCount++;
    this.options.onFailure?.(failure);
  }

  private silence(inc: Incarnation): string {
    return `no answer for ${((Date.now() - inc.lastAlive) / 1000).toFixed(1)} s: a callback stuck in a loop?`;
  }

  private post(inc: Incarnation, m: ToWorker): void {
    if (!inc.gone) inc.worker.postMessage(m);
  }

  private wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  private cancelTimers(): void {
    this.wake();
    clearInterval(this.watchdog);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private log(line: string): void {
    this.options.onLog?.(`[watchdog] ${line}`);
  }
}
