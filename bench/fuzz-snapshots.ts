import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { compileFeatures } from "../core/compiler/compileFeatures";
import type { Target } from "../core/contracts/manifest";
import { runWithWatchdog, type CaseResult, type SnapshotCase } from "../test/support/snapshotWatchdog";

/** `npm run fuzz:snapshots`: corrupt snapshots must never hang a host. Mutates the grow-station
 * example's device, web and server snapshots (a few bytes each), fixes the snapshot's CRC so the
 * engine accepts them, and runs each through restore and every event its host sends
 * (test/support/snapshotExercise.ts), in a worker thread that is stopped when one call into the
 * VM (restore included) outlasts a wall-clock limit. Prints how many ran ok, threw (and what) or
 * hung; `--keep DIR` writes the hanging ones there as hanging-<target>-<seed>.snap
 * (test/fixtures/corrupt-snapshots/ keeps fourteen, named by how they looped).
 *
 *   --count N               snapshots to try (default 2000; the issue's run was 20000)
 *   --seed N                first seed; case S is snapshot TARGETS[S % 3] mutated with seed S
 *   --instruction-budget N  per call (default: FeatureVm's); 0 turns the budget off
 *   --limit-ms N            a call running longer than this hangs (default 3000)
 *   --seconds N             stop handing out cases after this long (default 900) */
const EXAMPLE = path.join(__dirname, "../examples/grow-station/features/app.ts");
const SECRETS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(__dirname, "../examples/grow-station/dev-secrets.json"), "utf8"));
const TARGETS: Target[] = ["device", "web", "server"];
/** Bytes 0-7 (version, sizes, the CRC itself) are outside the CRC: the engine rejects most
 * changes there by itself, and the engine tests cover them (core/engine/wasmEngine.test.ts). */
const CRC_START = 8;

/** CRC-16/CCITT-FALSE, Microvium's snapshot checksum (header bytes 6-7, little-endian). */
export function fixSnapshotCrc(bytes: Uint8Array): void {
  let crc = 0xffff;
  for (let i = CRC_START; i < bytes.length; i++) {
    crc ^= bytes[i] << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  bytes[6] = crc & 0xff;
  bytes[7] = crc >> 8;
}

/** Park-Miller: small, seedable, the same on every machine. */
function random(seed: number): (n: number) => number {
  let state = (seed % 2147483646) + 1;
  return (n) => {
    state = (state * 48271) % 2147483647;
    return state % n;
  };
}

const INTERESTING_WORDS = [0x0000, 0x0001, 0x0003, 0xffff, 0x7fff, 0x8000, 0xfffe, 0x0100];

/** One to three changes past the CRC: a flipped bit, a random byte, or a 16-bit word set to a
 * value that upsets offsets and lengths. */
export function mutateSnapshot(original: Uint8Array, seed: number): Uint8Array {
  const bytes = original.slice();
  const pick = random(seed);
  const span = bytes.length - CRC_START;
  const changes = 1 + pick(3);
  for (let c = 0; c < changes; c++) {
    const at = CRC_START + pick(span);
    switch (pick(3)) {
      case 0:
        bytes[at] ^= 1 << pick(8);
        break;
      case 1:
        bytes[at] = pick(256);
        break;
      default: {
        const word = INTERESTING_WORDS[pick(INTERESTING_WORDS.length)];
        const even = at & ~1;
        bytes[even] = word & 0xff;
        if (even + 1 < bytes.length) bytes[even + 1] = word >> 8;
      }
    }
  }
  fixSnapshotCrc(bytes);
  return bytes;
}

async function main() {
  const { values } = parseArgs({
    options: {
      count: { type: "string", default: "2000" },
      seed: { type: "string", default: "1" },
      "instruction-budget": { type: "string" },
      "limit-ms": { type: "string", default: "3000" },
      seconds: { type: "string", default: "900" },
      keep: { type: "string" },
    },
  });
  const count = Number(values.count);
  const firstSeed = Number(values.seed);
  const budgetFlag = values["instruction-budget"];
  const instructionBudget = budgetFlag === undefined ? undefined : Number(budgetFlag);
  const limitMs = Number(values["limit-ms"]);
  const stopAt = Date.now() + Number(values.seconds) * 1000;

  const build = await compileFeatures({ entry: EXAMPLE, secrets: SECRETS });
  // The intact snapshots as the baseline: the exercise also sends events to channels and
  // controls the app doesn't have, which throws even there.
  const intact = await runWithWatchdog(
    TARGETS.map((target, id) => ({ id, target, snapshot: build.snapshots[target] })),
    { instructionBudget, limitMs },
  );
  TARGETS.forEach((target, id) => {
    const result = intact.get(id)!;
    console.log(`intact ${target} snapshot (${build.snapshots[target].length} B): ${result.kind}${result.kind === "throws" ? ` (${result.errors.join("; ")})` : ""}`);
  });
  const cases: SnapshotCase[] = [];
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    const target = TARGETS[seed % TARGETS.length]; // from the seed alone: `--seed S --count 1` replays case S
    cases.push({ id: seed, target, snapshot: mutateSnapshot(build.snapshots[target], seed) });
  }
  const byId = new Map(cases.map((c) => [c.id, c]));
  const budgetText = instructionBudget === 0 ? "off" : instructionBudget === undefined ? "default" : instructionBudget.toLocaleString("en-US");
  console.log(`fuzz: ${count} corrupted snapshots (seeds ${firstSeed}-${firstSeed + count - 1}) of the grow-station example; instruction budget ${budgetText}; hang = ${limitMs} ms`);

  const tally = { ok: 0, throws: 0, hang: 0, crash: 0 };
  let stoppedByBudget = 0;
  const errorCounts = new Map<string, number>();
  const hangs: { id: number; target: Target; hostCalls: number }[] = [];
  const crashes: string[] = [];
  const started = Date.now();
  let finished = 0;
  const onResult = (id: number, result: CaseResult) => {
    tally[result.kind]++;
    if (result.kind === "throws") {
      for (const e of result.errors) errorCounts.set(e, (errorCounts.get(e) ?? 0) + 1);
      if (result.errors.some((e) => e.includes("ran out of its instruction budget"))) stoppedByBudget++;
    }
    if (result.kind === "hang") {
      const { target } = byId.get(id)!;
      hangs.push({ id, target, hostCalls: result.hostCalls });
      console.log(`  case ${id} (${target}) hangs${result.hostCalls > 0 ? ` looping on host calls (${result.hostCalls} in its last ${limitMs / 2} ms)` : " without calling the host"}`);
    }
    if (result.kind === "crash") crashes.push(`case ${id}: ${result.error}`);
    if (++finished % 1000 === 0) console.log(`  ${finished} done, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  };
  await runWithWatchdog(cases, { instructionBudget, limitMs, onResult, deadline: stopAt });

  const seconds = (Date.now() - started) / 1000;
  if (finished < count) console.log(`fuzz: stopped after --seconds ${values.seconds}`);
  console.log(`fuzz: ${finished} run in ${seconds.toFixed(0)} s: ok ${tally.ok}, throws ${tally.throws}, hangs ${tally.hang} (${hangs.filter((h) => h.hostCalls > 0).length} looping on host calls), worker crashes ${tally.crash}; ${stoppedByBudget} had a call stopped by the instruction budget`);
  const common = [...errorCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
  console.log("errors thrown (snapshots, most common first):");
  for (const [error, n] of common) console.log(`  ${String(n).padStart(6)}  ${error}`);
  for (const line of crashes) console.log(`  crash: ${line}`);

  if (values.keep && hangs.length) {
    fs.mkdirSync(values.keep, { recursive: true });
    for (const { id, target } of hangs) fs.writeFileSync(path.join(values.keep, `hanging-${target}-${id}.snap`), byId.get(id)!.snapshot);
    console.log(`kept ${hangs.length} hanging snapshots in ${values.keep}`);
  }
  process.exitCode = tally.hang + tally.crash > 0 ? 1 : 0;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
