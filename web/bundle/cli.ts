/** `node --import tsx web/bundle/cli.ts <outDir> [inputsFile]`: run by scripts/build.mjs (`npm run
 * build`). inputsFile receives {inputs, outputs}: the files the bundle was made from and the
 * files it wrote, relative to the repository, for the build's skip-when-unchanged check. */
import fs from "node:fs";
import path from "node:path";
import { buildWebBundle } from "./buildWebBundle";

const ROOT = path.resolve(__dirname, "..", "..");
const outDir = process.argv[2] ?? "dist/web-bundle";
const inputsFile = process.argv[3];
const started = Date.now();
buildWebBundle({ outDir })
  .then((bundle) => {
    const total = Object.values(bundle.files).reduce((a, b) => a + b, 0);
    const list = Object.entries(bundle.files).map(([name, size]) => `${name} ${(size / 1024).toFixed(1)} KB`);
    if (inputsFile) {
      const inputs = bundle.inputs.map((file) => path.relative(ROOT, file));
      fs.mkdirSync(path.dirname(inputsFile), { recursive: true });
      fs.writeFileSync(inputsFile, `${JSON.stringify({ inputs, outputs: Object.keys(bundle.files) }, null, 2)}\n`);
    }
    console.log(`build: dashboard bundle in ${outDir} (${(total / 1024).toFixed(1)} KB: ${list.join(", ")}) in ${Date.now() - started} ms`);
  })
  .catch((error: unknown) => {
    console.error(`build: dashboard bundle failed: ${(error as Error).message}`);
    process.exit(1);
  });
