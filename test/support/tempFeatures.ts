import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const created: string[] = [];
// Tests write many small feature folders; remove them when the test process ends.
process.once("exit", () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes feature files into a fresh temp folder `<tmp>/<app>/features/` and returns the entry
 * path. Files map name → source; the entry is `app.ts`. */
export function writeFeatures(files: Record<string, string>, app = "test-app"): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "sf-features-"));
  created.push(root);
  const dir = path.join(root, app, "features");
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, source] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), source);
  return path.join(dir, "app.ts");
}

/** The source of a one-file feature module: the FeatureApi import, the `preamble` lines (more
 * imports, top-level code), then `export function App(api)` with the `body` lines. */
export function appSource(body: string[], preamble: string[] = []): string {
  return ['import type { FeatureApi } from "snapfleet";', ...preamble, "export function App(api: FeatureApi) {", ...body, "}"].join("\n");
}

/** A one-file feature module whose App body is `body`. */
export function writeApp(body: string, preamble = ""): string {
  return writeFeatures({ "app.ts": `${appSource([body], [preamble])}\n` });
}
