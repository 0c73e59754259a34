import fs from "node:fs";
import path from "node:path";

/** The snapfleet package folder, from source (components/) or compiled (dist/components/) alike. */
export function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "snapfleet") return dir;
    if (path.dirname(dir) === dir) throw new Error(`snapfleet package.json not found above ${__dirname}`);
  }
}
