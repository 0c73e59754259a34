/** Figures from repeated measurements, as the benches, the broker load runs and the soak report
 * them: one way to pick a percentile, so their figures mean the same. */
import { performance } from "node:perf_hooks";

/** The value at fraction `q` (0 to 1) of the values in ascending order: the one at floor(q × n),
 * the largest for q = 1; NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The middle value (the upper of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

export interface LatencyFigures {
  received: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** How many arrived and their median, p99 and largest latency, to a hundredth of a ms. */
export function latencyFigures(latenciesMs: readonly number[]): LatencyFigures {
  const hundredths = (ms: number) => Math.round(ms * 100) / 100;
  return { received: latenciesMs.length, p50Ms: hundredths(percentile(latenciesMs, 0.5)), p99Ms: hundredths(percentile(latenciesMs, 0.99)), maxMs: hundredths(percentile(latenciesMs, 1)) };
}

/** How many of `count` things a second `run` gets through: `rounds` timed runs, the median one. */
export function medianPerSecond(run: () => void, count: number, rounds: number): number {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return Math.round(count / (median(times) / 1000));
}
