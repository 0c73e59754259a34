import { DEDUPE_HISTORY, RecentDeliveries } from "../local/broker/dedupeHistory";
import { medianPerSecond } from "../test/support/measurements";

/** The broker's per-delivery duplicate check: the history of a client's last deliveries
 * (local/broker/dedupeHistory.ts) against aedes's highest-counter check it replaces (the
 * baseline: one property read and compare), same deliveries, same run. Two patterns: each
 * message once, and each twice (a client with overlapping subscriptions). */
const MESSAGES = 500_000;
const ROUNDS = 5;
const BROKER = "local-0000000001";

const once = Array.from({ length: MESSAGES }, (_, i) => i + 1);
const patterns: [string, number[]][] = [
  ["each once", once],
  ["each twice", once.flatMap((c) => [c, c])],
];
console.log(`duplicate check per delivery, ${MESSAGES} messages, history ${DEDUPE_HISTORY}, median of ${ROUNDS} rounds (ratio = history / highest-counter baseline)`);
for (const [name, counters] of patterns) {
  let delivered = 0;
  const history = medianPerSecond(() => {
    const recent = new RecentDeliveries(DEDUPE_HISTORY);
    for (const c of counters) if (recent.add(BROKER, c)) delivered++;
  }, counters.length, ROUNDS);
  const highest = medianPerSecond(() => {
    const duplicates: Record<string, number> = Object.create(null);
    for (const c of counters) {
      if ((duplicates[BROKER] || 0) < c) {
        duplicates[BROKER] = c;
        delivered++;
      }
    }
  }, counters.length, ROUNDS);
  console.log(`  ${name.padEnd(11)} history ${(history / 1e6).toFixed(2)} M/s   highest counter ${(highest / 1e6).toFixed(2)} M/s   ratio ${(history / highest).toFixed(2)}   (${delivered} delivered in all)`);
}
