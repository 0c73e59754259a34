import assert from "node:assert/strict";
import path from "node:path";
import { compileFeatures } from "./compileFeatures";
import { writeFeatures } from "../../test/support/tempFeatures";
import { compileError } from "../../test/support/compileError";

/** A small limit keeps these fast; the mechanism is the same at the default. */
const LIMIT = 300_000;

const buildError = (entry: string) => compileError({ entry, buildInstructionLimit: LIMIT });

describe("build-time instruction limit: App(api) that never returns", () => {
  it("stops a loop in App with the author's file:line, even inside try/catch", async () => {
    const entry = writeFeatures({
      "app.ts": [
        `import type { FeatureApi } from "snapfleet";`,
        `export function App(api: FeatureApi) {`,
        `  let n = 0;`,
        `  try {`,
        `    while (n >= 0) n++;`,
        `  } catch (e) {`,
        `    api.log("swallowed");`,
        `  }`,
        `}`,
      ].join("\n"),
    });
    const err = await buildError(entry);
    assert.match(err.message, /ran more than 300,000 instructions at build time/);
    assert.equal(path.basename(err.location?.file ?? ""), "app.ts", err.message);
    assert.equal(err.location?.line, 5, err.message);
  });

  it("stops a loop in a module's top-level code of an imported file", async () => {
    const entry = writeFeatures({
      "table.ts": `export const table: number[] = [];\nfor (let i = 0; i >= 0; i++) table.push(i % 7);\n`,
      "app.ts": `import type { FeatureApi } from "snapfleet";\nimport { table } from "./table";\nexport function App(api: FeatureApi) { api.log(String(table.length)); }\n`,
    });
    const err = await buildError(entry);
    assert.equal(path.basename(err.location?.file ?? ""), "table.ts", err.message);
    assert.equal(err.location?.line, 2, err.message);
  });

  it("lets bounded work at build time through (a 2,000-entry table)", async () => {
    const entry = writeFeatures({
      "app.ts": `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n  const squares: number[] = [];\n  for (let i = 0; i < 2000; i++) squares.push(i * i);\n  api.log(String(squares[1999]));\n}\n`,
    });
    const result = await compileFeatures({ entry, buildInstructionLimit: LIMIT });
    assert.deepEqual(result.buildLogs, ["3996001"]);
  });
});
