/** When a supervised process that ended by itself is started again: after a delay that doubles
 * with each recent crash (so a crash loop doesn't eat the machine), and not at all once it has
 * crashed too often within a window (then it stays down and the caller reports it). */
export interface RestartBackoffOptions {
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Restarts allowed within `windowMs`; the next crash within it gives up. */
  maxRestarts?: number;
  windowMs?: number;
}

export type RestartDecision = { restart: true; delayMs: number; attempt: number } | { restart: false; crashes: number };

export class RestartBackoff {
  private readonly crashes: number[] = [];
  private readonly o: Required<RestartBackoffOptions>;

  constructor(options: RestartBackoffOptions = {}) {
    this.o = { firstDelayMs: 500, maxDelayMs: 8000, maxRestarts: 5, windowMs: 60_000, ...options };
  }

  get maxRestarts(): number {
    return this.o.maxRestarts;
  }

  get windowMs(): number {
    return this.o.windowMs;
  }

  /** A crash now: restart after how long, or give up. */
  crashed(now = Date.now()): RestartDecision {
    this.crashes.push(now);
    while (this.crashes.length && this.crashes[0] <= now - this.o.windowMs) this.crashes.shift();
    const attempt = this.crashes.length;
    if (attempt > this.o.maxRestarts) return { restart: false, crashes: attempt };
    return { restart: true, attempt, delayMs: Math.min(this.o.maxDelayMs, this.o.firstDelayMs * 2 ** (attempt - 1)) };
  }
}
