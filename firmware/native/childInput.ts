/** Input for a device program (native, QEMU, a C test harness) given all at once. */
import type { ChildProcess } from "node:child_process";

/**
 * Writes `text` to the child's stdin and closes it. A program that exits before reading it all
 * (a device refusing its build, a board that stops early, a harness refusing its manifest) makes
 * the write fail with EPIPE; that error is dropped here because the caller judges the program by
 * its exit code and stderr, which say why, where an unhandled EPIPE would crash the caller.
 */
export function endInput(child: ChildProcess, text: string): void {
  child.stdin!.on("error", () => {});
  child.stdin!.end(text);
}
