/** scripts/buildLock.mjs: two builds of one output folder, in two processes, run one after the
 * other (npm test's two mocha processes, or `firmware build` beside `dev`); a lock left by a
 * builder that died is taken over. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const LOCK_MODULE = path.join(__dirname, "..", "scripts", "buildLock.mjs");

/** A process that holds the lock of `outDir` for `holdMs`, logging when its build starts and ends. */
function builder(outDir: string, name: string, holdMs: number, journal: string) {
  const script = `import(${JSON.stringify(LOCK_MODULE)}).then(({ withBuildLock }) => withBuildLock(${JSON.stringify(outDir)}, console.log, (m) => { throw new Error(m); }, async () => {
    require("node:fs").appendFileSync(${JSON.stringify(journal)}, "${name} start\\n");
    await new Promise((r) => setTimeout(r, ${holdMs}));
    require("node:fs").appendFileSync(${JSON.stringify(journal)}, "${name} end\\n");
  }))`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d));
  return new Promise<{ code: number | null; out: string }>((resolve) => child.on("exit", (code) => resolve({ code, out })));
}

describe("firmware builds of one folder, one at a time (scripts/buildLock.mjs)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-build-lock-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a second build of the same folder waits for the first, says so, and runs after it", async () => {
    const outDir = path.join(dir, "firmware", "posix");
    const journal = path.join(dir, "order.txt");
    const first = builder(outDir, "a", 1500, journal);
    // The second starts once the first holds the lock.
    while (!fs.existsSync(`${outDir}.lock`)) await new Promise((r) => setTimeout(r, 20));
    const second = builder(outDir, "b", 10, journal);
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.code, 0);
    assert.equal(b.code, 0);
    assert.deepEqual(fs.readFileSync(journal, "utf8").trim().split("\n"), ["a start", "a end", "b start", "b end"]);
    assert.match(b.out, /build-firmware: waiting for another build of .*posix \(process \d+\) to finish/);
    assert.ok(!fs.existsSync(`${outDir}.lock`), "the lock is gone after both");
  });

  it("takes over a lock whose builder died, saying so", async () => {
    const outDir = path.join(dir, "firmware", "cortex-m33");
    fs.mkdirSync(path.dirname(outDir), { recursive: true });
    // A pid no process has: the builder that wrote it died (SIGKILL leaves the file).
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => dead.on("exit", r));
    fs.writeFileSync(`${outDir}.lock`, String(dead.pid));
    const journal = path.join(dir, "takeover.txt");
    const { code, out } = await builder(outDir, "c", 10, journal);
    assert.equal(code, 0);
    assert.match(out, new RegExp(`taking over .*cortex-m33\\.lock: its build \\(process ${dead.pid}\\) ended without finishing`));
    assert.deepEqual(fs.readFileSync(journal, "utf8").trim().split("\n"), ["c start", "c end"]);
  });
});
