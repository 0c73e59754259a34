/** The local cloud's state dir holds the CA's and the devices' private keys, the artifact URL
 * signing key, and each device's snapshot with the app's secret values (`current/device.snap`,
 * the OTA slots in `devices/<thing>/`), several of them written 0644. So the folder itself is
 * its owner's alone (0700, as ~/.ssh): whatever a file's own mode, nobody else can reach it. */
import fs from "node:fs";

export const STATE_DIR_MODE = 0o700;
/** The sticky bit: set on folders every user writes in (/tmp). */
const STICKY = 0o1000;

/** Makes `dir` (and missing parents) 0700, and takes group and others' access away from an
 * existing one (a state dir made by an earlier version, or by hand). Never from a shared folder
 * handed as the state dir: one with the sticky bit (/tmp) or someone else's. */
export function makePrivateStateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
  const shared = (stat.mode & STICKY) !== 0 || stat.uid !== process.getuid?.();
  // Stryker disable next-line ConditionalExpression: equivalent: chmod of a 0700 folder to 0700 changes nothing
  if ((stat.mode & 0o077) !== 0 && !shared) fs.chmodSync(dir, STATE_DIR_MODE);
}
