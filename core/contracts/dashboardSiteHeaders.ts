/** Content type and caching of the dashboard's files: one rule for the local dashboard server
 * and for the objects the AWS component uploads, since both serve the same static bundle.
 * Content-hashed files never change under their name, so browsers may keep them for a year;
 * everything else (index.html, manifest, snapshot, config) is revalidated so a new build shows
 * at once. */
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
  const dot = fileName.lastIndexOf(".");
  return (dot > 0 && CONTENT_TYPES[fileName.slice(dot).toLowerCase()]) || "application/octet-stream";
}

/** Content hashes as bundlers write them: `name-<hash>.ext` or `name.<hash>.ext`, the hash being 8
 * or more upper-case letters and digits (esbuild, which builds web/) or lower-case hex digits
 * (webpack, Vite). Lower-case words (`app.settings.js`) are not hashes. */
export function isContentHashed(fileName: string): boolean {
  const base = fileName.slice(fileName.lastIndexOf("/") + 1);
  return /[.-]([A-Z0-9]{8,}|[a-f0-9]{8,})\.[A-Za-z0-9]+$/.test(base);
}

export function cacheControlOf(fileName: string): string {
  return isContentHashed(fileName) ? IMMUTABLE_CACHE : NO_CACHE;
}
