/** The link's session layer (firmware/native/link/linkSession.c) on this machine: two sessions
 * back to back through a wire that drops, corrupts and cuts bytes, and restarts of either side
 * (tests/linkCheck.c). The build checks link/ freestanding; this runs it. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const LINK = __dirname;

describe("the link between the MCU and the co-processor (C side)", function () {
  this.timeout(120_000);
  let program: string;
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-link-"));
    program = path.join(dir, "linkCheck");
    const sources = ["tests/linkCheck.c", "linkSession.c", "linkFrame.c"].map((f) => path.join(LINK, f));
    execFileSync(process.env.CC || "cc", ["-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-o", program, ...sources], { stdio: "pipe" });
  });

  it("delivers every message once and in order through damage, an outage and restarts of either side (frames of every length decode)", () => {
    let output: string;
    try {
      output = execFileSync(program, { encoding: "utf8" });
    } catch (e) {
      assert.fail(`linkCheck failed:\n${(e as { stdout?: string }).stdout ?? e}`);
    }
    const checks = output.split("\n").filter((l) => /^(ok|FAIL):/.test(l));
    assert.equal(checks.length, 10, output);
    assert.ok(checks.every((l) => l.startsWith("ok:")), output);
  });
});
