/** When an installed app counts as crash-looping: `failures` failing callbacks within `withinMs`.
 * One error now and then (a sensor glitch) is not a loop; a timer that throws on every tick is.
 * The defaults catch a 1 s timer failing every tick within 5 s and a 10 s timer within 50 s. */
export interface CrashLoopOptions {
  failures: number;
  withinMs: number;
}

export const DEFAULT_CRASH_LOOP: CrashLoopOptions = { failures: 5, withinMs: 60_000 };

export function checkCrashLoopOptions(options: CrashLoopOptions): CrashLoopOptions {
  if (!Number.isInteger(options.failures) || options.failures < 1) throw new Error(`crashLoop.failures must be a whole number >= 1, got ${options.failures}`);
  if (!(options.withinMs > 0)) throw new Error(`crashLoop.withinMs must be a positive number of milliseconds, got ${options.withinMs}`);
  return options;
}

/** Sliding window over the last `failures` failure times (bounded, whatever the failure rate). */
export class CrashLoopDetector {
  private readonly times: number[] = [];

  constructor(private readonly options: CrashLoopOptions = DEFAULT_CRASH_LOOP) {}

  /** Records a failure at `now` (ms); true when it completes a crash loop. */
  record(now: number): boolean {
    this.times.push(now);
    if (this.times.length > this.options.failures) this.times.shift();
    return this.times.length === this.options.failures && now - this.times[0] <= this.options.withinMs;
  }

  describe(): string {
    return `${this.options.failures} failures within ${this.options.withinMs / 1000} s`;
  }
}
