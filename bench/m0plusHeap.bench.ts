/** The Cortex-M0+ grow-station's heap, measured (issue 12): nothing here emulates the SAMD21, so
 * the Cortex-M33 image is built with the M0+'s settings (build-firmware --settings-of
 * cortex-m0plus: its limits, its link queues, its engine's collection after 1 KB) for the
 * grow-station alone, and runs on QEMU's mps2-an505:
 *
 * - scripted: the grow-station's equivalence script and a 20-minute session (the scripted
 *   host's own queues are the TypeScript device's, 500 messages: larger than the M0+'s);
 * - connected (`snapfleet-device connect`, the M0+'s program: the link device, its supervisor
 *   with the M0+'s queues) to its co-processor over the second UART: the app installed over the
 *   link, commands from two senders with duplicates and out of order, an outage while the app
 *   publishes (its messages queued), the link back, a second version installed over the link.
 *
 * Each run prints the device's `heap: peak` line (ports/posix/heapReport.h); the connected run's
 * peak is sizeBudget.json's heapPeakBytes. Times are QEMU's on this machine, not the board's.
 * `--scripted-only`, `--connected-only`: one part; `--senders 3` or `4`: a third (and fourth)
 * command sender in the connected run; HEAP_CONSOLE=FILE keeps the board's console. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeBuild } from "../core/contracts/buildOutput";
import { qemuUnavailable } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { crossToolchainUnavailable } from "../test/support/crossToolchain";
import { connected, devSecrets, equivalenceScript, growStation, longSession, scripted } from "./heapSessions";

const ROOT = path.resolve(__dirname, "..");

/** `--senders 3` or `4`: a third and fourth sender of commands in the connected run (more browser
 * tabs). The grow light's commands are QoS 1 (the channel's default): each sender is a reorder
 * chain (supervisor/reorderBuffer.c; the M0+ remembers two, SF_REORDER_MAX_STREAMS); the
 * grow-station has no QoS 0 channel the cloud sends on, so its dedup window stays empty here. */
const SENDERS = process.argv.includes("--senders") ? Number(process.argv[process.argv.indexOf("--senders") + 1]) : 2;

async function main(): Promise<void> {
  if (![2, 3, 4].includes(SENDERS)) throw new Error(`--senders: 2, 3 or 4 command senders, got ${process.argv[process.argv.indexOf("--senders") + 1]}`);
  const unavailable = qemuUnavailable() ?? crossToolchainUnavailable();
  if (unavailable) return console.log(`skipped: ${unavailable}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "sf-m0heap-"));
  try {
    const appDir = path.join(work, "app");
    writeBuild(appDir, await growStation(devSecrets()));
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    const { program } = await buildFirmware({ target: "cortex-m33", appDir, settingsOf: "cortex-m0plus", outDir: path.join(work, "image"), log: () => {} });
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(", ")}`);
    if (!process.argv.includes("--connected-only")) {
      await scripted({ image: program }, appDir, "the equivalence script", equivalenceScript());
      await scripted({ image: program }, appDir, "a 20-minute session", longSession());
    }
    if (!process.argv.includes("--scripted-only")) await connected({ image: program }, path.join(work, "state"), SENDERS);
    console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(", ")}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
