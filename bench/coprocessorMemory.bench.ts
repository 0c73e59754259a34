/** Memory of `snapfleet dev --device-runtime qemu` (issue 12): the resident set (RSS, from
 * /proc) of the dev process, of each network co-processor process and of each QEMU board, with
 * three boards online on their first job, against the dev process with no board (the baseline,
 * measured in the same run). Skipped, saying why, without qemu-system-arm or the toolchain. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { DevSession } from "../cli/devSession";
import { childProcesses, residentBytes } from "../test/support/processInfo";
import { cortexM33Image, levelApp, qemuFleetUnavailable } from "../test/support/qemuFleet";
import { writeFeatures } from "../test/support/tempFeatures";

const BOARDS = 3;
v8.setFlagsFromString("--expose-gc");
/** A full collection before each reading: what is live, not what the collector hasn't reached. */
const gc = vm.runInNewContext("gc") as () => void;

async function fleet(devices: number): Promise<{ dev: number; devHeap: number; coprocessors: number[]; boards: number[] }> {
  const stateDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "sf-bench-coproc-"));
  const entry = writeFeatures({ "app.ts": levelApp(7) }, "bench-coproc");
  const session = await DevSession.start({ entry, secrets: {}, devices, port: 0, stateDir, dashboardBundleDir: null, watch: false, deviceRuntime: "qemu", qemuImage: await cortexM33Image(), log: () => {} });
  try {
    const rows = () => session.cloud.monitor.devices();
    const end = Date.now() + 180_000;
    while (!(rows().length === devices && rows().every((r) => r.online && r.lastMessage === "level = 7"))) {
      if (Date.now() > end) throw new Error(`the ${devices} boards did not come online on their first job within 180 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 5000)); // a few messages through every co-processor
    const procs = childProcesses();
    gc();
    return {
      dev: process.memoryUsage().rss,
      devHeap: process.memoryUsage().heapUsed,
      coprocessors: procs.filter((p) => p.command.includes("coprocessorMain")).map((p) => residentBytes(p.pid)),
      boards: procs.filter((p) => p.command.startsWith("qemu-system-arm")).map((p) => residentBytes(p.pid)),
    };
  } finally {
    await session.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const reason = qemuFleetUnavailable();
  if (reason) return console.log(`skipped: ${reason}`);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const alone = await fleet(0);
  const three = await fleet(BOARDS);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  console.log("| process | RSS | JS heap used |");
  console.log("|---|---|---|");
  console.log(`| dev, no board (baseline) | ${mb(alone.dev)} | ${mb(alone.devHeap)} |`);
  console.log(`| dev, ${BOARDS} boards online | ${mb(three.dev)} (x${(three.dev / alone.dev).toFixed(2)}) | ${mb(three.devHeap)} (+${mb((three.devHeap - alone.devHeap) / BOARDS)} per board) |`);
  console.log(`| co-processor processes (${three.coprocessors.length}) | ${three.coprocessors.map(mb).join(", ") || "none: they run in the dev process"}${three.coprocessors.length ? `; ${mb(sum(three.coprocessors) / three.coprocessors.length)} each on average` : ""} | |`);
  console.log(`| QEMU boards (${three.boards.length}) | ${three.boards.map(mb).join(", ")} | |`);
  console.log(`dev + co-processors for ${BOARDS} boards: ${mb(three.dev + sum(three.coprocessors))} (x${((three.dev + sum(three.coprocessors)) / alone.dev).toFixed(2)} the dev process alone)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
