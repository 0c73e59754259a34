/** The native device under valgrind memcheck: a scripted session (boot, timers, pin writes,
 * messages in and out, a failing and a runaway callback, JSON.parse, an outage, a malformed
 * message, stop), one that ends in a fatal engine error (the stopped VM freed whole) and one of
 * QoS 1 messages out of order (supervisor/reorderBuffer.c), with no
 * memory error and no definite leak. About 15 s, so they run in npm test;
 * native-net's test:slow runs the networked device with OTA and rollbacks under memcheck too. */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { writeBuild } from "../core/contracts/buildOutput";
import { endInput } from "../firmware/native/childInput";

const ROOT = path.resolve(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures/native-equivalence");

/** Runs a scripted session under memcheck; exit 99 when valgrind found an error or a definite leak. */
function memcheck(program: string, buildDir: string, script: string, pins: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = ["--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite", program, "run", "--build", buildDir, "--script", "-", ...pins.flatMap((pin) => ["--pin", pin])];
  return new Promise((resolve) => {
    const child = execFile("valgrind", args, { maxBuffer: 64 * 1024 * 1024 }, (error, out, err) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }));
    endInput(child, script);
  });
}

describe("native device under valgrind memcheck", function () {
  this.timeout(600_000);
  let program: string;
  let dir: string;

  before(async () => {
    try {
      execFileSync("valgrind", ["--version"], { stdio: "ignore" });
    } catch {
      throw new Error("valgrind is missing: sudo apt-get install valgrind");
    }
    const { buildFirmware } = await import(path.join(ROOT, "scripts/build-firmware.mjs") as string);
    ({ program } = await buildFirmware({ log: () => {} }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-memcheck-"));
    writeBuild(dir, await compileFeatures({ entry: path.join(FIXTURES, "coded-logger/features/app.ts") }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a scripted session: no invalid read or write, no use of uninitialised memory, nothing definitely lost", async () => {
    const script = fs.readFileSync(path.join(FIXTURES, "coded-logger/script.jsonl"), "utf8");
    const { code, stdout, stderr } = await memcheck(program, dir, script, ["A2=const:21.46"]);
    assert.equal(code, 0, `valgrind reported errors (exit ${code}):\n${stderr.slice(-4000)}`);
    assert.match(stderr, /ERROR SUMMARY: 0 errors/);
    assert.doesNotMatch(stderr, /definitely lost: [1-9]/);
    // The session really ran: the failing and the runaway callback happened, the device stopped.
    assert.match(stdout, /bad command: fail/);
    assert.match(stdout, /ran out of its instruction budget/);
    assert.match(stdout.trim().split("\n").pop()!, /"online":false/);
  });

  it("a fatal engine error: the stopped VM's memory is released whole, nothing lost", async () => {
    const hoarder = fs.mkdtempSync(path.join(os.tmpdir(), "sf-memcheck-"));
    try {
      writeBuild(hoarder, await compileFeatures({ entry: path.join(FIXTURES, "hoarder/features/app.ts") }));
      const script = fs.readFileSync(path.join(FIXTURES, "hoarder/script.jsonl"), "utf8");
      const { code, stdout, stderr } = await memcheck(program, hoarder, script);
      assert.equal(code, 0, `valgrind reported errors (exit ${code}):\n${stderr.slice(-4000)}`);
      assert.match(stderr, /ERROR SUMMARY: 0 errors/);
      assert.match(stdout, /"fatal":true/, "the session reached the fatal error");
    } finally {
      fs.rmSync(hoarder, { recursive: true, force: true });
    }
  });

  it("QoS 1 messages out of order: held copies, gaps, late ones, chains cleared at stop with messages still waiting", async () => {
    const reorder = fs.mkdtempSync(path.join(os.tmpdir(), "sf-memcheck-"));
    try {
      writeBuild(reorder, await compileFeatures({ entry: path.join(FIXTURES, "reorder/features/app.ts") }));
      const { code, stdout, stderr } = await memcheck(program, reorder, fs.readFileSync(path.join(FIXTURES, "reorder/script.jsonl"), "utf8"));
      assert.equal(code, 0, `valgrind reported errors (exit ${code}):\n${stderr.slice(-4000)}`);
      assert.match(stderr, /ERROR SUMMARY: 0 errors/);
      assert.match(stdout, /"gapsSkipped":3,"lateDropped":1,"heldMessages":0/, "the session held, gave up and dropped messages, waited across a link outage, and ended with none waiting");
    } finally {
      fs.rmSync(reorder, { recursive: true, force: true });
    }
  });
});
