/** The Nano 33 IoT's pin driver (nanoBoard.c) on this machine, its SAMD21 registers mapped to
 * memory (tests/nanoBoardCheck.c): the pins and bits each label drives, the ADC's set-up and
 * reading, refusals that name the pin. The Cortex-M0+ image itself is only built
 * (ports/crossBuild.test.ts): no QEMU machine has a SAMD21. */
import path from "node:path";
import { buildCheckProgram, runCheckProgram } from "../../../../test/support/cChecks";

describe("the Cortex-M0+ port's pin driver (SAMD21 PORT and ADC, registers in memory)", function () {
  this.timeout(120_000);
  let program: string;
  before(() => {
    program = buildCheckProgram("nanoBoardCheck", [path.join(__dirname, "tests/nanoBoardCheck.c")]);
  });

  it("drives the header's pins on the datasheet's registers and refuses pins the Nano lacks, by name", () => {
    runCheckProgram(program, 23);
  });
});
