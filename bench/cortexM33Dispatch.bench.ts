/** Instructions per dispatch on the Cortex-M33 build (issue 12): a 1 ms timer fires, reads an
 * analog pin and pushes the value on a channel (one VM call, two host calls, an envelope, a
 * publish), counted in QEMU's mps2-an505, and the time that implies on a 160 MHz Cortex-M33
 * (Microvisor's STM32U585).
 *
 * How it counts: Debian's QEMU ships no TCG plugins (no `libinsn`), and QEMU emulates no DWT
 * cycle counter. Under `-icount shift=0` QEMU runs the virtual clock at one nanosecond per
 * executed instruction, and the board's SysTick counts that clock (20 MHz: one SysTick cycle = 50
 * instructions). The image's `--count-cycles` (ports/mps2-an505/startup.c) reads SysTick at
 * main's start and end and prints the difference. The scripted mode (no WFI, time comes from the
 * script) runs a boot-only session and one with TICKS dispatches; the difference / TICKS is the
 * dispatch, boot subtracted. It includes the scripted mode's JSON line for each publish on UART0,
 * which a device on the link sends as a PUBLISH frame instead (the baseline below measures that
 * part: a session whose timer only pushes a constant, no pin read). Time at 160 MHz assumes one
 * instruction per cycle: the M33's pipeline runs most instructions in one, the U585's
 * instruction cache hides flash wait states; loads, branches and divides take more, so the real
 * figure is somewhat higher. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { writeBuild } from "../core/contracts/buildOutput";
import { qemuArgs, QEMU, qemuUnavailable, END_OF_INPUT } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { writeApp } from "../test/support/tempFeatures";

const ROOT = path.resolve(__dirname, "..");
const TICKS = 5_000;
const INSTRUCTIONS_PER_SYSTICK_CYCLE = 50; // 1 ns per instruction (-icount shift=0), 20 MHz SysTick
const TARGET_HZ = 160e6;

/** Instructions main ran for one scripted session of `advanceMs` on the board under -icount. */
function countInstructions(image: string, buildDir: string, advanceMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = qemuArgs({ image, deviceArgs: ["--count-cycles", "run", "--build", buildDir, "--script", "-", "--pin", "A2=const:21.5"], icount: true });
    const child = spawn(QEMU, args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => {
      const m = /cycles: (\d+)/.exec(stderr);
      if (status !== 0 || !m) return reject(new Error(`the board ended with ${status} and no cycle count: ${stderr.slice(-500)}`));
      resolve(Number(m[1]) * INSTRUCTIONS_PER_SYSTICK_CYCLE);
    });
    child.stdin!.end(`{"advance": ${advanceMs}}\n${END_OF_INPUT}`);
  });
}

async function perDispatch(image: string, body: string): Promise<number> {
  const build = await compileFeatures({ entry: writeApp(body) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-m33-dispatch-"));
  try {
    writeBuild(dir, build);
    const boot = await countInstructions(image, dir, 0);
    const run = await countInstructions(image, dir, TICKS);
    return (run - boot) / TICKS;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const unavailable = qemuUnavailable();
  if (unavailable) return console.log(`skipped: ${unavailable}`);
  const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
  const { program: image } = await buildFirmware({ target: "cortex-m33", log: () => {} });
  const dispatch = await perDispatch(
    image,
    `const out = api.newCommsChannel<number>("reading", { qos: 0 });
     const sensor = api.mcu.getAnalogPin("A2");
     api.mcu.setInterval(() => out.pushMessageToServer(sensor.read()), 1);`,
  );
  const pushOnly = await perDispatch(
    image,
    `const out = api.newCommsChannel<number>("reading", { qos: 0 });
     api.mcu.setInterval(() => out.pushMessageToServer(21.5), 1);`,
  );
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const us = (n: number) => ((n / TARGET_HZ) * 1e6).toFixed(1);
  console.log(`Cortex-M33 (-O2), counted in QEMU mps2-an505 under -icount (${TICKS.toLocaleString("en-US")} dispatches, boot subtracted):`);
  console.log(`  timer + pin read + push: ${fmt(dispatch)} instructions per dispatch = ${us(dispatch)} us at 160 MHz (1 instruction/cycle) = ${fmt(TARGET_HZ / dispatch)} dispatches/s`);
  console.log(`  baseline, timer + push of a constant: ${fmt(pushOnly)} instructions; the pin read adds ${fmt(dispatch - pushOnly)} (${(dispatch / pushOnly).toFixed(2)}x the baseline)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
