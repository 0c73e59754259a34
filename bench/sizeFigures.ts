/** How the device snapshot figures that have a budget (bench/sizeBudgets.ts) are measured; the
 * compile bench prints them and test/sizeBudgets.test.ts holds them to their budgets. */
import fs from "node:fs";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { exampleWithoutTypeArguments } from "../test/support/exampleWithoutTypeArguments";
import { writeApp } from "../test/support/tempFeatures";

export const EXAMPLE_ENTRY = path.join(__dirname, "../examples/grow-station/features/app.ts");
/** The example's own development secrets, so the figure is the one `snapfleet build` and `npm start` print. */
export const EXAMPLE_SECRETS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(__dirname, "../examples/grow-station/dev-secrets.json"), "utf8"));

export interface SizeFigures {
  /** The example's device snapshot: as written (type arguments) and as users write it (without). */
  exampleDevice: { typed: number; untyped: number };
  /** The example without type arguments built with the whole object codec, and the difference. */
  objectCodec: { wholeCodecDevice: number; codec: number };
  /** What the runtime costs by itself, and what keeping `api` in a callback adds (its member
   * names and the run-time timer code stay reachable): the floor under any device snapshot. */
  runtimeFloor: { emptyApp: number; keepsApi: number };
}

export async function measureSizeFigures(): Promise<SizeFigures> {
  const device = async (options: Parameters<typeof compileFeatures>[0]) => (await compileFeatures(options)).manifest.snapshots.device.size;
  const untypedEntry = exampleWithoutTypeArguments();
  const typed = await device({ entry: EXAMPLE_ENTRY, secrets: EXAMPLE_SECRETS });
  const untyped = await device({ entry: untypedEntry, secrets: EXAMPLE_SECRETS });
  const wholeCodecDevice = await device({ entry: untypedEntry, secrets: EXAMPLE_SECRETS, inferChannelCodec: false });
  return {
    exampleDevice: { typed, untyped },
    objectCodec: { wholeCodecDevice, codec: wholeCodecDevice - untyped },
    runtimeFloor: {
      emptyApp: await device({ entry: writeApp("") }),
      keepsApi: await device({ entry: writeApp(`  api.mcu.onStart(() => api.log("x"));`) }),
    },
  };
}
