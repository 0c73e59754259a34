/** The device on a microcontroller (issue 12): flash and RAM per Cortex-M build against the
 * budget and the references (Microvium's engine alone on a Cortex-M0: about 7-15 KB; Golioth's
 * device SDK: about 32 KB), and the link at 115,200 baud: the grow-station package streamed as
 * OTA chunks through the link's session rules (firmware/coprocessor/linkSession.ts, the MCU's
 * twin) over a simulated UART pair that carries 11,520 bytes per second each way (8N1), with
 * stop-and-wait acknowledgement: throughput as a ratio of the line rate (the baseline) and the
 * transfer time. The clock is simulated, so the figures are the protocol's, not this machine's. */
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { encodeDevicePackage } from "../core/contracts/devicePackage";
import { OTA_CHUNK_BYTES } from "../firmware/coprocessor/coprocessor";
import { encode } from "../firmware/coprocessor/linkMessages";
import { LinkSession } from "../firmware/coprocessor/linkSession";
import fs from "node:fs";
import os from "node:os";
import { writeBuild } from "../core/contracts/buildOutput";

const ROOT = path.resolve(__dirname, "..");
const BAUD = 115_200;
const BYTES_PER_MS = BAUD / 10 / 1000; // 8 data bits + start + stop

interface Report {
  flash: Record<string, number> & { total: number; budget?: number };
  ram: { data: number; bss: number; heap: number; stack: number; total: number; budget?: number };
}

async function sizes(): Promise<void> {
  const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
  console.log("| build | flash | engine | static RAM | heap + stack | budget (flash / RAM) |");
  console.log("|---|---|---|---|---|---|");
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const row = (label: string, report: Report) => {
    const budget = report.flash.budget ? `${kb(report.flash.budget)} / ${kb(report.ram.budget!)}: ${(report.flash.total / report.flash.budget).toFixed(2)}x / ${(report.ram.total / report.ram.budget!).toFixed(2)}x` : "none";
    console.log(`| ${label} | ${kb(report.flash.total)} | ${kb(report.flash.engine)} | ${kb(report.ram.data + report.ram.bss)} | ${kb(report.ram.heap + report.ram.stack)} | ${budget} |`);
  };
  let anyApp: Report | undefined;
  for (const target of ["cortex-m33", "cortex-m0plus"]) {
    const { report } = (await buildFirmware({ target, log: () => {} })) as { report: Report };
    row(target, report);
    if (target === "cortex-m0plus") anyApp = report;
  }
  // The M0+ image built for the grow-station alone (firmware build --app), against the image for
  // any app built in this run (the baseline).
  const appDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-bench-app-"));
  try {
    writeBuild(appDir, await compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets: JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) }));
    const { report } = (await buildFirmware({ target: "cortex-m0plus", appDir, outDir: path.join(appDir, "image"), log: () => {} })) as { report: Report };
    row("cortex-m0plus, grow-station alone (--app)", report);
    console.log(`grow-station alone vs any app (cortex-m0plus): flash x${(report.flash.total / anyApp!.flash.total).toFixed(2)}, RAM x${(report.ram.total / anyApp!.ram.total).toFixed(2)}; goal 40 KB / 12 KB: x${(report.flash.total / 40960).toFixed(2)} / x${(report.ram.total / 12288).toFixed(2)}`);
    // The goal's floor (scripts/mcuFloor.mjs): what the issue itself keeps on the MCU, with this code.
    const { mcuFloor } = await import(path.join(ROOT, "scripts/mcuFloor.mjs") as string);
    const floor = mcuFloor(fs.readFileSync(path.join(appDir, "image/snapfleet-device.map"), "utf8")) as { required: number; movable: number; byReason: Array<{ reason: string; required: boolean; bytes: number }> };
    for (const part of floor.byReason) console.log(`  ${part.required ? "required" : "movable "} ${kb(part.bytes).padStart(8)}  ${part.reason}`);
    console.log(`grow-station's floor (cortex-m0plus): ${kb(floor.required)} the issue keeps on the MCU (x${(floor.required / 40960).toFixed(2)} the 40 KB goal), ${kb(floor.movable)} a thinner MCU could leave to the co-processor`);
  } finally {
    fs.rmSync(appDir, { recursive: true, force: true });
  }
  console.log("references: Microvium's engine alone on Cortex-M0 about 7-15 KB; Golioth's device SDK about 32 KB flash");
}

/** Two sessions on a simulated full-duplex UART: a write occupies its direction of the wire for
 * bytes / BYTES_PER_MS, the peer receives the bytes when they have crossed. */
function linkThroughput(pkg: Uint8Array): { ms: number; wireBytes: number } {
  let now = 0;
  const wires = [{ freeAt: 0, inFlight: [] as { at: number; bytes: Buffer }[] }, { freeAt: 0, inFlight: [] as { at: number; bytes: Buffer }[] }];
  const write = (direction: 0 | 1) => (bytes: Buffer) => {
    const wire = wires[direction];
    const start = Math.max(now, wire.freeAt);
    wire.freeAt = start + bytes.length / BYTES_PER_MS;
    wire.inFlight.push({ at: wire.freeAt, bytes });
  };
  let received = 0;
  let wireBytes = 0;
  const coprocessor = new LinkSession({ write: (b) => ((wireBytes += b.length), write(0)(b)), message: () => {} }, () => now);
  const mcu = new LinkSession({ write: write(1), message: (body) => (received += body.length - 5) }, () => now);
  let offset = 0;
  while (received < pkg.length) {
    while (offset < pkg.length && coprocessor.queued < 8) {
      coprocessor.send(encode.otaChunk(offset, pkg.subarray(offset, offset + OTA_CHUNK_BYTES)));
      offset += OTA_CHUNK_BYTES;
    }
    const next = Math.min(now + 1, ...wires.flatMap((w) => w.inFlight.map((f) => f.at)));
    now = Math.max(next, now + 0.01);
    for (const [i, wire] of wires.entries()) {
      const arrived = wire.inFlight.filter((f) => f.at <= now);
      wire.inFlight = wire.inFlight.filter((f) => f.at > now);
      for (const f of arrived) (i === 0 ? mcu : coprocessor).receive(f.bytes);
    }
    coprocessor.poll();
    mcu.poll();
    if (now > 3_600_000) throw new Error("the simulated transfer did not finish in an hour");
  }
  return { ms: now, wireBytes };
}

async function main(): Promise<void> {
  await sizes();
  const build = await compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets: JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) });
  const pkg = encodeDevicePackage(build.manifest, build.snapshots.device);
  const { ms, wireBytes } = linkThroughput(pkg.bytes);
  const throughput = pkg.size / (ms / 1000);
  const lineRate = BYTES_PER_MS * 1000;
  console.log(`link at ${BAUD.toLocaleString("en-US")} baud: grow-station package ${pkg.size.toLocaleString("en-US")} B in ${(ms / 1000).toFixed(2)} s (${wireBytes.toLocaleString("en-US")} B on the wire), ${Math.round(throughput).toLocaleString("en-US")} B/s = ${(throughput / lineRate).toFixed(2)}x the line rate (${lineRate.toLocaleString("en-US")} B/s, baseline)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
