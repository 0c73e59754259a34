/** The Cortex-M33 images' stack limit (Armv8-M's MSPLIM; firmware/native/README.md, "The stack"):
 * each image sets it to its linker script's __stack_limit first thing at reset, so a stack that
 * runs past its reserve stops with a UsageFault (UFSR.STKOF) the image reports on its debug
 * console, in the fault reserve under the limit, instead of running into the heap; the host
 * turns the report into an error (qemuBoard.ts boardFault).
 * - `--stack-probe overflow` (ports/mps2-an505/stackProbe.c: pushes in inline assembly, which the
 *   stack analysis can't see) on the plain image and on the TrustZone build's non-secure image:
 *   status 70, the overflow named with the stack's size and limit from the image, and the host's
 *   error. Without the limit the same probe runs through the RAM and QEMU aborts on a lockup.
 * - The secure image has no probe (nothing in it may overflow on purpose): its reset handler and
 *   fault handler are checked in the disassembly, as the other two images' are.
 * Skipped, saying why, without qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { boardFault, runQemuBoard, BOARD_FAULT_STATUS } from "./mps2-an505/qemuBoard";
import { buildM33Images, m33Unavailable, type M33Images } from "../../../test/support/m33Images";
import { skipIfUnavailable } from "../../../test/support/skipIfUnavailable";

const ROOT = path.resolve(__dirname, "../../..");
const BUDGET = JSON.parse(fs.readFileSync(path.join(ROOT, "firmware/native/sizeBudget.json"), "utf8"));
/** CFSR's UFSR.STKOF (bit 16 + 4). */
const STKOF = 1 << 20;

/** The linker script's stack symbols of an ELF. */
function stackSymbols(elf: string): { bottom: number; limit: number; top: number } {
  const symbols = new Map(
    execFileSync("arm-none-eabi-nm", [elf], { encoding: "utf8" })
      .split("\n")
      .map((line) => line.split(" "))
      .map(([address, , name]) => [name, parseInt(address, 16)] as const),
  );
  const get = (name: string) => {
    assert.ok(symbols.has(name), `${path.basename(elf)} has ${name}`);
    return symbols.get(name)!;
  };
  return { bottom: get("__stack_bottom"), limit: get("__stack_limit"), top: get("__stack_top") };
}

/** The value each `msr MSPLIM, rN` of `fn` writes, in order, with the calls (bl) made before it:
 * read from the image's disassembly (a literal load or a movw/movt pair into rN). */
function limitWrites(elf: string, fn: string): { value: number; callsBefore: number }[] {
  const text = execFileSync("arm-none-eabi-objdump", [`--disassemble=${fn}`, "--no-show-raw-insn", elf], { encoding: "utf8" });
  const body = new RegExp(`^[0-9a-f]+ <${fn}>:\\n([\\s\\S]*?)(?:\\n\\n|(?![\\s\\S]))`, "m").exec(text);
  assert.ok(body, `${path.basename(elf)} has ${fn}`);
  const word = (address: number) => {
    const dump = execFileSync("arm-none-eabi-objdump", ["-s", `--start-address=0x${address.toString(16)}`, `--stop-address=0x${(address + 4).toString(16)}`, elf], { encoding: "utf8" });
    const hex = /^ [0-9a-f]+ ([0-9a-f]{8})/m.exec(dump)![1];
    return parseInt(hex.match(/../g)!.reverse().join(""), 16);
  };
  const registers = new Map<string, number>();
  const writes: { value: number; callsBefore: number }[] = [];
  let calls = 0;
  for (const line of body[1].split("\n")) {
    const [, op = "", args = ""] = /^\s*[0-9a-f]+:\s+(\S+)\s*(.*)$/.exec(line) ?? [];
    const literal = /^(r\d+), \[pc, #\d+\].*\(([0-9a-f]+) </.exec(args);
    if (op.startsWith("ldr") && literal) registers.set(literal[1], word(parseInt(literal[2], 16)));
    const half = /^(r\d+), #(\d+)/.exec(args);
    if (op.startsWith("movw") && half) registers.set(half[1], Number(half[2]));
    if (op.startsWith("movt") && half) registers.set(half[1], ((registers.get(half[1]) ?? 0) & 0xffff) | (Number(half[2]) << 16));
    if (op.startsWith("bl")) calls++;
    const msr = /^MSPLIM, (r\d+)/.exec(args);
    if (op === "msr" && msr) writes.push({ value: registers.get(msr[1])!, callsBefore: calls });
  }
  return writes;
}

describe("Cortex-M33 stack limit (MSPLIM) on QEMU mps2-an505", function () {
  this.timeout(600_000);
  let plain: M33Images, trustZone: M33Images;

  before(async function () {
    skipIfUnavailable(this, m33Unavailable());
    ({ plain, trustZone } = await buildM33Images());
  });

  /** Runs the overflow probe; checks the report against the image's own stack. */
  async function overflow(images: M33Images, elf: string, which: string) {
    const { status, stdout, stderr, fault } = await runQemuBoard({ ...images, deviceArgs: ["--stack-probe", "overflow"] }, undefined, 60_000);
    assert.equal(status, BOARD_FAULT_STATUS, `the board ended with status ${status}: ${stdout}${stderr}`);
    const { bottom, limit, top } = stackSymbols(elf);
    assert.equal(top - bottom, BUDGET["cortex-m33"].stackBytes, "the stack is what sizeBudget.json reserves");
    assert.equal(limit - bottom, BUDGET["cortex-m33"].faultReserveBytes, "the limit is the fault reserve above the bottom");
    const report = /^snapfleet-device: stack overflow \(UFSR\.STKOF\): (.+) \(([\d,]+) B reserved, ([\d,]+) B of it kept for this report\) reached its limit 0x([0-9a-f]{8}): raise stackBytes in firmware\/native\/sizeBudget\.json/m.exec(stderr);
    assert.ok(report, `the overflow is named:\n${stderr}`);
    assert.equal(report[1], which);
    assert.equal(Number(report[2].replace(/,/g, "")), top - bottom);
    assert.equal(Number(report[3].replace(/,/g, "")), limit - bottom);
    assert.equal(parseInt(report[4], 16), limit);
    const cfsr = /^snapfleet-device: fault at pc .*CFSR 0x([0-9a-f]{8})/m.exec(stderr);
    assert.ok(cfsr && parseInt(cfsr[1], 16) & STKOF, `the register line has CFSR.STKOF:\n${stderr}`);
    assert.ok(fault, "the host says why the board stopped");
    assert.match(fault, new RegExp(`^the board's device program ran out of stack and was stopped: stack overflow \\(UFSR\\.STKOF\\): ${which}`));
  }

  it("the plain image: a stack overflow stops with UFSR.STKOF, reported with the stack's size and limit, and the host's error says so", async () => {
    await overflow(plain, plain.image, "the main stack");
  });

  it("the TrustZone build's non-secure image: the same, for its own stack (MSPLIM_NS)", async () => {
    await overflow(trustZone, trustZone.nonSecureImage!, "the non-secure image's main stack");
  });

  it("every image sets the limit to __stack_limit before its reset handler calls anything, and its fault handler lowers it to __stack_bottom first", () => {
    for (const elf of [plain.image, trustZone.nonSecureImage!, trustZone.image]) {
      const { bottom, limit } = stackSymbols(elf);
      const reset = limitWrites(elf, "Reset_Handler");
      assert.deepEqual(reset[0], { value: limit, callsBefore: 0 }, `${path.basename(elf)}: Reset_Handler's first MSPLIM write`);
      const fault = limitWrites(elf, "faultHandler");
      assert.deepEqual(fault[0], { value: bottom, callsBefore: 0 }, `${path.basename(elf)}: faultHandler's MSPLIM write`);
    }
  });
});

describe("boardFault: a board's end in words", () => {
  it("a fault report, a stack overflow, QEMU's lockup; nothing for an ordinary exit status", () => {
    const report = "snapfleet-device: fault at pc 0x10001234 (lr 0x10000001, CFSR 0x00020000, HFSR 0x00000000, BFAR 0x00000000)";
    assert.equal(boardFault(BOARD_FAULT_STATUS, `${report}\n`), `the board's device program faulted and was stopped: ${report.slice(18)}`);
    assert.match(boardFault(BOARD_FAULT_STATUS, "snapfleet-device: stack overflow (UFSR.STKOF): the main stack (…) reached its limit 0x38110aa0: raise …\n" + report)!, /^the board's device program ran out of stack and was stopped: stack overflow \(UFSR\.STKOF\): the main stack .* \(fault at pc 0x10001234/);
    // what QEMU 7.2 printed for the probe on an image without the limit (the stack ran below the RAM)
    assert.match(boardFault(null, "qemu: fatal: Lockup: can't escalate 3 to HardFault (current priority -1)\n\nR00=37fffff0")!, /^the board's core locked up \(QEMU: Lockup: can't escalate 3 to HardFault/);
    assert.equal(boardFault(BOARD_FAULT_STATUS, "snapfleet-device: random: no entropy\n"), undefined, "status 70 without a report is the program's own");
    assert.equal(boardFault(1, report), undefined, "a report needs the fault status");
  });
});
