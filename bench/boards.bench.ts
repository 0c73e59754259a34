import fs from "node:fs";
import path from "node:path";
import { SIMULATED_BOARD, type BoardDefinition } from "../core/boards";
import { bundleFeatures } from "../core/compiler/bundle";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { findPinWrites } from "../core/compiler/pinWrites";

/** What checking pins against a board costs at build time. Declarations are checked as App runs
 * (a lookup per pin); a board with input-only pins adds a parse of the bundle to find writes.
 * Baseline in the same run: the example on the simulated board (no input-only pins, no parse). */
const EXAMPLE = path.join(__dirname, "../examples/grow-station/features/app.ts");
const SECRETS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(__dirname, "../examples/grow-station/dev-secrets.json"), "utf8"));
/** The simulated board plus one input-only pin: the example still fits, and the write scan runs. */
const WITH_INPUT_ONLY: BoardDefinition = { name: "simulated-plus-button", pins: { ...SIMULATED_BOARD.pins, BUTTON: ["digital-in"] } };

async function bestCompileMs(board: BoardDefinition, runs: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await compileFeatures({ entry: EXAMPLE, secrets: SECRETS, board });
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

export async function runBoardsBench() {
  await compileFeatures({ entry: EXAMPLE, secrets: SECRETS }); // warm-up
  const plainMs = await bestCompileMs(SIMULATED_BOARD, 5);
  const scanMs = await bestCompileMs(WITH_INPUT_ONLY, 5);
  const bundle = await bundleFeatures(EXAMPLE, process.cwd());
  const N = 20;
  const t = performance.now();
  for (let i = 0; i < N; i++) findPinWrites(bundle.code);
  const findMs = (performance.now() - t) / N;
  return { plainMs, scanMs, findMs, bundleBytes: bundle.code.length };
}

if (require.main === module) {
  runBoardsBench().then((r) => {
    console.log(`example compile: simulated board ${r.plainMs.toFixed(0)} ms; board with an input-only pin (write scan) ${r.scanMs.toFixed(0)} ms (x${(r.scanMs / r.plainMs).toFixed(2)})`);
    console.log(`write scan alone: ${r.findMs.toFixed(1)} ms for the ${r.bundleBytes} B bundle`);
  });
}
