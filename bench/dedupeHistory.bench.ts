import { performance } from "node:perf_hooks";
import { DEDUPE_HISTORY, RecentDeliveries } from "../local/broker/dedupeHistory";

/** The broker's per-delivery duplicate check: the history of a client's last deliveries
 * (local/broker/dedupeHistory.ts) against aedes's highest-counter check it replaces (the
 * baseline: one property read and compare), same deliveries, same run. Two patterns: each
 * message once, and each twice (a client with overlapping subscriptions). */
const MESSAGES = 500_000;
const ROUNDS = 5;
const BROKER = "local-0000000001";

function perSecond(run: () => void, count: number): number {
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return Math.round(count / (times[Math.floor(ROUNDS / 2)] / 1000));
}

const once = Array.from({ length: MESSAGES }, (_, i) => i + 1);
const patterns: [string, number[]][] = [
  ["each once", once],
  ["each twice", once.flatMap((c) => [c, c])],
];
console.log(`duplicate check per delivery, ${MESSAGES} messages, history ${DEDUPE_HISTORY}, median of ${ROUNDS} rounds (ratio = history / highest-counter baseline)`);
for (const [name, counters] of patterns) {
  let delivered = 0;
  const history = perSecond(() => {
    const recent = new RecentDeliveries(DEDUPE_HISTORY);
    for (const c of counters) if (recent.add(BROKER, c)) delivered++;
  }, counters.length);
  const highest = perSecond(() => {
    const duplicates: Record<string, number> = Object.create(null);
    for (const c of counters) {
      if ((duplicates[BROKER] || 0) < c) {
        duplicates[BROKER] = c;
        delivered++;
      }
    }
  }, counters.length);
  console.log(`  ${name.padEnd(11)} history ${(history / 1e6).toFixed(2)} M/s   highest counter ${(highest / 1e6).toFixed(2)} M/s   ratio ${(history / highest).toFixed(2)}   (${delivered} delivered in all)`);
}
