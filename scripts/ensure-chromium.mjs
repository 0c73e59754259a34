// Makes sure the browser the dashboard tests drive exists: Debian's chromium at /usr/bin/chromium.
// playwright-core never downloads a browser; we install the distribution's package instead, so
// the tests run against a browser that gets the distribution's security updates.
// Installs only when it can do so non-interactively (root + apt-get); otherwise it says what to run.
import { execFileSync } from "node:child_process";
import fs from "node:fs";

export const CHROMIUM_PATH = process.env.SNAPFLEET_CHROMIUM ?? "/usr/bin/chromium";

const onPath = (command) => {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && fs.existsSync(`${dir}/${command}`)) return true;
  }
  return false;
};

function install() {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const aptInstall = () =>
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { env, stdio: "inherit" });
  try {
    aptInstall();
  } catch {
    // Usually a stale or empty package index (fresh container): refresh it once and retry.
    execFileSync("apt-get", ["update"], { env, stdio: "inherit" });
    aptInstall();
  }
}

if (fs.existsSync(CHROMIUM_PATH)) {
  process.exit(0);
}
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && onPath("apt-get") && !process.env.SNAPFLEET_CHROMIUM) {
  console.log(`ensure-chromium: ${CHROMIUM_PATH} is missing; installing Debian's chromium package`);
  install();
  if (!fs.existsSync(CHROMIUM_PATH)) {
    console.error(`ensure-chromium: apt-get finished but ${CHROMIUM_PATH} still does not exist`);
    process.exit(1);
  }
  process.exit(0);
}
console.error(
  `ensure-chromium: ${CHROMIUM_PATH} is missing. The dashboard tests drive a real Chromium.\n` +
    `  Install it with:  sudo apt-get install --no-install-recommends chromium   (Debian/Ubuntu)\n` +
    `  or point SNAPFLEET_CHROMIUM at an installed Chromium/Chrome binary.`,
);
process.exit(1);
