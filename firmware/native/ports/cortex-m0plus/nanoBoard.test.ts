/** The Nano 33 IoT's pin driver (nanoBoard.c) on this machine, its SAMD21 registers mapped to
 * memory (tests/nanoBoardCheck.c): the pins and bits each label drives, the ADC's set-up and
 * reading, refusals that name the pin. The Cortex-M0+ image itself is only built
 * (ports/crossBuild.test.ts): no QEMU machine has a SAMD21. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BUILT_IN_BOARDS, DEFAULT_BOARD } from "../../../../core/boards";
import { buildCheckProgram, runCheckProgram } from "../../../../test/support/cChecks";

describe("the Cortex-M0+ port's pin driver (SAMD21 PORT and ADC, registers in memory)", function () {
  this.timeout(120_000);
  let program: string;
  before(async () => {
    // the board's name as the image gets it (the cortex-m0plus target's board, sf_boardNames.h)
    const build = await import(path.join(__dirname, "../../../../scripts/build-firmware.mjs"));
    const gen = fs.mkdtempSync(path.join(os.tmpdir(), "sf-nano-gen-"));
    fs.writeFileSync(path.join(gen, "sf_boardNames.h"), build.boardNamesHeader(BUILT_IN_BOARDS, DEFAULT_BOARD.name, build.TARGET_SPECS["cortex-m0plus"].board));
    program = buildCheckProgram("nanoBoardCheck", [path.join(__dirname, "tests/nanoBoardCheck.c")], ["-I", gen]);
  });

  it("drives the header's pins on the datasheet's registers and refuses pins the Nano lacks, by name", () => {
    runCheckProgram(program, 23);
  });
});
