import fs from "node:fs";
import path from "node:path";
import { writeFeatures } from "./tempFeatures";

const EXAMPLE_FEATURES = path.join(__dirname, "../../examples/grow-station/features");

/** The grow-station example as users write it: a copy with the type arguments of every
 * `newCommsChannel<T>(...)` removed (`newCommsChannel("temperature", ...)`). Returns the entry.
 * Throws if the example has none to remove, so a test built on it can't pass vacuously. */
export function exampleWithoutTypeArguments(): string {
  const files: Record<string, string> = {};
  let removed = 0;
  for (const name of fs.readdirSync(EXAMPLE_FEATURES).filter((f) => f.endsWith(".ts"))) {
    files[name] = fs.readFileSync(path.join(EXAMPLE_FEATURES, name), "utf8").replace(/\.newCommsChannel<[^>(]*>\(/g, () => {
      removed++;
      return ".newCommsChannel(";
    });
    if (files[name].includes("newCommsChannel<")) throw new Error(`examples/grow-station/features/${name}: a type argument this copy can't remove`);
  }
  if (removed === 0) throw new Error("the grow-station example declares no channel type to remove");
  return writeFeatures(files, "grow-station");
}
