// `import * as ns` used as a value: esbuild builds a namespace object with getters, which the
// lowering turns into plain assignments.
import * as shapes from "./lib/shapes.js";

function describe(ns) {
  return Object.keys(ns).sort().join(",");
}

export function run() {
  const sq = new shapes.Square(3);
  return JSON.stringify([describe(shapes), shapes.area(sq.side, sq.side), shapes.unit, typeof shapes.Square]);
}
