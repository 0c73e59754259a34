/** The supervisor-secure TrustZone build's two heaps, measured (`firmware build --target
 * cortex-m33-tz-supervisor`, the image for any app, not one built for the grow-station alone):
 * the secure image's (the supervisor's queues, the copies of what crosses the boundary, the
 * port's hosted code beside them) and the engine image's (the VM's memory, the snapshot's copy
 * the engine runs from, a delivered message's document). The grow-station on QEMU's mps2-an505,
 * both images loaded, in the runs bench/m0plusHeap.bench.ts makes (bench/heapSessions.ts):
 * the equivalence script, a 20-minute scripted session, and `connect` with its co-processor (the
 * app installed over the link, commands from two senders, an outage, a second version). Each
 * prints the `heap: peak` and `engine heap: peak` lines; sizeBudget.json's
 * "cortex-m33-tz-supervisor" and "cortex-m33-tz-engine" quote the peaks (heapPeakBytes).
 * `--scripted-only`, `--connected-only`: one part. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeBuild } from "../core/contracts/buildOutput";
import { qemuUnavailable } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { crossToolchainUnavailable } from "../test/support/crossToolchain";
import { connected, devSecrets, equivalenceScript, growStation, longSession, scripted } from "./heapSessions";

const ROOT = path.resolve(__dirname, "..");

async function main(): Promise<void> {
  const unavailable = qemuUnavailable() ?? crossToolchainUnavailable();
  if (unavailable) return console.log(`skipped: ${unavailable}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "sf-tzheap-"));
  try {
    const appDir = path.join(work, "app");
    writeBuild(appDir, await growStation(devSecrets()));
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    const built = await buildFirmware({ target: "cortex-m33-tz-supervisor", log: () => {} });
    const images = { image: built.program as string, nonSecureImage: built.engineImage as string };
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(", ")}`);
    if (!process.argv.includes("--connected-only")) {
      await scripted(images, appDir, "the equivalence script", equivalenceScript());
      await scripted(images, appDir, "a 20-minute session", longSession());
    }
    if (!process.argv.includes("--scripted-only")) await connected(images, path.join(work, "state"));
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(", ")}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
