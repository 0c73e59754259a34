import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** `npm run bench`: runs every bench/*.bench.ts in its own process, one after another (the
 * machine has two cores; parallel benches would measure each other). Each prints its figures. */
const dir = __dirname;
const only = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
for (const file of files) {
  console.log(`\n## ${file.replace(".bench.ts", "")}`);
  execFileSync(process.execPath, ["--import", "tsx", path.join(dir, file)], { stdio: "inherit" });
}
