// Composition: the entry imports another module's `run` and exports its own. esbuild renames
// one (`run2`) and ends with `export { run2 as run, ... }`; the lowering must free the name
// `run` for the entry's own function. Also a re-export under another name and a nested binding
// with the exported name.
import { run as baseRun, describe as describeBase, reset } from "./lib/composeBase.js";
export { label as baseLabel } from "./lib/composeBase.js";
export { describeBase as describeComposed };

function shadowing() {
  const run = "a local run";
  return run;
}

export function run() {
  reset();
  const first = baseRun();
  baseRun();
  return JSON.stringify([first, describeBase(), shadowing(), typeof baseRun]);
}
