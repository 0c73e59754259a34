/** Which files the dashboard site serves and with which headers (the rule is
 * core/contracts/dashboardSiteHeaders.ts, shared with the local dashboard server). */
import fs from "node:fs";
import path from "node:path";
import { cacheControlOf, contentTypeOf } from "../core/contracts/dashboardSiteHeaders";

export interface SiteFile {
  /** Object key, `/`-separated, relative to the site root. */
  key: string;
  /** Absolute path on disk. */
  source: string;
  contentType: string;
  cacheControl: string;
}

export { IMMUTABLE_CACHE, NO_CACHE, contentTypeOf, isContentHashed, cacheControlOf } from "../core/contracts/dashboardSiteHeaders";

/** Every file under `dir`, sorted (stable resource names). Throws if there is no index.html. */
export function listSiteFiles(dir: string): SiteFile[] {
  if (!fs.existsSync(path.join(dir, "index.html"))) {
    throw new Error(
      `dashboard bundle not found: ${path.join(dir, "index.html")} does not exist. Build it with \`npm run build\` in the snapfleet package, ` +
        `or pass FeatureApp's dashboardBundleDir`,
    );
  }
  const files: SiteFile[] = [];
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) files.push({ key: rel, source: path.join(dir, rel), contentType: contentTypeOf(entry.name), cacheControl: cacheControlOf(entry.name) });
    }
  };
  walk("");
  return files;
}
