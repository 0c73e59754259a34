import { DedupWindow } from "../core/contracts/dedupWindow";
import { EnvelopeSender, decodeEnvelope, type Envelope } from "../core/contracts/envelope";
import { ReorderBuffer, type ReorderClock } from "../core/contracts/reorderBuffer";
import { medianPerSecond } from "../test/support/measurements";

/** The receive path's cost per message: ReorderBuffer.accept (QoS 1: order + repeats) against
 * DedupWindow.accept (repeats only, the baseline it replaced on QoS 1 channels), same envelopes,
 * same run. Three arrival patterns: in order; every 8th message overtaken by the next 4 (a
 * reconnect's queued-then-new); and each message twice (retransmissions). */
const MESSAGES = 200_000;
const ROUNDS = 5;
const clock: ReorderClock = { now: () => 0, setTimer: () => () => {} };

function envelopes(): Envelope[] {
  const sender = new EnvelopeSender("bench");
  return Array.from({ length: MESSAGES }, (_, i) => decodeEnvelope(sender.encode("t", i, 0)));
}

function overtaken(list: Envelope[]): Envelope[] {
  const out: Envelope[] = [];
  for (let i = 0; i < list.length; i += 8) {
    const block = list.slice(i, i + 8);
    out.push(...block.slice(4), ...block.slice(0, 4));
  }
  return out;
}

const ordered = envelopes();
const patterns: [string, Envelope[]][] = [
  ["in order", ordered],
  ["4 of 8 overtaken", overtaken(ordered)],
  ["each twice", ordered.flatMap((e) => [e, e])],
];
console.log(`receive path per message, ${MESSAGES} envelopes, median of ${ROUNDS} rounds (ratio = reorder / dedup baseline)`);
for (const [name, list] of patterns) {
  let delivered = 0;
  const reorder = medianPerSecond(() => {
    const buffer = new ReorderBuffer<Envelope>({ clock, deliver: () => delivered++ });
    for (const e of list) buffer.accept("t", e, e);
  }, list.length, ROUNDS);
  const dedup = medianPerSecond(() => {
    const window = new DedupWindow();
    for (const e of list) if (window.accept(e.id)) delivered++;
  }, list.length, ROUNDS);
  console.log(`  ${name.padEnd(18)} reorder ${(reorder / 1e6).toFixed(2)} M msg/s   dedup ${(dedup / 1e6).toFixed(2)} M msg/s   ratio ${(reorder / dedup).toFixed(2)}`);
}
