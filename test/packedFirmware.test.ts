/** The device firmware builds from what `npm pack` ships (package.json `files`): the C sources,
 * the build script and the few sources it generates headers from, the ports' linker scripts and
 * startup code, the size budget, with nothing taken from this checkout. The tarball is unpacked
 * next to this repository's dependencies (as an install would provide them; microvium's C source
 * is found through them), then the packed CLI builds the native program and the Cortex-M images
 * into a project of its own and runs the project's snapshot on them, the M33 image on QEMU's
 * emulated board, alone and under `snapfleet dev` with its network co-processor. Every command
 * runs with the checkout hidden where the machine allows it (support/hiddenCheckout.ts), and no
 * build may name a file in it. test/packedInstall.test.ts does the same after a real `npm install`
 * when the npm cache has every dependency; this test needs no install, so it runs offline
 * everywhere. The Cortex-M part takes 2.5-4 minutes: it is in `npm run test:slow` (@slow). */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { crossToolchainUnavailable } from "./support/crossToolchain";
import { hideCheckout, type HiddenCheckout } from "./support/hiddenCheckout";
import { m33Unavailable } from "./support/m33Images";
import { waitFor } from "./support/waitFor";
import { skipIfUnavailable } from "./support/skipIfUnavailable";

const ROOT = path.join(__dirname, "..");
const run = promisify(execFile);

/** A session the native program and the QEMU board must answer line for line: readings, a pin
 * change, the fan command both ways (a pin write and a log line each). */
const SCRIPT = [{ advance: 1000 }, { deliver: "fan", value: true }, { pin: "A2=const:30.04" }, { advance: 600 }, { deliver: "fan", value: false }];

describe("the packed package builds and runs the device firmware", function () {
  this.timeout(20 * 60_000);
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), "sf-packed-firmware-"));
  const packageDir = path.join(temp, "unpacked", "package");
  const project = path.join(temp, "greenhouse");
  let checkout: HiddenCheckout;
  // No loader or module path of this checkout's test run (NODE_OPTIONS: tsx) reaches the CLI.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== "NODE_OPTIONS" && key !== "NODE_PATH"));
  const cli = (args: string[]) => {
    const [command, wrapped] = checkout.wrap(process.execPath, [path.join(packageDir, "bin/snapfleet.js"), ...args]);
    // A failure names the command as the user typed it, not the namespace's wrapping.
    return run(command, wrapped, { cwd: project, env, maxBuffer: 64 * 1024 * 1024 }).catch((e: { code: unknown; stdout: string; stderr: string }) => {
      throw new Error(`snapfleet ${args.join(" ")} exited ${e.code}\n--- stdout\n${e.stdout.slice(-4000)}\n--- stderr\n${e.stderr.slice(-4000)}`);
    });
  };
  /** What a build wrote names no file of the checkout (its dependencies aside). */
  const builtFromThePackage = (...files: string[]) => {
    for (const file of files) assert.deepEqual(checkout.checkoutPathsIn(path.join(project, file)), [], `${file} was built from files of the checkout`);
  };
  after(() => fs.rmSync(temp, { recursive: true, force: true }));

  before(async () => {
    await run(process.execPath, [path.join(ROOT, "scripts/build.mjs")], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", temp], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const tarball = path.join(temp, JSON.parse(stdout)[0].filename);
    fs.mkdirSync(path.dirname(packageDir), { recursive: true });
    await run("tar", ["-xzf", tarball, "-C", path.dirname(packageDir)]);
    checkout = hideCheckout(ROOT, packageDir, temp);
    if (checkout.visible) console.log(`      the checkout stays visible to the packed CLI: ${checkout.visible}; only the builds' file names are checked`);
    fs.cpSync(path.join(__dirname, "fixtures/own-project/features"), path.join(project, "features"), { recursive: true });
    fs.writeFileSync(path.join(temp, "session.jsonl"), SCRIPT.map((step) => JSON.stringify(step)).join("\n"));
    await cli(["build", "features/app.ts"]);
  });

  it("ships the native sources, the ports and the build script, not their tests", () => {
    const shipped = [
      ...["scripts/build-firmware.mjs", "firmware/native/core/vm.c", "firmware/native/ports/posix/main.c", "core/engine/glue/engineSettings.h", "core/runtime/hostIds.ts"],
      ...["firmware/native/sizeBudget.json", "firmware/native/stackCalls.json", "firmware/native/ports/mps2-an505/mps2-an505.ld", "firmware/native/ports/mps2-an505/startup.c", "firmware/native/ports/cortex-m0plus/cortex-m0plus.ld"],
      "dist/firmware/coprocessor/coprocessorMain.js", // the QEMU board's network co-processor (dev --device-runtime qemu)
    ];
    for (const file of shipped) assert.ok(fs.existsSync(path.join(packageDir, file)), `${file} missing from the package`);
    // Every script the shipped scripts import is shipped too (a new generator left out of `files`
    // otherwise fails only when a user builds firmware).
    const scripts = path.join(packageDir, "scripts");
    for (const script of fs.readdirSync(scripts)) {
      for (const [, imported] of fs.readFileSync(path.join(scripts, script), "utf8").matchAll(/from "\.\/([^"]+)"/g)) {
        assert.ok(fs.existsSync(path.join(scripts, imported)), `scripts/${script} imports scripts/${imported}, missing from the package (package.json "files")`);
      }
    }
    for (const absent of ["firmware/native/nativeDevice.test.ts", "firmware/native/ota/tests", "firmware/native/ports/posix/fuzz", "firmware/native/ports/mps2-an505/qemuBoard.ts", "core/compiler", "test"]) {
      assert.ok(!fs.existsSync(path.join(packageDir, absent)), `${absent} should not be in the package`);
    }
  });

  it("snapfleet firmware build --target posix, then run-device --runtime native on the project's build", async () => {
    const built = await cli(["firmware", "build", "--target", "posix", "--force"]);
    assert.match(built.stderr, /build-firmware: build\/firmware\/posix\/snapfleet-device \d+ bytes/);
    assert.ok(fs.statSync(path.join(project, "build/firmware/posix/snapfleet-device")).size > 100_000, "the program is in the project, not in the package");
    assert.ok(!fs.existsSync(path.join(packageDir, "build")), "nothing written into the package");
    builtFromThePackage("build/firmware/posix/snapfleet-device");
    const { stdout, stderr } = await cli(["run-device", "build/", "--runtime", "native", "--seconds", "2", "--pin", "A2=const:21.54"]);
    const lines = stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.ok(lines.length >= 3, `expected a reading every 200 ms for 2 s:\n${stdout}\n${stderr}`);
    for (const line of lines) assert.deepEqual([line.channel, line.value], ["temperature", 21.5], "the feature rounds the pin's 21.54 to one decimal");
  });

  describe("the Cortex-M targets @slow", function () {
    before(function () {
      // As root the build installs the cross toolchain itself.
      skipIfUnavailable(this, process.getuid?.() === 0 ? undefined : crossToolchainUnavailable());
    });

    for (const target of ["cortex-m33", "cortex-m0plus"]) {
      it(`snapfleet firmware build --target ${target}: the image in the project and its size table`, async () => {
        const { stderr } = await cli(["firmware", "build", "--target", target, "--force"]);
        assert.match(stderr, new RegExp(`^build-firmware: build/firmware/${target}/snapfleet-device\\.elf for ${target} `, "m"));
        assert.match(stderr, new RegExp(`^size of the ${target} image \\(budget: firmware/native/sizeBudget\\.json "${target}"\\)$`, "m"));
        assert.match(stderr, /^flash\n(.*\n)*  total +[\d,]+ B/m);
        assert.match(stderr, /^RAM\n(.*\n)*  stack .*fits\n(.*\n)*  total +[\d,]+ B/m);
        assert.ok(!fs.existsSync(path.join(packageDir, "build")), "nothing written into the package");
        builtFromThePackage(`build/firmware/${target}/snapfleet-device.elf`, `build/firmware/${target}/snapfleet-device.map`);
      });
    }

    describe("on QEMU", function () {
      before(function () {
        skipIfUnavailable(this, m33Unavailable());
      });

      it("run-device build/ --runtime qemu --seconds 2: the readings as the native runtime's JSON lines", async () => {
        const pins = ["--pin", "A2=const:21.54"];
        const native = await cli(["run-device", "build/", "--runtime", "native", "--seconds", "2", ...pins]);
        const board = await cli(["run-device", "build/", "--runtime", "qemu", "--seconds", "2", ...pins]);
        const shape = (stdout: string) => stdout.trim().split("\n").map((line) => JSON.parse(line)).map(({ channel, value, ...rest }) => ({ channel, value, keys: Object.keys(rest) }));
        const expected = shape(native.stdout)[0];
        assert.deepEqual(expected, { channel: "temperature", value: 21.5, keys: ["id", "t"] }, native.stdout);
        const lines = shape(board.stdout);
        assert.ok(lines.length > 0, `no reading from the board:\n${board.stderr}`);
        for (const line of lines) assert.deepEqual(line, expected, board.stdout);
        assert.match(board.stderr, /^\[app\] greenhouse started$/m);
        assert.match(board.stderr, /^stopped; VM heap \d+ B \(peak \d+ B\), 0 app errors$/m);
      });

      it("a scripted session: the same lines from the native program, the M33 image and the supervisor-secure build", async () => {
        const session = (...flags: string[]) => cli(["run-device", "build/", "--script", path.join(temp, "session.jsonl"), "--pin", "A2=const:21.54", ...flags]);
        const native = await session("--runtime", "native");
        assert.match(native.stdout, /^\{"pin":"D3","value":true,"t":1700000001000\}$/m, "the fan command reached the relay");
        assert.equal((await session("--runtime", "qemu")).stdout, native.stdout);
        assert.equal((await session("--runtime", "qemu", "--target", "cortex-m33-tz-supervisor")).stdout, native.stdout);
        builtFromThePackage(...["snapfleet-device.elf", "snapfleet-device.map", "snapfleet-device-engine.elf"].map((file) => `build/firmware/cortex-m33-tz-supervisor/${file}`));
      });

      it("snapfleet dev --device-runtime qemu: the board and its network co-processor (the package's compiled JS) install the app over the link", async () => {
        const [command, args] = checkout.wrap(process.execPath, [path.join(packageDir, "bin/snapfleet.js"), "dev", "features/app.ts", "--device-runtime", "qemu", "--devices", "1", "--port", "0", "--pin", "A2=const:21.54"]);
        const child = spawn(command, args, { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (out += c.toString()));
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        try {
          await waitFor("the app installed on the board, its reading in the status table", () => /SUCCEEDED +temperature = 21\.5/.test(out) || child.exitCode !== null, 180_000);
          assert.match(out, /^\[sim-1\] \[coprocessor\] link up$/m);
          assert.match(out, /^\[sim-1\] \[app\] greenhouse started$/m);
          assert.match(out, /SUCCEEDED +temperature = 21\.5/, out);
          child.kill("SIGINT");
          assert.equal(await exited, 0, out);
        } finally {
          child.kill("SIGKILL");
        }
      });
    });
  });
});
