import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Target } from "../core/contracts/manifest";
import { runWithWatchdog, type CaseResult } from "./support/snapshotWatchdog";

/** Corrupt snapshots (with a valid CRC) that hung the engine forever before it had an instruction
 * budget, found by `npm run fuzz:snapshots` (bench/fuzz-snapshots.ts) in the grow-station
 * example's snapshots: `loops-*` spin in their own code (two of them in the engine's property
 * lookup, which runs no bytecode: see the getProperty patches in scripts/build-engine.mjs),
 * `loops-via-host-*` call host functions forever. Each is replayed with the events its host sends
 * (test/support/snapshotExercise.ts) in a worker thread, so that a regression fails here instead
 * of hanging mocha. */
const DIR = path.join(__dirname, "fixtures/corrupt-snapshots");
/** A call still running after this long hangs (a budget-stopped call takes well under a second). */
const HANG_MS = 5_000;

const fixtures = fs
  .readdirSync(DIR)
  .filter((name) => name.endsWith(".snap"))
  .sort()
  .map((name, id) => ({ id, name, target: /-(device|web|server)-\d+\.snap$/.exec(name)![1] as Target, snapshot: new Uint8Array(fs.readFileSync(path.join(DIR, name))) }));

describe("corrupt snapshots that used to hang the engine", function () {
  // Worst case (every fixture hangs again): one hang limit each, plus worker start-ups.
  this.timeout(fixtures.length * (HANG_MS + 3_000));
  let results: Map<number, CaseResult>;

  before(async () => {
    results = await runWithWatchdog(fixtures, { instructionBudget: undefined, limitMs: HANG_MS });
  });

  it("are all there", () => {
    assert.ok(fixtures.length >= 14, `${fixtures.length} fixtures`);
    assert.ok(fixtures.some((f) => f.name.startsWith("loops-via-host-")) && fixtures.some((f) => /^loops-(device|web|server)/.test(f.name)));
  });

  for (const { id, name } of fixtures) {
    it(`${name} now ends every call with a clean error`, () => {
      const result = results.get(id);
      assert.ok(result, "no result");
      assert.notEqual(result.kind, "hang", "a call into the VM never returned");
      assert.notEqual(result.kind, "crash", JSON.stringify(result));
      assert.equal(result.kind, "throws", "the corruption went unnoticed");
      if (result.kind !== "throws") return;
      // The loop is stopped by the budget, or the corruption is caught before it can loop.
      assert.ok(
        result.errors.some((e) => /ran out of its instruction budget|MVM_E_INVALID_BYTECODE/.test(e)),
        `neither the budget nor a bytecode check stopped it: ${result.errors.join("; ")}`,
      );
      for (const error of result.errors) assert.match(error, /^(FeatureRuntimeError|MicroviumError|Error|TypeError|RangeError): /, "every error is an Error");
    });
  }
});

describe("corrupt snapshots in a process that runs a device's link", function () {
  this.timeout(120_000);

  // aws-crt, the device SDK's native core, installs a SIGSEGV handler that exits the process;
  // V8 catches WebAssembly out-of-bounds accesses through SIGSEGV. Without the engine's explicit
  // bounds checks (core/engine/wasmEngine.ts) one trapping snapshot ended `snapfleet dev` whole.
  it("every fixture ends with an error and the process lives on", async () => {
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const script = path.join(__dirname, "support/exerciseWithDeviceSdk.ts");
    const run = await promisify(execFile)(process.execPath, ["--import", "tsx", script, DIR], { timeout: 110_000 }).catch((e: { code: number; stderr: string; stdout: string }) => e);
    assert.ok(!("code" in run) || run.code === undefined || run.code === 0, `the process died: ${"stderr" in run ? run.stderr.slice(0, 600) : ""}`);
    const outcomes = JSON.parse(run.stdout.trim()) as Record<string, string>;
    assert.equal(Object.keys(outcomes).length, fixtures.length);
    for (const [name, outcome] of Object.entries(outcomes)) assert.notEqual(outcome, "ok", `${name}: the corruption went unnoticed`);
  });
});
