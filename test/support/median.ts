/** The middle of a set of measurements, as the benches and the soak report their figures. */
import { performance } from "node:perf_hooks";

/** The middle value (the upper of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
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
