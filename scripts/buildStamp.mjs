// Skip-when-unchanged for the build steps: a step records the sha256 of its inputs (names and
// contents) in a stamp file after it succeeds, and the next build skips the step while the hash
// is the same. Content, not modification times: a checkout or a branch switch that leaves the
// files as they were costs nothing.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** sha256 over `extra` strings and each file's path (relative to root) and content. A missing
 * file hashes as missing, so deleting an input also counts as a change. */
export function hashInputs(root, files, extra = []) {
  const hash = createHash("sha256");
  for (const item of extra) hash.update(`${item}\0`);
  for (const file of [...new Set(files.map((f) => path.relative(root, path.resolve(root, f))))].sort()) {
    const absolute = path.join(root, file);
    hash.update(`\0${file}\0`);
    hash.update(fs.existsSync(absolute) ? fs.readFileSync(absolute) : "\0missing\0");
  }
  return hash.digest("hex");
}

/** The stamp file's JSON ({ hash, ...details }), or undefined when absent or unreadable. */
export function readStamp(stampPath) {
  try {
    return JSON.parse(fs.readFileSync(stampPath, "utf8"));
  } catch {
    return undefined;
  }
}

export function writeStamp(stampPath, stamp) {
  fs.mkdirSync(path.dirname(stampPath), { recursive: true });
  const temp = `${stampPath}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(stamp, null, 2)}\n`);
  fs.renameSync(temp, stampPath);
}
