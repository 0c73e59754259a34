import { loadBoard, pinUseProblem, type BoardDefinition } from "../core/boards";
import { parsePinSpec, type PinModel } from "../firmware/pinModel";
import { UsageError } from "./cliError";
import type { Manifest } from "../core/contracts/manifest";

/** `--pin A2=sine:20:30` flags → pin models by pin name; a bad spec, or (given the board) a pin
 * that is not one of its analog inputs, is a usage error. */
export function pinModelsFromFlags(specs: readonly string[] | undefined, board?: BoardDefinition): Record<string, PinModel> {
  const models: Record<string, PinModel> = {};
  for (const spec of specs ?? []) {
    let parsed: { pin: string; model: PinModel };
    try {
      parsed = parsePinSpec(spec);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const problem = board && pinUseProblem(board, parsed.pin, "analog");
    if (problem) throw new UsageError(`--pin ${spec}: ${problem}`);
    models[parsed.pin] = parsed.model;
  }
  return models;
}

/** `--board NAME|FILE.json` → the board definition; a bad choice is a usage error. */
export function boardFromFlag(value: unknown): BoardDefinition {
  try {
    return loadBoard(value as string | undefined);
  } catch (e) {
    throw new UsageError(`--board: ${(e as Error).message}`);
  }
}

/** A note for each `--pin` spec whose pin the build reads no analog value from: the board may have
 * it (or, for a JSON board, take it), so it is no error, but a mistyped pin would otherwise leave
 * the pin the app reads on its default model without a word. */
export function unusedPinModelNotes(specs: readonly string[] | undefined, manifest: Pick<Manifest, "app" | "pins">): string[] {
  const read = manifest.pins.filter((p) => p.kind === "analog").map((p) => p.name);
  const reads = read.length > 0 ? `it reads ${read.join(", ")}` : "it reads no analog pin";
  return (specs ?? [])
    .map((spec) => ({ spec, pin: parsePinSpec(spec).pin }))
    .filter(({ pin }) => !read.includes(pin))
    .map(({ spec, pin }) => `note: --pin ${spec}: app "${manifest.app}" reads no analog pin ${pin} (${reads}); that model is not used`);
}
