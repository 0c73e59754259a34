/** Instructions per dispatch on the Cortex-M33 build and on its TrustZone builds (issue 12): a 1 ms timer fires, reads an
 * analog pin and pushes the value on a channel (one VM call, two host calls, an envelope, a
 * publish), counted in QEMU's mps2-an505, and the time that implies on a 160 MHz Cortex-M33
 * (Microvisor's STM32U585).
 *
 * How it counts: Debian's QEMU ships no TCG plugins (no `libinsn`), and QEMU emulates no DWT
 * cycle counter. Under `-icount shift=0` QEMU runs the virtual clock at one nanosecond per
 * executed instruction, and the board's SysTick counts that clock (20 MHz: one SysTick cycle = 50
 * instructions). The image's `--count-cycles` (ports/mps2-an505/startup.c) reads SysTick at
 * main's start and end and prints the difference. The scripted mode (its script from a file: no WFI; time comes from the
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
import { END_OF_INPUT, qemuArgs, QEMU, qemuUnavailable, type QemuBoardOptions } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { writeApp } from "../test/support/tempFeatures";

const ROOT = path.resolve(__dirname, "..");
const TICKS = 5_000;
const ENTRY_CALLS = 100_000;
const INSTRUCTIONS_PER_SYSTICK_CYCLE = 50; // 1 ns per instruction (-icount shift=0), 20 MHz SysTick
const TARGET_HZ = 160e6;

type Images = Pick<QemuBoardOptions, "image" | "nonSecureImage">;

/** Instructions main ran for one scripted session of `advanceMs` on the board under -icount. */
function countInstructions(images: Images, buildDir: string, advanceMs: number): Promise<number> {
  // The script from a file (semihosting: the core waits for the host without running or
  // sleeping), not from UART0: there the core sleeps (WFI) until each byte arrives, a
  // millisecond of virtual time per wait, as many as the host's timing makes (±10 ms a session,
  // ±2,000 instructions a dispatch, before this).
  const script = path.join(buildDir, `advance-${advanceMs}.jsonl`);
  fs.writeFileSync(script, `{"advance": ${advanceMs}}\n`);
  return countRun(images, ["run", "--build", buildDir, "--script", script, "--pin", "A2=const:21.5"]);
}

/** Instructions the device program (or a --tz-probe) ran with `deviceArgs` under -icount;
 * `endInput`: UART0's input ends at once (a session reading its script from it). */
function countRun(images: Images, deviceArgs: string[], endInput = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = qemuArgs({ ...images, deviceArgs: ["--count-cycles", ...deviceArgs], icount: true });
    const child = spawn(QEMU, args, { stdio: [endInput ? "pipe" : "ignore", "ignore", "pipe"] });
    if (endInput) child.stdin!.end(END_OF_INPUT);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => {
      const m = /cycles: (\d+)/.exec(stderr);
      if (status !== 0 || !m) return reject(new Error(`the board ended with ${status} and no cycle count: ${stderr.slice(-500)}`));
      resolve(Number(m[1]) * INSTRUCTIONS_PER_SYSTICK_CYCLE);
    });
  });
}

async function perDispatch(images: Images, body: string): Promise<number> {
  const build = await compileFeatures({ entry: writeApp(body) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-m33-dispatch-"));
  try {
    writeBuild(dir, build);
    const boot = await countInstructions(images, dir, 0);
    const run = await countInstructions(images, dir, TICKS);
    return (run - boot) / TICKS;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const unavailable = qemuUnavailable();
  if (unavailable) return console.log(`skipped: ${unavailable}`);
  const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
  const plain = await buildFirmware({ target: "cortex-m33", log: () => {} });
  const trustZone = await buildFirmware({ target: "cortex-m33-tz", log: () => {} });
  const secureSupervisor = await buildFirmware({ target: "cortex-m33-tz-supervisor", log: () => {} });
  // The plain image, the TrustZone build's non-secure image started by its secure one
  // (firmware/native/ports/mps2-an505-tz/): the same program at other addresses; and the build
  // with the supervisor secure (ports/mps2-an505-tz-supervisor/), where a dispatch crosses: the
  // supervisor's call into the engine, the app's pinRead and channelSend, the returns.
  const builds: [string, Images][] = [
    ["cortex-m33", { image: plain.program }],
    ["cortex-m33-tz", { image: trustZone.secureImage, nonSecureImage: trustZone.program }],
    ["cortex-m33-tz-supervisor", { image: secureSupervisor.program, nonSecureImage: secureSupervisor.engineImage }],
  ];
  const measured = new Map<string, { dispatch: number; pushOnly: number }>();
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const us = (n: number) => ((n / TARGET_HZ) * 1e6).toFixed(1);
  for (const [target, images] of builds) {
    const dispatch = await perDispatch(
      images,
      `const out = api.newCommsChannel<number>("reading", { qos: 0 });
       const sensor = api.mcu.getAnalogPin("A2");
       api.mcu.setInterval(() => out.pushMessageToServer(sensor.read()), 1);`,
    );
    const pushOnly = await perDispatch(
      images,
      `const out = api.newCommsChannel<number>("reading", { qos: 0 });
       api.mcu.setInterval(() => out.pushMessageToServer(21.5), 1);`,
    );
    console.log(`${target} (-O2), counted in QEMU mps2-an505 under -icount (${TICKS.toLocaleString("en-US")} dispatches, boot subtracted):`);
    console.log(`  timer + pin read + push: ${fmt(dispatch)} instructions per dispatch = ${us(dispatch)} us at 160 MHz (1 instruction/cycle) = ${fmt(TARGET_HZ / dispatch)} dispatches/s`);
    console.log(`  baseline, timer + push of a constant: ${fmt(pushOnly)} instructions; the pin read adds ${fmt(dispatch - pushOnly)} (${(dispatch / pushOnly).toFixed(2)}x the baseline)`);
    const base = measured.get("cortex-m33");
    if (base) console.log(`  against cortex-m33 in this run: ${fmt(dispatch - base.dispatch)} instructions per dispatch (${(((dispatch - base.dispatch) / base.dispatch) * 100).toFixed(1)} %), ${fmt(pushOnly - base.pushOnly)} for the baseline`);
    measured.set(target, { dispatch, pushOnly });
  }
  // What one crossing costs: a minimal entry function (the link's read of a 1-byte buffer: the
  // veneer's SG, the buffer's check, one UART register read, the BXNS back), calls minus none.
  const calls = await countRun(builds[1][1], ["--tz-probe", `entry-calls=${ENTRY_CALLS}`]);
  const none = await countRun(builds[1][1], ["--tz-probe", "entry-calls=0"]);
  console.log(`cortex-m33-tz: one entry function call (veneer, 1-byte buffer check, a UART register read, return): ${fmt((calls - none) / ENTRY_CALLS)} instructions (${ENTRY_CALLS.toLocaleString("en-US")} calls, the probe's loop included)`);
  // The supervisor-secure build's two crossings: the app's smallest host call (`now`: no pointer
  // to check; the engine's probe when the app starts) and a call into the engine that does nothing.
  const split = builds[2][1];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-m33-crossings-"));
  try {
    writeBuild(dir, await compileFeatures({ entry: writeApp(`api.mcu.setInterval(() => {}, 1000);`) }));
    const hostCalls = (await countRun(split, ["--tz-probe", `host-calls=${ENTRY_CALLS}:${dir}`], true)) - (await countRun(split, ["--tz-probe", `host-calls=0:${dir}`], true));
    console.log(`cortex-m33-tz-supervisor: one host call from the engine (now(): the veneer, the supervisor's clock read, the return): ${fmt(hostCalls / ENTRY_CALLS)} instructions (${ENTRY_CALLS.toLocaleString("en-US")} calls, the probe's loop included)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const engineCalls = (await countRun(split, ["--tz-probe", `engine-calls=${ENTRY_CALLS}`])) - (await countRun(split, ["--tz-probe", "engine-calls=0"]));
  console.log(`cortex-m33-tz-supervisor: one call into the engine that does nothing (request written, BLXNS, the answer read): ${fmt(engineCalls / ENTRY_CALLS)} instructions (${ENTRY_CALLS.toLocaleString("en-US")} calls)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
