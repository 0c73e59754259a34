import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { endedChildrenCpuMs } from "../test/support/processInfo";

/** Issue 14 figures: `npm run build` on an unchanged checkout (what `npm start` and `npm test` pay
 * first), against the baseline of the same run: the full `tsc` that every build ran before the
 * skip-when-unchanged check. Wall-clock and CPU time (children's, from /proc: the machine is
 * shared, and wall-clock moves with the load). */
const ROOT = path.join(__dirname, "..");

/** CPU seconds of the reaped children of this process (Linux), or undefined elsewhere. */
function childrenCpuSeconds(): number | undefined {
  try {
    return endedChildrenCpuMs() / 1000;
  } catch {
    return undefined;
  }
}

function measure(label: string, args: string[]): { wall: number; cpu?: number } {
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  const wall = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${label} failed:\n${result.stdout}\n${result.stderr}`);
  const cpuAfter = childrenCpuSeconds();
  const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  console.log(`  ${label.padEnd(44)} ${wall.toFixed(1).padStart(6)} s wall, ${cpu === undefined ? "n/a" : `${cpu.toFixed(1)} s CPU`}`);
  return { wall, cpu };
}

// Bring the build up to date first (untimed), so the figure is the unchanged checkout's.
execFileSync(process.execPath, [path.join(ROOT, "scripts/build.mjs")], { cwd: ROOT, stdio: "ignore" });
const skipped = measure("npm run build, unchanged checkout", [path.join(ROOT, "scripts/build.mjs")]);

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-bench-tsc-"));
try {
  const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
  const full = measure("baseline: full tsc (every build before)", [tsc, "-p", "tsconfig.build.json", "--outDir", outDir]);
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? `×${(a / b).toFixed(3)}` : "n/a");
  console.log(`  unchanged build vs full tsc: wall ${ratio(skipped.wall, full.wall)}, CPU ${ratio(skipped.cpu, full.cpu)}`);
} finally {
  fs.rmSync(outDir, { recursive: true, force: true });
}
