// One build of an output folder at a time, across processes: `npm test` runs two mocha processes
// at once (scripts/test.mjs) whose tests may build the same target, and a user may run
// `snapfleet firmware build` while `snapfleet dev --device-runtime qemu` builds its image. Two
// compilers writing one folder would leave objects of both; the second build waits, then finds
// the first's stamp up to date. The lock is a file beside the folder holding the builder's pid,
// created exclusively; one left by a builder that died is taken over.
import fs from "node:fs";
import path from "node:path";

/** How long a build waits for another before it gives up, saying which process holds it. */
const WAIT_LIMIT_MS = 15 * 60_000;
const POLL_MS = 200;

/** Runs `build` holding `${outDir}.lock`; `fail(message)` ends the build when the wait is too long. */
export async function withBuildLock(outDir, log, fail, build) {
  const lock = `${outDir}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const started = Date.now();
  let said = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    const holder = Number(readOrEmpty(lock));
    // A lock without a pid yet is one being created this instant: wait for it like any other.
    // Two waiters taking over the same dead builder's lock at once could both build; that needs a
    // builder to have died first, and at worst repeats what the dead one did.
    if (holder && !alive(holder)) {
      log(`build-firmware: taking over ${lock}: its build (process ${holder}) ended without finishing`);
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() - started > WAIT_LIMIT_MS) fail(`another build of ${outDir} (process ${holder || "?"}) has held ${lock} for ${Math.round(WAIT_LIMIT_MS / 60_000)} minutes; stop it, or remove the file if that process is not a build`);
    if (!said) log(`build-firmware: waiting for another build of ${outDir} (process ${holder || "?"}) to finish`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await build();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function readOrEmpty(file) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM"; // alive, another user's
  }
}
