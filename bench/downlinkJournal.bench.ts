import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DownlinkJournal, MAX_ENTRIES } from "../firmware/coprocessor/downlinkJournal";
import { medianPerSecond } from "../test/support/measurements";

/** The co-processor's downlink journal (firmware/coprocessor/downlinkJournal.ts): what taking a
 * message into custody and releasing it at the MCU's acknowledgement costs on this disk (SQLite,
 * WAL, synchronous NORMAL), against the same journal in memory (the baseline: SQLite's
 * `:memory:`, what a test's Coprocessor without a state dir uses), same run: the ratio is what
 * surviving a kill costs. And the file of a full journal. */
const MESSAGES = 2_000;
const ROUNDS = 5;
const TOPIC = "sf/grow-station/sim-1/fan/down";
const PAYLOAD = JSON.stringify({ id: "0f6c1a2b-9d3e-4f50-8a71-b2c3d4e5f607", p: 41, v: { on: true, speed: 0.75 } });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-journal-bench-"));
try {
  let round = 0;
  const custody = (file: string | undefined) => () => {
    const journal = DownlinkJournal.open(file);
    for (let i = 0; i < MESSAGES; i++) journal.remove(journal.add(TOPIC, PAYLOAD).n);
    journal.close();
  };
  const onDisk = medianPerSecond(() => custody(path.join(dir, `j${++round}.db`))(), MESSAGES, ROUNDS);
  const inMemory = medianPerSecond(custody(undefined), MESSAGES, ROUNDS);
  console.log(`downlink journal, ${MESSAGES} messages of ${PAYLOAD.length} B added and removed, median of ${ROUNDS} rounds`);
  console.log(`  on disk ${Math.round(onDisk)} msg/s (${(1e6 / onDisk).toFixed(0)} µs each)   in memory ${Math.round(inMemory)} msg/s   ratio ${(onDisk / inMemory).toFixed(2)}`);

  const full = path.join(dir, "full.db");
  const journal = DownlinkJournal.open(full);
  const longest = "x".repeat(300 - 3 - TOPIC.length); // a MESSAGE body is at most 300 B
  for (let i = 0; i < MAX_ENTRIES; i++) journal.add(TOPIC, longest);
  journal.close();
  const bytes = fs.readdirSync(dir).filter((f) => f.startsWith("full.db")).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
  const started = process.hrtime.bigint();
  const reopened = DownlinkJournal.open(full);
  const reopenMs = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`  full journal: ${MAX_ENTRIES} messages of the longest body, ${bytes.toLocaleString("en")} B on disk; reopened with ${reopened.size} in ${reopenMs.toFixed(1)} ms`);
  reopened.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
