import fs from "node:fs";
import path from "node:path";

/** The app name when none is given: the project's. In order: the folder that holds `features/`
 * when the entry is in one (`grow-station/features/app.ts` → grow-station); else the `name` of
 * the nearest package.json above the entry, without its npm scope (`@acme/door-sensor` →
 * door-sensor); else the entry's folder. Made a valid name: lowercase letters, digits and '-'. */
export function defaultAppName(entryPath: string): string {
  const dir = path.dirname(path.resolve(entryPath));
  const candidates = path.basename(dir) === "features" ? [path.basename(path.dirname(dir))] : [nearestPackageName(dir) ?? "", path.basename(dir)];
  return candidates.map(sanitize).find((name) => name !== "") ?? "app";
}

/** The `name` of the first package.json found walking up from `dir`, scope removed. */
function nearestPackageName(dir: string): string | undefined {
  for (;;) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      try {
        const name = (JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown }).name;
        return typeof name === "string" ? name.replace(/^@[^/]*\//, "") : undefined;
      } catch {
        return undefined; // an unreadable package.json names nothing; the folder name is used
      }
    }
    if (path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
}

function sanitize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+/, "").slice(0, 63).replace(/-+$/, "");
}
