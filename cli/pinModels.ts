import { parsePinSpec, type PinModel } from "../firmware/pinModel";
import { UsageError } from "./cliError";

/** `--pin A2=sine:20:30` flags → pin models by pin name; a bad spec is a usage error. */
export function pinModelsFromFlags(specs: readonly string[] | undefined): Record<string, PinModel> {
  const models: Record<string, PinModel> = {};
  for (const spec of specs ?? []) {
    try {
      const { pin, model } = parsePinSpec(spec);
      models[pin] = model;
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return models;
}
