/** Feature code that loops forever, under `snapfleet dev` and `run-device`: each device's app runs
 * in its own thread (firmware/isolation/), so a runaway stalls only itself; its watchdog resets it;
 * an update that hangs is rolled back; and stopping always ends. */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DevSession } from "../cli/devSession";
import type { AppDeviceOptions } from "../firmware/isolation/appWorkerProtocol";
import { onCommand, runAway, watchUpMessages } from "./support/runawayFeature";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

const ROOT = path.join(__dirname, "..");
const BIN = path.join(ROOT, "bin/snapfleet.js");

/** Publishes a few ticks, then its timer loops forever. */
const afterThreeTicks = (channel = "level") => `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("${channel}", { direction: "device-to-server" });
  let ticks = 0;
  api.mcu.setInterval(() => {
    ticks++;
    level.pushMessageToServer(ticks);
    if (ticks === 3) {
      api.log("going into a loop");
      while (true) {}
    }
  }, 100);
}
`;

/** The engine's instruction budget (when the engine has one) would stop these loops inside the
 * VM; these tests are about the backstop that needs none: threads and the watchdog. */
const NO_BUDGET = { instructionBudget: 0 } as AppDeviceOptions;

/** run-device's flag for the same. */
const NO_BUDGET_FLAG = ["--instruction-budget", "0"];

describe("feature code that loops forever", function () {
  this.timeout(180_000);
  let stateDir: string;
  let session: DevSession | undefined;
  let logs: string[];

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-isolate-"));
    logs = [];
  });
  afterEach(async () => {
    await session?.stop();
    session = undefined;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("under snapfleet dev, a runaway device stalls only itself; its watchdog resets it; stop ends", async () => {
    const entry = writeFeatures({ "app.ts": onCommand }, "runaway-app");
    session = await DevSession.start({ entry, secrets: {}, devices: 2, port: 0, stateDir, device: NO_BUDGET, log: (l) => logs.push(l) });
    const { cloud } = session;
    assert.ok(cloud.dashboard, "the dashboard bundle is built (npm run build)");
    const seen = await watchUpMessages(session);
    const count = (thing: string) => seen.filter((m) => m.thing === thing).length;
    const rows = () => cloud.monitor.devices();
    await waitFor("both devices installed and publishing", () => rows().every((r) => r.ota === "SUCCEEDED") && count("sim-1") > 0 && count("sim-2") > 0, 60_000);
    await waitFor("pin writes shown per device", () => logs.some((l) => /^\[sim-1\] \[board\] D5 <- (HIGH|LOW)/.test(l)) && logs.some((l) => /^\[sim-2\] \[board\] D5 <- /.test(l)), 10_000);

    runAway(session, "sim-2", 1);
    const runaway = () => logs.find((l) => l.startsWith("[sim-2] [app] running away after tick "));
    await waitFor("sim-2 running away", () => runaway() !== undefined, 10_000);
    const lastTick = Number(runaway()!.split(" ").pop());
    const stuckBoot = seen.filter((m) => m.thing === "sim-2").pop()!.boot;

    // While sim-2's thread is stuck: sim-1 keeps publishing and the dashboard keeps answering.
    const sim1Before = count("sim-1");
    await waitFor("sim-1 publishing while sim-2 is stuck", () => count("sim-1") >= sim1Before + 10, 20_000);
    const page = await fetch(new URL("/", cloud.dashboard.url));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);

    // The watchdog resets sim-2 and the installed app starts again (a new boot, counting from 1).
    await waitFor("watchdog reset of sim-2", () => logs.some((l) => l.startsWith("[sim-2] [watchdog] watchdog reset: the app did not answer")), 30_000);
    await waitFor("sim-2 publishing again", () => seen.some((m) => m.thing === "sim-2" && m.boot !== stuckBoot), 30_000);
    const fromStuckBoot = seen.filter((m) => m.thing === "sim-2" && m.boot === stuckBoot).map((m) => m.value as number);
    assert.equal(Math.max(...fromStuckBoot), lastTick, "nothing after the tick that ran away");
    assert.ok(!logs.some((l) => l.startsWith("[sim-1] [watchdog]")), logs.join("\n"));
    assert.ok(rows().every((r) => r.ota === "SUCCEEDED"), JSON.stringify(rows()));

    // Make sim-2 run away again and stop while it is stuck: stop still ends.
    runAway(session, "sim-2", 2);
    await waitFor("sim-2 running away again", () => logs.filter((l) => l.startsWith("[sim-2] [app] running away after tick ")).length === 2, 20_000);
    await session.stop();
    session = undefined;
    assert.ok(logs.some((l) => /^\[sim-2\] \[watchdog\] the app did not stop within/.test(l)), logs.join("\n"));
  });

  /** Installs a v1 that never runs away, then edits it into the runaway v2; resolves with the
   * FAILED job's log line once v1 runs again. */
  async function runawayUpdate(app: string, device: AppDeviceOptions | undefined): Promise<string> {
    const entry = writeFeatures({ "app.ts": afterThreeTicks("other").replace("ticks === 3", "ticks === -1") }, app);
    session = await DevSession.start({ entry, secrets: {}, devices: 1, port: 0, stateDir, dashboardBundleDir: null, device, log: (l) => logs.push(l) });
    const { cloud } = session;
    const row = () => cloud.monitor.devices()[0];
    await waitFor("v1 installed", () => row().ota === "SUCCEEDED" && row().online, 60_000);
    const v1 = row().version;

    fs.writeFileSync(entry, afterThreeTicks("other"));
    await waitFor("the update's job ends", () => row().ota === "FAILED", 60_000);
    await waitFor("v1 running again", () => row().version === v1 && row().online && logs.some((l) => l.endsWith(`[ota] rolled back to version ${v1.slice(0, 12)}`)), 30_000);
    const before = row().lastMessageAt;
    await waitFor("v1 publishing again", () => row().lastMessageAt !== before, 10_000);
    return logs.find((l) => new RegExp(`\\[ota\\] job ${app}-\\w+ FAILED`).test(l)) ?? "";
  }

  it("an update that hangs in its grace period is rolled back and its job ends FAILED", async () => {
    const failed = await runawayUpdate("hang-update", NO_BUDGET);
    assert.match(failed, /FAILED: the new app failed and was rolled back: within the grace period: watchdog reset/, logs.join("\n"));
  });

  it("with the engine's instruction budget (the default), a runaway update is stopped in the VM, named, and rolled back: its job ends FAILED", async () => {
    const failed = await runawayUpdate("budget-update", undefined);
    // The package carries no callback sites (core/contracts/devicePackage.ts); the dev session
    // keeps those of the builds it made, so the device still names the timer's line.
    assert.match(failed, /the new app failed and was rolled back: within the grace period: timer \(setInterval at [^)]*features\/app\.ts:5:\d+\) failed: the callback ran out of its instruction budget/, logs.join("\n"));
    assert.ok(!logs.some((l) => l.includes("[watchdog] watchdog reset")), "the budget, not the watchdog, stopped it");
  });

  it("snapfleet dev --seconds 3 with a runaway feature exits by itself", async () => {
    const entry = writeFeatures({ "app.ts": afterThreeTicks() }, "runaway-cli");
    const r = await promisify(execFile)(process.execPath, [BIN, "dev", entry, "--seconds", "3", "--port", "0", "--devices", "2", "--state-dir", stateDir], { cwd: ROOT, timeout: 150_000 });
    assert.match(r.stdout, /\[sim-\d\] \[app\] going into a loop/);
    assert.match(r.stdout, /stopping: devices, jobs, artifacts, dashboard, broker\n/);
    assert.match(r.stdout, /^stopped$/m);
  });

  it("Ctrl-C stops snapfleet dev while its devices are stuck", async () => {
    const entry = writeFeatures({ "app.ts": afterThreeTicks() }, "runaway-sigint");
    const child = spawn(process.execPath, [BIN, "dev", entry, "--port", "0", "--devices", "2", "--state-dir", stateDir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stdout += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor("both devices stuck", () => (stdout.match(/\[app\] going into a loop/g) ?? []).length >= 2, 120_000);
      child.kill("SIGINT");
      assert.equal(await exited, 0, stdout);
      assert.match(stdout, /^stopped$/m);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("run-device --seconds 2 with a runaway timer exits and says the app was stuck", async () => {
    const entry = writeFeatures({ "app.ts": afterThreeTicks() }, "runaway-device");
    const out = path.join(stateDir, "build");
    const run = promisify(execFile);
    await run(process.execPath, [BIN, "build", entry, "--out", out], { cwd: ROOT });
    const r = await run(process.execPath, [BIN, "run-device", out, "--seconds", "2", ...NO_BUDGET_FLAG], { cwd: ROOT, timeout: 120_000 }).then(
      () => assert.fail("a stuck app must fail run-device"),
      (e: { code: number; stdout: string; stderr: string; killed: boolean }) => e,
    );
    assert.equal(r.killed, false, "run-device ended by itself");
    assert.equal(r.code, 1);
    assert.deepEqual(r.stdout.trim().split("\n").map((l) => JSON.parse(l).value), [1, 2, 3]);
    assert.match(r.stderr, /\[app\] going into a loop/);
    assert.match(r.stderr, /\[watchdog\] the app did not stop within 1 s \(no answer for [\d.]+ s: a callback stuck in a loop\?\); its thread was terminated/);
    assert.match(r.stderr, /stopped; the app was stuck \(a callback looping forever\?\) and its thread was terminated/);
  });
});
