/** `npm run test:slow`: the long soak, 1,000 outages by default (about 30 minutes).
 * SOAK_OUTAGES=<n> and SOAK_SEED=<n> change the run, SOAK_KINDS=restart,cut,freeze the outages drawn, SOAK_REORDER_MS=<ms> the receivers' reorder
 * timeout (default 5 s without progress, see test/support/soak.ts); SOAK_REPORT=<file> also writes the report
 * as JSON. Progress is printed every 50 outages (SOAK_PROGRESS_EVERY=<n>), with every gap's timeline. What runs: test/support/soak.ts. */
import fs from "node:fs";
import { assertSoakHeld, formatSoakReport, runSoak, type OutageKind } from "../support/soak";

const OUTAGES = Number(process.env.SOAK_OUTAGES ?? 1000);
const SEED = Number(process.env.SOAK_SEED ?? 1);
const KINDS = process.env.SOAK_KINDS?.split(",") as OutageKind[] | undefined;
const REORDER_MS = process.env.SOAK_REORDER_MS === undefined ? undefined : Number(process.env.SOAK_REORDER_MS);
if (!Number.isInteger(OUTAGES) || OUTAGES < 1) throw new Error(`SOAK_OUTAGES must be a whole number >= 1, got "${process.env.SOAK_OUTAGES}"`);
const PROGRESS_EVERY = Number(process.env.SOAK_PROGRESS_EVERY ?? 50);
if (!Number.isInteger(PROGRESS_EVERY) || PROGRESS_EVERY < 1) throw new Error(`SOAK_PROGRESS_EVERY must be a whole number >= 1, got "${process.env.SOAK_PROGRESS_EVERY}"`);
if (!Number.isInteger(SEED)) throw new Error(`SOAK_SEED must be a whole number, got "${process.env.SOAK_SEED}"`);

describe(`soak (long): both directions through ${OUTAGES} outages of three kinds, seed ${SEED}`, function () {
  this.timeout(0);

  it("QoS 1 loses, repeats and reorders nothing either way; every outage is noticed and healed", async () => {
    const report = await runSoak({ outages: OUTAGES, seed: SEED, reorderTimeoutMs: REORDER_MS, kinds: KINDS, progressEvery: PROGRESS_EVERY, onProgress: (line) => console.log(`      ${new Date().toISOString().slice(11, 19)} ${line}`) });
    if (process.env.SOAK_REPORT) fs.writeFileSync(process.env.SOAK_REPORT, JSON.stringify(report, null, 2));
    console.log(formatSoakReport(report).replace(/^/gm, "      "));
    assertSoakHeld(report);
  });
});
