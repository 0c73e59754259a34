/** Shared threads for a large simulated fleet: each app still runs in its own VM, with its own
 * board, supervisor and instruction budget, but several apps share a worker thread
 * (sharedAppThread.ts), because a thread per app costs about 14 MB (measured at 50 devices:
 * README "A thousand devices"), 14 GB for 1,000 devices. A new app goes to the thread with the
 * fewest apps; threads start on demand, up to `threads`, and end with their last app. */
import os from "node:os";
import type { AppWorkerData } from "./appWorkerProtocol";
import { SharedAppThread, type SharedAppSlot } from "./sharedAppThread";

export interface AppThreadPoolOptions {
  /** Apps expected in all (sizes each thread's heap). */
  apps: number;
  /** Threads at most (default: one per CPU, see defaultPoolThreads). */
  threads?: number;
  /** How often each thread says it is alive (IsolatedApp's heartbeat). */
  heartbeatMs: number;
}

/** One thread per CPU the process may use: the apps' timers then run in parallel, and a thread
 * stuck in one app resets only that share of the fleet. */
export function defaultPoolThreads(): number {
  return Math.max(2, os.availableParallelism());
}

export class AppThreadPool {
  private readonly threads = new Set<SharedAppThread>();
  private readonly maxThreads: number;
  private readonly capacity: number;

  constructor(private readonly options: AppThreadPoolOptions) {
    this.maxThreads = options.threads ?? defaultPoolThreads();
    if (!Number.isInteger(this.maxThreads) || this.maxThreads < 1) throw new Error(`AppThreadPool: threads must be a whole number of at least 1, got ${options.threads}`);
    this.capacity = Math.max(1, Math.ceil(options.apps / this.maxThreads));
  }

  /** Threads running now. */
  get size(): number {
    return this.threads.size;
  }

  /** Starts an app in the least busy thread with room; a new thread when none has room (also
   * beyond `threads` for a moment, while apps evicted from a reset thread start again). */
  add(data: AppWorkerData): SharedAppSlot {
    let best: SharedAppThread | undefined;
    for (const thread of this.threads) if (thread.open && (!best || thread.apps < best.apps)) best = thread;
    if (!best || (best.apps > 0 && this.threads.size < this.maxThreads)) best = this.startThread();
    return best.add(data);
  }

  private startThread(): SharedAppThread {
    const thread = new SharedAppThread(this.capacity, this.options.heartbeatMs, (ended) => this.threads.delete(ended));
    this.threads.add(thread);
    return thread;
  }
}
