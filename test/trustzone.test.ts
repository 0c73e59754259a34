/** The TrustZone build (`snapfleet firmware build --target cortex-m33-tz`,
 * firmware/native/ports/mps2-an505-tz/) on QEMU's mps2-an505: the secure image starts, opens
 * the non-secure world and calls the device program there.
 * - The same scripted sessions give the same lines as on the plain Cortex-M33 build (which
 *   test/nativeEquivalence.test.ts holds to the TypeScript device).
 * - `connect` works with the link's UART and the storage in the secure world: the first app
 *   installed over the link from a co-processor (firmware/coprocessor/) runs, and boots again
 *   from the state the secure image kept after the board is reset.
 * - The boundary holds: the non-secure program reading the secure image's memory is stopped by
 *   the core (a SecureFault the secure image reports, status 70, nothing read), and an entry
 *   function refuses a buffer in secure memory instead of writing there.
 * - The secure image's own stack is analysed (from its reset, through the call into the
 *   non-secure world, into every entry function) and reserved as sizeBudget.json says.
 * Skipped, saying why, without qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import { execFileSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { ENGINE_ID } from "../core/compiler/engineId";
import { encodeDevicePackage } from "../core/contracts/devicePackage";
import { writeBuild } from "../core/contracts/buildOutput";
import { Coprocessor } from "../firmware/coprocessor/coprocessor";
import { BOARD_FAULT_STATUS, runQemuBoard, startQemuBoard } from "../firmware/native/ports/mps2-an505/qemuBoard";
import { InMemoryTransport } from "../firmware/transport";
import { buildM33Images, m33Unavailable, type M33Images } from "./support/m33Images";
import { waitFor } from "./support/waitFor";
import { skipIfUnavailable } from "./support/skipIfUnavailable";

const ROOT = path.resolve(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures/native-equivalence");
const PINS = ["A2=const:21.46", "A3=const:1.65"];
/** How long a board on a loaded machine may take to get somewhere (not a timing assertion). */
const WAIT_MS = 60_000;

describe("TrustZone build (cortex-m33-tz) on QEMU mps2-an505", function () {
  this.timeout(600_000);
  let plain: M33Images, trustZone: M33Images, secureSupervisor: M33Images;
  let buildOutput = "";
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  before(async function () {
    skipIfUnavailable(this, m33Unavailable());
    ({ plain, trustZone, secureSupervisor } = await buildM33Images((line) => (buildOutput += `${line}\n`)));
  });

  async function session(images: M33Images, entry: string, script: string): Promise<string[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-tz-"));
    dirs.push(dir);
    writeBuild(dir, await compileFeatures({ entry, secrets: entry.includes("grow-station") ? JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) : undefined }));
    const { status, stdout, stderr } = await runQemuBoard({ ...images, deviceArgs: ["run", "--build", dir, "--script", "-", ...PINS.flatMap((p) => ["--pin", p])] }, script);
    assert.equal(status, 0, `the board ended with status ${status}: ${stderr}`);
    return stdout.split("\n").filter(Boolean);
  }

  async function assertSameLines(entry: string, script: string, images = trustZone): Promise<string[]> {
    const expected = await session(plain, entry, script);
    const actual = await session(images, entry, script);
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      assert.equal(actual[i], expected[i], `line ${i + 1} differs (plain build ${expected.length} lines, TrustZone build ${actual.length})`);
    }
    return actual;
  }

  it("the grow-station session: the same lines as on the plain Cortex-M33 build", async () => {
    const lines = await assertSameLines(path.join(ROOT, "examples/grow-station/features/app.ts"), fs.readFileSync(path.join(FIXTURES, "grow-station.jsonl"), "utf8"));
    assert.ok(lines.includes('{"pin":"D5","value":true,"t":1700000005000}'), "the session ran: the grow light went on");
  });

  it("an app like the seed's examples (failing and runaway callbacks, JSON.parse, strings): the same lines", async () => {
    const lines = await assertSameLines(path.join(FIXTURES, "coded-logger/features/app.ts"), fs.readFileSync(path.join(FIXTURES, "coded-logger/script.jsonl"), "utf8"));
    assert.ok(lines.some((l) => l.includes("ran out of its instruction budget")), "the runaway callback is stopped");
  });

  async function probe(what: string) {
    return runQemuBoard({ ...trustZone, deviceArgs: ["--tz-probe", what] }, undefined, 60_000);
  }

  it("the non-secure program reading the secure image's memory: a SecureFault, reported by the secure image, status 70, nothing read", async () => {
    const { status, stdout, stderr } = await probe("read-secure");
    assert.equal(status, BOARD_FAULT_STATUS, `status ${status}: ${stdout}${stderr}`);
    assert.doesNotMatch(stdout, /readSecure/, "the read returned a value");
    // SFSR bit 3, AUVIOL: the security attribution unit stopped a non-secure access to a secure address
    const report = /snapfleet-device: fault in the non-secure image at pc 0x[0-9a-f]{8} .*SFSR 0x([0-9a-f]{8})/.exec(stderr);
    assert.ok(report, `the secure image's fault report: ${stderr}`);
    assert.ok(parseInt(report[1], 16) & 0x8, `SFSR ${report[1]} has AUVIOL`);
  });

  it("entry functions given a secure pointer, a buffer running into secure memory or a name too long refuse it; a non-secure buffer is filled", async () => {
    const { status, stdout, stderr } = await probe("entry-pointers");
    assert.equal(status, 0, stderr);
    // secureEntry.h: SF_SECURE_OK 0, SF_SECURE_REFUSED_POINTER -1, SF_SECURE_REFUSED_TEXT -2
    assert.deepEqual(JSON.parse(stdout.trim()), { nonSecureBuffer: 0, securePointer: -1, straddling: -1, linkWriteSecure: -1, storageNameSecure: -1, storageNameTooLong: -2 });
  });

  /** `connect` with a co-processor: the grow-station installed over the link runs, and boots from
   * the kept state after the board is killed and started again. */
  async function installAndReboot(images: M33Images) {
    const cloud = new InMemoryTransport();
    const coprocessors: Coprocessor[] = [];
    const server = net.createServer((socket) => void coprocessors.push(new Coprocessor({ link: socket, cloud, log: () => {} })));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-tz-state-"));
    dirs.push(stateDir);
    let board: ChildProcess | undefined;
    let console_ = "";
    const start = () => {
      console_ = "";
      board = startQemuBoard({ ...images, deviceArgs: ["connect", "--thing", "tz-1", "--state", stateDir, "--pin", "A2=const:21.46"], secondSerial: `tcp:127.0.0.1:${(server.address() as net.AddressInfo).port},reconnect=1` });
      board.stdout!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
      board.stderr!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
    };
    const readings = () => cloud.sent.filter((m) => m.topic.endsWith("/temperature/up")).length;
    try {
      start();
      await waitFor("the link to come up", () => coprocessors[0]?.session.up === true, WAIT_MS);
      const first = coprocessors[0];
      await waitFor("the empty board to say so", () => /no app installed; waiting for one over the link/.test(console_), WAIT_MS);
      const build = await compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets: JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) });
      const installed = await first.install(encodeDevicePackage(build.manifest, build.snapshots.device), { jobId: "job-1", version: build.manifest.version, engine: ENGINE_ID });
      assert.deepEqual(installed, { status: "SUCCEEDED" }, console_);
      await waitFor("readings from the app", () => readings() >= 2, WAIT_MS);
      assert.ok(fs.readdirSync(stateDir).length > 0, "the secure image wrote the state directory");

      board!.kill("SIGKILL");
      await new Promise((r) => board!.once("close", r));
      first.close();
      const count = coprocessors.length;
      start();
      await waitFor(`version ${build.manifest.version.slice(0, 12)} to boot from the kept state`, () => console_.includes(`starting version ${build.manifest.version}`), WAIT_MS);
      const before = readings();
      await waitFor("readings after the reset", () => coprocessors[count]?.session.up === true && readings() >= before + 2, WAIT_MS);
    } finally {
      board?.kill("SIGKILL");
      coprocessors.forEach((c) => c.close());
      server.close();
    }
  }

  it("connect: an app installed over the link (UART1 and the storage secure) runs, and boots again after a reset", () => installAndReboot(trustZone));

  it("the secure image's stack: analysed from its reset and every entry function, and reserved as sizeBudget.json says", () => {
    const budget = JSON.parse(fs.readFileSync(path.join(ROOT, "firmware/native/sizeBudget.json"), "utf8"))["cortex-m33-tz-secure"];
    const figures = /^  secure stack\s+([\d,]+) B .*needed ([\d,]+) \+ margin ([\d,]+) of ([\d,]+): fits$/m.exec(buildOutput);
    assert.ok(figures, `the build prints the secure stack's line:\n${buildOutput}`);
    const [reserved, needed, margin] = figures.slice(1, 4).map((n) => Number(n.replace(/,/g, "")));
    assert.equal(reserved, budget.stackBytes);
    assert.equal(margin, budget.stackMarginBytes);
    assert.ok(needed > 0 && needed + margin <= reserved, `needed ${needed} B + ${margin} B within ${reserved} B`);
    const sections = execFileSync("arm-none-eabi-size", ["-A", trustZone.image], { encoding: "utf8" });
    assert.equal(Number(/^\.stack\s+(\d+)/m.exec(sections)?.[1]), reserved, `secure.ld reserves the budget's stack:\n${sections}`);
    // The deepest path is the secure ELF's: its reset, the call into the non-secure world (libgcc's
    // BLXNS), then an entry function of secureEntry.h and what it calls, every one in that ELF.
    const deepest = /^secure stack, deepest path of the thread \(([\d,]+) B\): (.*)$/m.exec(buildOutput);
    assert.ok(deepest, buildOutput);
    const steps = deepest[2].split(" → ").map((step) => /^(.*) ([\d,]+)$/.exec(step)!).map(([, name, bytes]) => ({ name, bytes: Number(bytes.replace(/,/g, "")) }));
    assert.deepEqual(steps.slice(0, 3).map((s) => s.name), ["Reset_Handler", "__gnu_cmse_nonsecure_call", "[the non-secure world, BLXNS's return address and xPSR]"]);
    assert.equal(steps.reduce((sum, s) => sum + s.bytes, 0), Number(deepest[1].replace(/,/g, "")));
    const symbols = (elf: string) => new Set(execFileSync("arm-none-eabi-nm", [elf], { encoding: "utf8" }).split("\n").map((line) => line.split(" ").pop()!.replace(/\.\d+$/, "")));
    const secure = symbols(trustZone.image!), nonSecure = symbols(trustZone.nonSecureImage!);
    for (const { name } of steps.filter((s) => !s.name.startsWith("["))) assert.ok(secure.has(name), `${name} is a function of the secure image`);
    assert.ok(!nonSecure.has("__gnu_cmse_nonsecure_call"), "the non-secure image has no BLXNS: the path is not its");
    // sf_secure_host*: the host's, which the supervisor-secure build's secure image has instead
    const declared = [...fs.readFileSync(path.join(ROOT, "firmware/native/ports/mps2-an505-tz/secureEntry.h"), "utf8").matchAll(/^int (sf_secure_\w+)\(/gm)].map((m) => m[1]).filter((name) => !name.startsWith("sf_secure_host")).sort();
    assert.equal(declared.length, 7, "secureEntry.h's entry functions");
    assert.ok(declared.includes(steps[3].name), `the deepest path goes on into an entry function: ${steps[3].name}`);
    const entries = /^  entry functions, each on its own: (.*)$/m.exec(buildOutput);
    assert.ok(entries, buildOutput);
    const each = new Map(entries[1].split(", ").map((e) => /^(\S+) ([\d,]+)$/.exec(e)!).map(([, name, bytes]) => [name, Number(bytes.replace(/,/g, ""))]));
    assert.deepEqual([...each.keys()].sort(), declared, "every entry function of the boundary, found in the image");
    assert.equal(Math.max(...each.values()), steps.slice(3).reduce((sum, s) => sum + s.bytes, 0), "the deepest entry's own figure is its part of the path");
  });

  describe("the supervisor in the secure world (cortex-m33-tz-supervisor): the engine non-secure, the app's host calls entry functions", () => {
    it("the grow-station session: the same lines as on the plain Cortex-M33 build", async () => {
      const lines = await assertSameLines(path.join(ROOT, "examples/grow-station/features/app.ts"), fs.readFileSync(path.join(FIXTURES, "grow-station.jsonl"), "utf8"), secureSupervisor);
      assert.ok(lines.includes('{"pin":"D5","value":true,"t":1700000005000}'), "the session ran: the grow light went on");
    });

    it("the coded-logger session (failing and runaway callbacks, JSON.parse, strings, messages in): the same lines", async () => {
      const lines = await assertSameLines(path.join(FIXTURES, "coded-logger/features/app.ts"), fs.readFileSync(path.join(FIXTURES, "coded-logger/script.jsonl"), "utf8"), secureSupervisor);
      assert.ok(lines.some((l) => l.includes("ran out of its instruction budget")), "the runaway callback is stopped");
    });

    /** `--tz-probe WHAT=DIR` (ports/mps2-an505-tz-supervisor/secure/boundaryProbe.c): the grow-station
     * run, the engine probing the boundary when it starts. */
    async function engineProbe(what: string) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-tz-probe-"));
      dirs.push(dir);
      writeBuild(dir, await compileFeatures({ entry: path.join(ROOT, "examples/grow-station/features/app.ts"), secrets: JSON.parse(fs.readFileSync(path.join(ROOT, "examples/grow-station/dev-secrets.json"), "utf8")) }));
      return runQemuBoard({ ...secureSupervisor, deviceArgs: ["--tz-probe", `${what}=${dir}`] }, "", 60_000);
    }

    it("the engine reading the supervisor's memory: a SecureFault reported as the engine's with its pc, nothing read; the supervisor goes on, the restarted engine runs the app again", async () => {
      const { status, stdout, stderr } = await engineProbe("engine-read-secure");
      assert.equal(status, 0, `the board went on and ended by itself: ${stdout}${stderr}`);
      assert.doesNotMatch(stdout, /readSecure/, "the read returned a value");
      const lines = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { failure?: string; fatal?: boolean; echo?: string });
      const failed = lines.findIndex((l) => l.failure?.includes("the engine image faulted (the report is on the debug console); the engine was restarted"));
      assert.ok(failed >= 0 && lines[failed].fatal, `the fault, fatal for the app:\n${stdout}`);
      assert.ok(lines.slice(failed).some((l) => l.echo === "[app] wifi: credentials provisioned"), `the app started again after it:\n${stdout}`);
      const report = /snapfleet-device: fault in the engine image \(non-secure\) at pc 0x([0-9a-f]{8}) .*SFSR 0x([0-9a-f]{8})/.exec(stderr);
      assert.ok(report, `the secure image's report of the engine's fault: ${stderr}`);
      assert.ok(parseInt(report[2], 16) & 0x8, `SFSR ${report[2]} has AUVIOL`);
      // the pc of the engine's frame (its stack, not the secure one's): in the probe's function
      const probe = execFileSync("arm-none-eabi-nm", ["-S", secureSupervisor.nonSecureImage!], { encoding: "utf8" }).split("\n").map((l) => l.split(" ")).find((f) => f[3] === "sf_readSecureProbe");
      assert.ok(probe, "sf_readSecureProbe in the engine image");
      const pc = parseInt(report[1], 16), start = parseInt(probe[0], 16);
      assert.ok(pc >= start && pc < start + parseInt(probe[1], 16), `pc 0x${report[1]} is in sf_readSecureProbe (0x${probe[0]}, ${parseInt(probe[1], 16)} B)`);
    });

    it("the engine running its stack into its limit (MSPLIM_NS): the core stops it, the secure image reports the engine's fault, ends the call and restarts the engine, which runs the app again", async () => {
      const { status, stdout, stderr } = await engineProbe("engine-overflow");
      assert.equal(status, 0, `the board went on and ended by itself: ${stdout}${stderr}`);
      const lines = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { failure?: string; fatal?: boolean; echo?: string });
      const failed = lines.findIndex((l) => l.failure?.includes("the engine image faulted (the report is on the debug console); the engine was restarted"));
      assert.ok(failed >= 0 && lines[failed].fatal, `the overflow, fatal for the app:\n${stdout}`);
      assert.ok(lines.slice(failed).some((l) => l.echo === "[app] wifi: credentials provisioned"), `the app started again after it:\n${stdout}`);
      // the engine has no UsageFault handler: its stack-limit fault (UFSR.STKOF, the engine's own
      // bank) is escalated to the secure HardFault (HFSR.FORCED), reported as the engine's, named
      const report = /snapfleet-device: fault in the engine image \(non-secure\) at .*HFSR 0x([0-9a-f]{8}).*\): the engine's stack ran into its limit \(MSPLIM_NS; its UFSR\.STKOF\), the frame above is incomplete$/m.exec(stderr);
      assert.ok(report, `the secure image's report of the engine's overflow: ${stderr}`);
      assert.ok(parseInt(report[1], 16) & 0x40000000, `HFSR ${report[1]} has FORCED`);
    });

    it("an app callback that never returns: the secure watchdog ends the call, the supervisor reports the app failed, the restarted engine runs the app again", async () => {
      const { status, stdout, stderr } = await engineProbe("engine-hang");
      assert.equal(status, 0, `the board went on and ended by itself: ${stderr}`);
      const lines = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { failure?: string; fatal?: boolean; echo?: string });
      const failed = lines.findIndex((l) => l.failure?.includes("did not return within the engine watchdog's time; the engine was restarted"));
      assert.ok(failed >= 0 && lines[failed].fatal, `the watchdog's failure, fatal for the app:\n${stdout}`);
      assert.ok(lines.slice(failed).some((l) => l.echo === "[app] wifi: credentials provisioned"), `the app started again after it (a second session, no probe):\n${stdout}`);
    });

    it("the host's entry functions refuse a secure address for a text or an out-parameter, and the supervisor a forged handle", async () => {
      const { status, stdout, stderr } = await engineProbe("host-entries");
      assert.equal(status, 0, stderr);
      const logged = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { echo?: string }).find((l) => l.echo?.startsWith("[app] {"));
      assert.ok(logged, `the probe's line in the app's log:\n${stdout}`);
      // secureEntry.h: SF_SECURE_REFUSED_POINTER -1, SF_SECURE_THREW 1; channelSend's status 1: SendStatus.InvalidHandle
      assert.deepEqual(JSON.parse(logged.echo!.slice("[app] ".length)), {
        logSecureText: -1, pinOpenSecureName: -1, pinOpenSecureHandle: -1, networkRequestSecureHandle: -1, channelSendSecureJson: -1,
        settingSetSecureString: -1, settingSetSecureValue: -1, pinReadSecureValue: -1, errorSecureBuffer: -1,
        pinReadForged: 1, channelSendForged: 0, channelSendForgedStatus: 1, pinReadForgedError: "invalid pin handle 4242",
      });
    });

    it("connect: the grow-station installed over the link runs, and boots again from the secure state after a reset", () => installAndReboot(secureSupervisor));

    it("both images' stacks are analysed: the secure one's through the call into the engine and a host entry function, the engine's from its request server, each within its reserve", () => {
      const output = buildOutput.slice(buildOutput.indexOf("size of the cortex-m33-tz-supervisor image"));
      const number = (text: string) => Number(text.replace(/,/g, ""));
      const budgets = JSON.parse(fs.readFileSync(path.join(ROOT, "firmware/native/sizeBudget.json"), "utf8"));
      const secure = /^  stack\s+([\d,]+) B .*needed ([\d,]+) \+ margin ([\d,]+) of ([\d,]+): fits$/m.exec(output);
      assert.ok(secure, `the secure image's stack line:\n${output}`);
      assert.equal(number(secure[1]), budgets["cortex-m33"].stackBytes);
      const deepest = /^stack, deepest path of the thread \(([\d,]+) B\): (.*)$/m.exec(output);
      assert.ok(deepest, output);
      const names = deepest[2].split(" → ").map((step) => step.replace(/ [\d,]+$/, ""));
      const blxns = names.indexOf("__gnu_cmse_nonsecure_call");
      assert.ok(blxns > 0 && names[blxns + 1].startsWith("[the non-secure world") && names[blxns + 2].startsWith("sf_secure_host"), `through the engine into a host entry: ${deepest[2]}`);
      const engine = /^  engine stack needed ([\d,]+) \(with a secure interrupt's frame\) \+ margin ([\d,]+) of ([\d,]+): fits$/m.exec(output);
      assert.ok(engine, `the engine image's stack line:\n${output}`);
      assert.equal(number(engine[3]), budgets["cortex-m33-tz-engine"].stackBytes);
      assert.ok(number(engine[1]) + number(engine[2]) <= number(engine[3]));
      assert.match(output, /^  engine stack, deepest path \([\d,]+ B\): sf_engineServer_serve /m);
      const sections = execFileSync("arm-none-eabi-size", ["-A", secureSupervisor.nonSecureImage!], { encoding: "utf8" });
      assert.equal(Number(/^\.stack\s+(\d+)/m.exec(sections)?.[1]), budgets["cortex-m33-tz-engine"].stackBytes, `engine.ld reserves the budget's stack:\n${sections}`);
    });
  });

  it("the plain image has no boundary to probe and says so", async () => {
    const { status, stderr } = await runQemuBoard({ ...plain, deviceArgs: ["--tz-probe", "read-secure"] }, undefined, 60_000);
    assert.equal(status, 2);
    assert.match(stderr, /this image has no TrustZone boundary \(build it with --target cortex-m33-tz\)/);
  });
});
