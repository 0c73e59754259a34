/** Where a project keeps the module that exports App, for a user who names its folder instead of
 * the file: the folder itself (`snapfleet dev index.ts` style) or its `features/` (README, "Use it
 * in your own project"). Read by the build (an entry that is a folder) and by run-device (a
 * folder of sources given where a build belongs). */
import fs from "node:fs";
import path from "node:path";

const ENTRY_PLACES = ["app.ts", "features/app.ts"];

/** The entry inside `folder`, joined to it as the user wrote it, or undefined when it has none. */
export function featureEntryInside(folder: string, cwd = process.cwd()): string | undefined {
  return ENTRY_PLACES.map((f) => path.join(folder, f)).find((f) => fs.existsSync(path.resolve(cwd, f)));
}
