/** Which files the dashboard site serves and with which headers. Content-hashed files never
 * change under their name, so browsers may keep them for a year; everything else (index.html,
 * manifest, snapshot, config) must be revalidated so a deployment shows up at once. */
import fs from "node:fs";
import path from "node:path";

export interface SiteFile {
  /** Object key, `/`-separated, relative to the site root. */
  key: string;
  /** Absolute path on disk. */
  source: string;
  contentType: string;
  cacheControl: string;
}

export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
export const NO_CACHE = "no-cache";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
  ".snap": "application/octet-stream",
};

export function contentTypeOf(fileName: string): string {
  return CONTENT_TYPES[path.extname(fileName).toLowerCase()] ?? "application/octet-stream";
}

/** Content hashes as bundlers write them: `name-<hash>.ext` or `name.<hash>.ext`, the hash being 8
 * or more upper-case letters and digits (esbuild, which builds web/) or lower-case hex digits
 * (webpack, Vite). Lower-case words (`app.settings.js`) are not hashes. */
export function isContentHashed(fileName: string): boolean {
  const match = /[.-]([A-Z0-9]{8,}|[a-f0-9]{8,})\.[A-Za-z0-9]+$/.exec(path.basename(fileName));
  return match !== null;
}

export function cacheControlOf(fileName: string): string {
  return isContentHashed(fileName) ? IMMUTABLE_CACHE : NO_CACHE;
}

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
