/** The Nano 33 IoT's pin driver (nanoBoard.c) on this machine, its SAMD21 registers mapped to
 * memory (tests/nanoBoardCheck.c): the pins and bits each label drives, the ADC's set-up and
 * reading, refusals that name the pin. The Cortex-M0+ image itself is only built
 * (ports/crossBuild.test.ts): no QEMU machine has a SAMD21. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

describe("the Cortex-M0+ port's pin driver (SAMD21 PORT and ADC, registers in memory)", function () {
  this.timeout(120_000);
  let program: string;
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-nano-board-"));
    program = path.join(dir, "nanoBoardCheck");
    execFileSync(process.env.CC || "cc", ["-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-o", program, path.join(__dirname, "tests/nanoBoardCheck.c")], { stdio: "pipe" });
  });

  it("drives the header's pins on the datasheet's registers and refuses pins the Nano lacks, by name", () => {
    let output: string;
    try {
      output = execFileSync(program, { encoding: "utf8" });
    } catch (e) {
      assert.fail(`nanoBoardCheck failed:\n${(e as { stdout?: string }).stdout ?? e}`);
    }
    const checks = output.split("\n").filter((l) => /^(ok|FAIL):/.test(l));
    assert.equal(checks.length, 23, output);
    assert.ok(checks.every((l) => l.startsWith("ok:")), output);
  });
});
