/** The Cortex-M33 device image (snapfleet firmware build --target cortex-m33) on QEMU's
 * mps2-an505 board: how to start it and what the board is wired to. The device's command line
 * (the same as the POSIX program's, e.g. `run --build DIR --script -`) reaches it through
 * semihosting; its first serial port (UART0) is the board's console: the device's JSON lines
 * out, a script in (Ctrl-D, 0x04, ends the input, as on a terminal); semihosting's console is
 * the device's stderr; semihosting file calls reach the build and state directories. */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { endInput } from "../../childInput";

export const QEMU = "qemu-system-arm";
export const QEMU_MACHINE = "mps2-an505";
/** What the UART's end of input is (syscalls.c). */
export const END_OF_INPUT = "\u0004";
/** The exit status after the image's fault handler reported a fault (faultReport.h SF_FAULT_STATUS). */
export const BOARD_FAULT_STATUS = 70;

/** Why a board ended badly, as an error's words, from its exit status and its debug console
 * (stderr): the image's fault report (faultReport.h; a stack overflow named as such) or QEMU's
 * own words when the core locked up (a fault while handling one: QEMU 7.2 then aborts rather
 * than halting). Undefined when neither is there (the device program's own exit status). */
export function boardFault(status: number | null, stderr: string): string | undefined {
  const line = (pattern: RegExp) => pattern.exec(stderr)?.[1];
  const report = line(/^snapfleet-device: (fault .*)$/m);
  const overflow = line(/^snapfleet-device: (stack overflow \(UFSR\.STKOF\): .*)$/m);
  if (status === BOARD_FAULT_STATUS && overflow) return `the board's device program ran out of stack and was stopped: ${overflow}${report ? ` (${report})` : ""}`;
  if (status === BOARD_FAULT_STATUS && report) return `the board's device program faulted and was stopped: ${report}`;
  const lockup = line(/^qemu: fatal: (Lockup.*)$/m);
  if (lockup) return `the board's core locked up (QEMU: ${lockup}): a fault inside the fault handler, e.g. a stack that ran past its memory unchecked; build the image again (npx snapfleet firmware build --target cortex-m33) and report it if it stays`;
  return undefined;
}

const runs = (command: string) => {
  try {
    execFileSync(command, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

/** Why QEMU can't run here, or undefined when it can. As root with apt-get (a CI container),
 * installs Debian's qemu-system-arm first, as the project's scripts do for Chromium. */
export function qemuUnavailable(): string | undefined {
  if (runs(QEMU)) return undefined;
  if (process.getuid?.() === 0 && runs("apt-get")) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    try {
      execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "qemu-system-arm"], { env, stdio: "ignore" });
    } catch {
      // reported below
    }
    if (runs(QEMU)) return undefined;
  }
  return `${QEMU} is not installed (the Cortex-M33 board is emulated by QEMU): sudo apt-get install --no-install-recommends qemu-system-arm`;
}

/** The device's arguments for semihosting: QEMU joins them with spaces and its option syntax
 * takes ",," for a comma, so an argument with white space can't be passed. */
function semihostingConfig(deviceArgs: readonly string[]): string {
  const parts = ["enable=on", "target=native"];
  for (const arg of ["snapfleet-device", ...deviceArgs]) {
    if (/\s/.test(arg) || arg === "") throw new Error(`the QEMU device can't take the argument ${JSON.stringify(arg)}: semihosting passes the command line split at spaces; use a path without spaces`);
    parts.push(`arg=${arg.replaceAll(",", ",,")}`);
  }
  return parts.join(",");
}

export interface QemuBoardOptions {
  /** build/firmware/cortex-m33/snapfleet-device.elf; of the TrustZone build
   * (cortex-m33-tz), its secure image: the core starts there. */
  image: string;
  /** The TrustZone build's non-secure image (build/firmware/cortex-m33-tz/snapfleet-device.elf),
   * put in place by QEMU's generic loader (the secure image starts it). */
  nonSecureImage?: string;
  /** The device program's arguments (firmware/native/README.md). */
  deviceArgs: readonly string[];
  /** UART1: "none", or a QEMU character device for the link, e.g. "tcp:127.0.0.1:PORT". */
  secondSerial?: string;
  /** Instruction counting (bench): one instruction per virtual nanosecond. */
  icount?: boolean;
  /** The board is powered off (SIGKILL) when the process that started it dies, even by
   * SIGKILL: util-linux's `setpriv --pdeathsig`, which then runs QEMU in its place (same pid).
   * Without setpriv the board outlives a killed parent. */
  dieWithParent?: boolean;
}

/** QEMU's command line for the board. */
export function qemuArgs(options: QemuBoardOptions): string[] {
  return [
    "-M", QEMU_MACHINE,
    "-nographic", "-monitor", "none",
    "-serial", "stdio",
    "-serial", options.secondSerial ?? "null",
    "-semihosting-config", semihostingConfig(options.deviceArgs),
    ...(options.icount ? ["-icount", "shift=0"] : []),
    "-kernel", options.image,
    ...(options.nonSecureImage ? ["-device", `loader,file=${options.nonSecureImage.replaceAll(",", ",,")}`] : []),
  ];
}

/** Starts the board; stdin is UART0's input, stdout its output, stderr the debug console. */
export function startQemuBoard(options: QemuBoardOptions, stdio: "pipe" | "inherit" = "pipe"): ChildProcess {
  const [command, ...args] = options.dieWithParent && (hasSetpriv ??= runs("setpriv")) ? ["setpriv", "--pdeathsig", "KILL", QEMU, ...qemuArgs(options)] : [QEMU, ...qemuArgs(options)];
  return spawn(command, args, { stdio: ["pipe", stdio, stdio] });
}
let hasSetpriv: boolean | undefined;

/** Runs the board to the end with `input` on UART0 (then end of input): its exit status (the
 * device's, through semihosting), what it printed and, when it faulted, why (boardFault). The
 * limit only stops a board that never ends: the longest scripted session (2,050 deliveries)
 * takes about 2 minutes on a loaded 2-core machine, so it leaves room for that. */
export function runQemuBoard(options: QemuBoardOptions, input: string | undefined, timeoutMs = 300_000): Promise<{ status: number | null; stdout: string; stderr: string; fault?: string }> {
  return new Promise((resolve, reject) => {
    const child = startQemuBoard(options);
    let stdout = "", stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${QEMU} could not start: ${e.message}`));
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      if (signal === "SIGKILL") stderr += `\n(${QEMU} killed after ${timeoutMs} ms)`;
      resolve({ status, stdout, stderr, fault: boardFault(status, stderr) });
    });
    endInput(child, input === undefined ? END_OF_INPUT : input + END_OF_INPUT); // the board may end before reading everything
  });
}
