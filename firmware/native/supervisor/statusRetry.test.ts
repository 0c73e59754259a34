/** Issue 12: the MCU's status reaches the broker after an app switch that happens while the link
 * to the co-processor has no room (16 publishes unacknowledged, or its frame queue full): the
 * supervisor keeps the latest status and sends it at the next acknowledgement or turn of the loop;
 * the app's messages and log lines refused as busy wait in the outbox the same way, in order, and
 * the default in-flight window leaves the link room; a subscription the link can't keep stops the
 * start in words (tests/statusRetryCheck.c: the real supervisor, app and link against a scripted
 * co-processor). */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { assertChecksPassed } from "../../../test/support/cChecks";

const NATIVE = path.join(__dirname, "..");
const ROOT = path.join(NATIVE, "../..");

describe("the MCU's status when the link has no room (C)", function () {
  this.timeout(180_000);
  let dir: string;
  let program: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-status-retry-"));
    const { ENGINE_DIR, GLUE, generatedHeaders } = await import(path.join(ROOT, "scripts/build-firmware.mjs"));
    const { patchEngine } = await import(path.join(ROOT, "scripts/enginePatches.mjs"));
    const gen = path.join(dir, "gen");
    fs.mkdirSync(gen);
    fs.writeFileSync(path.join(gen, "microvium.c"), patchEngine(fs.readFileSync(path.join(ENGINE_DIR, "microvium.c"), "utf8")));
    for (const [name, text] of Object.entries(generatedHeaders() as Record<string, string>)) fs.writeFileSync(path.join(gen, name), text);
    const cc = process.env.CC || "cc";
    const includes = ["-I", gen, "-I", path.join(NATIVE, "core"), "-I", ENGINE_DIR, "-I", GLUE];
    const engine = path.join(dir, "microvium.o");
    // third-party source: its warnings are not ours to fix (scripts/build-firmware.mjs does the same)
    await promisify(execFile)(cc, ["-std=gnu11", "-O1", "-g", "-w", ...includes, "-c", path.join(gen, "microvium.c"), "-o", engine]);
    const cFiles = (sub: string) => fs.readdirSync(path.join(NATIVE, sub)).filter((f) => f.endsWith(".c")).map((f) => path.join(NATIVE, sub, f));
    const sources = [
      path.join(NATIVE, "supervisor/tests/statusRetryCheck.c"),
      ...cFiles("supervisor"),
      ...cFiles("core"),
      ...["linkNet.c", "linkSession.c", "linkFrame.c"].map((f) => path.join(NATIVE, "link", f)),
      path.join(NATIVE, "ports/posix/platform.c"),
      path.join(GLUE, "numberFormat.c"),
    ];
    program = path.join(dir, "statusRetryCheck");
    await promisify(execFile)(cc, ["-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-D_POSIX_C_SOURCE=200809L", ...includes, ...sources, engine, "-lm", "-Wl,--wrap=hal_malloc", "-o", program], { maxBuffer: 8 * 1024 * 1024 });
    // a real app: the coded logger of the equivalence tests (pins, timers, QoS 1 channels)
    const app = path.join(ROOT, "test/fixtures/native-equivalence/coded-logger/features/app.ts");
    execFileSync(process.execPath, [path.join(ROOT, "bin/snapfleet.js"), "build", app, "--out", path.join(dir, "app")], { cwd: ROOT, stdio: "pipe" });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs one scenario of statusRetryCheck.c; all its checks must have run and passed. */
  async function runChecks(scenario: "status" | "outbox" | "full" | "nomemory", expected: number) {
    let output: string;
    try {
      output = (await promisify(execFile)(program, [path.join(dir, "app/manifest.json"), path.join(dir, "app/device.snap"), scenario])).stdout;
    } catch (e) {
      assert.fail(`statusRetryCheck ${scenario} failed:\n${(e as { stdout?: string }).stdout ?? e}`);
    }
    assertChecksPassed(output, expected);
  }

  it("sends the latest status once there is room: at the next acknowledgement, or at a later turn with none", async () => {
    await runChecks("status", 8);
  });

  it("keeps the app's messages and log lines the link refuses as busy and sends them in order once there is room; drops only over the outbox's bound", async () => {
    await runChecks("outbox", 11);
  });

  it("refuses to start an app whose subscription the link can't keep, in words, before it runs (none dropped silently)", async () => {
    await runChecks("full", 3);
  });

  it("a QoS 1 command with no memory for its sender's chain still reaches the app, and the count reaches the log topic: at once, then at the next link up", async () => {
    await runChecks("nomemory", 5);
  });
});
