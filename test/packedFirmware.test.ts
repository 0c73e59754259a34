/** The native device builds from what `npm pack` ships (package.json `files`): the C sources, the
 * build script and the few sources it generates headers from, with nothing taken from this
 * checkout. The tarball is unpacked next to this repository's node_modules (its dependencies, as
 * an install would provide them; microvium's C source is found through them), then the packed
 * CLI builds the device program into a project of its own and runs the project's snapshot on it.
 * test/packedInstall.test.ts does the same after a real `npm install` when the npm cache has every
 * dependency; this test needs no install, so it runs offline everywhere. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const ROOT = path.join(__dirname, "..");
const run = promisify(execFile);

describe("the packed package builds and runs the native device", function () {
  this.timeout(20 * 60_000);
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), "sf-packed-firmware-"));
  const packageDir = path.join(temp, "unpacked", "package");
  const project = path.join(temp, "greenhouse");
  const cli = (args: string[]) => run(process.execPath, [path.join(packageDir, "bin/snapfleet.js"), ...args], { cwd: project, maxBuffer: 64 * 1024 * 1024 });
  after(() => fs.rmSync(temp, { recursive: true, force: true }));

  before(async () => {
    await run(process.execPath, [path.join(ROOT, "scripts/build.mjs")], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", temp], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const tarball = path.join(temp, JSON.parse(stdout)[0].filename);
    fs.mkdirSync(path.dirname(packageDir), { recursive: true });
    await run("tar", ["-xzf", tarball, "-C", path.dirname(packageDir)]);
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(packageDir, "node_modules"));
    fs.cpSync(path.join(__dirname, "fixtures/own-project/features"), path.join(project, "features"), { recursive: true });
  });

  it("ships the native sources and the build script, not their tests", () => {
    for (const file of ["scripts/build-firmware.mjs", "firmware/native/core/vm.c", "firmware/native/ports/posix/main.c", "core/engine/glue/engineSettings.h", "core/runtime/hostIds.ts"]) {
      assert.ok(fs.existsSync(path.join(packageDir, file)), `${file} missing from the package`);
    }
    // Every script the shipped scripts import is shipped too (a new generator left out of `files`
    // otherwise fails only when a user builds firmware).
    const scripts = path.join(packageDir, "scripts");
    for (const script of fs.readdirSync(scripts)) {
      for (const [, imported] of fs.readFileSync(path.join(scripts, script), "utf8").matchAll(/from "\.\/([^"]+)"/g)) {
        assert.ok(fs.existsSync(path.join(scripts, imported)), `scripts/${script} imports scripts/${imported}, missing from the package (package.json "files")`);
      }
    }
    for (const absent of ["firmware/native/nativeDevice.test.ts", "firmware/native/ota/tests", "firmware/native/ports/posix/fuzz", "core/compiler", "test"]) {
      assert.ok(!fs.existsSync(path.join(packageDir, absent)), `${absent} should not be in the package`);
    }
  });

  it("snapfleet firmware build --target posix, then run-device --runtime native on the project's build", async () => {
    await cli(["build", "features/app.ts"]);
    const built = await cli(["firmware", "build", "--target", "posix", "--force"]);
    assert.match(built.stderr, /build-firmware: build\/firmware\/posix\/snapfleet-device \d+ bytes/);
    assert.ok(fs.statSync(path.join(project, "build/firmware/posix/snapfleet-device")).size > 100_000, "the program is in the project, not in the package");
    assert.ok(!fs.existsSync(path.join(packageDir, "build")), "nothing written into the package");
    const { stdout, stderr } = await cli(["run-device", "build/", "--runtime", "native", "--seconds", "2", "--pin", "A2=const:21.54"]);
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.ok(lines.length >= 3, `expected a reading every 200 ms for 2 s:\n${stdout}\n${stderr}`);
    for (const line of lines) assert.deepEqual([line.channel, line.value], ["temperature", 21.5], "the feature rounds the pin's 21.54 to one decimal");
  });
});
