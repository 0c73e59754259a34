// Makes sure the browser the dashboard tests drive exists: Debian's chromium at /usr/bin/chromium.
// playwright-core never downloads a browser; we install the distribution's package instead, so
// the tests run against a browser that gets the distribution's security updates.
// Installs only when it can do so non-interactively (root + apt-get); otherwise it says what to run.
import fs from "node:fs";
import { ensureDebianPackages } from "./debianPackages.mjs";

export const CHROMIUM_PATH = process.env.SNAPFLEET_CHROMIUM ?? "/usr/bin/chromium";

if (fs.existsSync(CHROMIUM_PATH)) {
  process.exit(0);
}
if (process.env.SNAPFLEET_CHROMIUM) {
  console.error(`ensure-chromium: SNAPFLEET_CHROMIUM points at ${CHROMIUM_PATH}, which does not exist.`);
  process.exit(1);
}
try {
  ensureDebianPackages(["chromium"], `ensure-chromium: ${CHROMIUM_PATH} is missing; the dashboard tests drive a real Chromium`);
} catch (error) {
  console.error(`${error.message}\n  or point SNAPFLEET_CHROMIUM at an installed Chromium/Chrome binary.`);
  process.exit(1);
}
if (!fs.existsSync(CHROMIUM_PATH)) {
  console.error(`ensure-chromium: apt-get finished but ${CHROMIUM_PATH} still does not exist`);
  process.exit(1);
}
