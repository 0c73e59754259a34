import { loadBoard, pinUseProblem, type BoardDefinition } from "../core/boards";
import { parsePinSpec, type PinModel } from "../firmware/pinModel";
import { UsageError } from "./cliError";

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
