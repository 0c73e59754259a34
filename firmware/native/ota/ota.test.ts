/** ota/ in C on real device packages: SHA-256 against OpenSSL, and the slots, trials,
 * rollbacks and power cuts of ota/tests/otaCheck.c (see there). */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ENGINE_ID } from "../../../core/compiler/engineId";
import { encodeDevicePackage } from "../../../core/contracts/devicePackage";
import { compileNativeApp } from "../../../test/support/nativeFleet";

const run = promisify(execFile);

describe("firmware/native/ota (C)", function () {
  this.timeout(120_000);
  let dir: string;
  let checks: { compileCheck(o: { main: string; out: string; sources?: string[]; libs?: string[] }): Promise<string>; root: string };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-ota-c-"));
    checks = await import(path.join(__dirname, "../../../scripts/firmwareChecks.mjs"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("computes SHA-256 as OpenSSL does on every length from 0 to 1100 bytes and large inputs, whole and in pieces", async () => {
    const program = await checks.compileCheck({ main: path.join(__dirname, "tests/sha256Check.c"), sources: [path.join(__dirname, "sha256.c")], out: path.join(dir, "sha256Check"), libs: ["-lcrypto"] });
    const { stdout } = await run(program);
    assert.match(stdout, /^sha256: 1105 inputs match OpenSSL$/m);
  });

  it("keeps a consistent slot through failed starts, crash loops, damaged storage and a power cut at every write", async () => {
    const [v1, v2] = await Promise.all([compileNativeApp(`  api.mcu.setInterval(() => api.log("one"), 1000);`), compileNativeApp(`  api.mcu.setInterval(() => api.log("two"), 1000);`)]);
    const files = [v1, v2].map((build, i) => {
      const file = path.join(dir, `v${i + 1}.sfpk`);
      fs.writeFileSync(file, encodeDevicePackage(build.manifest, build.snapshots.device).bytes);
      return file;
    });
    const program = await checks.compileCheck({ main: path.join(__dirname, "tests/otaCheck.c"), out: path.join(dir, "otaCheck") });
    const { stdout } = await run(program, [...files, ENGINE_ID]);
    assert.match(stdout, /^ota: \d+ checks passed \(power cut at each of \d+ writes of an install\)$/m);
  });

  it("refuses a package built for another board, in the TypeScript device's words: at install (the running slot untouched) and at boot", async () => {
    const body = `  api.mcu.setInterval(() => api.log("tick"), 1000);`;
    const [simulated, esp32] = await Promise.all([compileNativeApp(body), compileNativeApp(body.replace("tick", "tock"), "esp32-devkitc")]);
    assert.equal(esp32.manifest.board, "esp32-devkitc");
    // an older manifest names no board: the default one
    const { board: _named, ...unnamed } = simulated.manifest;
    const files = [
      [simulated.manifest, simulated],
      [esp32.manifest, esp32],
      [unnamed, simulated],
    ].map(([manifest, build], i) => {
      const file = path.join(dir, `board-${i}.sfpk`);
      fs.writeFileSync(file, encodeDevicePackage(manifest as typeof simulated.manifest, (build as typeof simulated).snapshots.device).bytes);
      return file;
    });
    const program = await checks.compileCheck({ main: path.join(__dirname, "tests/boardCheck.c"), out: path.join(dir, "boardCheck") });
    const { stdout } = await run(program, [...files, ENGINE_ID]);
    assert.match(stdout, /^board: \d+ checks passed$/m);
  });
});
