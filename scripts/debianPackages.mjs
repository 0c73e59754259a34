// Debian packages the project needs beyond npm (Chromium for the dashboard tests, the C and
// Cortex-M toolchains, QEMU, mosquitto for the broker comparison). They are installed from
// Debian's archive when that can happen non-interactively (root + apt-get); otherwise the caller
// gets the command to run. Nothing is downloaded from anywhere else.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;
export const onPath = (command) => (process.env.PATH ?? "").split(":").some((dir) => dir && fs.existsSync(path.join(dir, command)));

/**
 * Installs `packages` with apt-get, or calls `fail` (default: throw an Error) with `why` and the
 * command to run when it can't (not root, no apt-get). A failed install is retried once after
 * `apt-get update`: a fresh container's package index is usually empty or stale.
 */
export function ensureDebianPackages(packages, why, { log = console.log, fail = (message) => { throw new Error(message); } } = {}) {
  if (!packages.length) return;
  const command = `apt-get install --no-install-recommends ${packages.join(" ")}`;
  if (!isRoot() || !onPath("apt-get")) fail(`${why}\n  Install with:  sudo ${command}   (Debian/Ubuntu)`);
  log(`${why}; installing ${packages.join(" ")} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () => execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...packages], { env, stdio: "inherit" });
  try {
    install();
  } catch {
    execFileSync("apt-get", ["update"], { env, stdio: "inherit" });
    install();
  }
}
