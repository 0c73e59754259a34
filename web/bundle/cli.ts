/** `node --import tsx web/bundle/cli.ts <outDir>`: run by scripts/build.mjs (`npm run build`). */
import { buildWebBundle } from "./buildWebBundle";

const outDir = process.argv[2] ?? "dist/web-bundle";
const started = Date.now();
buildWebBundle({ outDir })
  .then((bundle) => {
    const total = Object.values(bundle.files).reduce((a, b) => a + b, 0);
    const list = Object.entries(bundle.files).map(([name, size]) => `${name} ${(size / 1024).toFixed(1)} KB`);
    console.log(`build: dashboard bundle in ${outDir} (${(total / 1024).toFixed(1)} KB: ${list.join(", ")}) in ${Date.now() - started} ms`);
  })
  .catch((error: unknown) => {
    console.error(`build: dashboard bundle failed: ${(error as Error).message}`);
    process.exit(1);
  });
