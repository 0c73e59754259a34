/** `snapfleet dev` while its fleet is still starting (a large fleet, QEMU boards, a device that
 * can't come online within its budget): the header and the table come as soon as the cloud is
 * up and the build deployed, and Ctrl-C or --seconds stop it cleanly whenever they come. One
 * device's start is held forever (test/support/heldDeviceDev.ts), so the start never ends by
 * itself: what is asserted is the order of the lines, never a duration. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DevSession } from "../cli/devSession";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

const source = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level", { direction: "device-to-server" });
  api.mcu.setInterval(() => level.pushMessageToServer(1), 100);
}
`;

describe("snapfleet dev while its devices are still starting", function () {
  this.timeout(120_000);
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-devstart-"));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  /** `snapfleet dev ENTRY ...args` with HELD_DEVICE's start held; its output (stdout and stderr as
   * they came) and its exit. `heard` sees the output as each piece arrives. */
  function devWithHeldDevice(held: string, app: string, args: string[], heard: (out: string) => void = () => {}) {
    const entry = writeFeatures({ "app.ts": source }, app);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "support", "heldDeviceDev.ts"), "dev", entry, "--port", "0", "--state-dir", path.join(stateDir, "state"), ...args], {
      env: { ...process.env, HELD_DEVICE: held },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const run = { child, out: "", exit: undefined as [number | null, string | null] | undefined };
    child.stdout.on("data", (c: Buffer) => heard((run.out += c.toString())));
    child.stderr.on("data", (c: Buffer) => (run.out += c.toString()));
    child.on("exit", (code, signal) => (run.exit = [code, signal]));
    return run;
  }

  /** Where `pattern` first matches in `text` (it must). */
  function at(text: string, pattern: RegExp): number {
    const found = pattern.exec(text);
    assert.ok(found, `no ${pattern} in:\n${text}`);
    return found.index;
  }

  it("shows its header and table while a device is starting, the starting one as such, and Ctrl-C then stops it cleanly, exit 0", async () => {
    const run = devWithHeldDevice("sim-2", "devstart-sigint", ["--devices", "2"]);
    try {
      // Before: nothing at all until every device had started, so nothing ever here.
      await waitFor("the header", () => /^dashboard {2}/m.test(run.out), 60_000);
      // sim-1 past its install's grace period (a stop during it halts the app, as at any time).
      await waitFor("sim-1 on the version beside sim-2 starting", () => /^sim-1 +yes +[0-9a-f]{12} +SUCCEEDED /m.test(run.out) && /^sim-2 +starting /m.test(run.out), 60_000);
      run.child.kill("SIGINT");
      await waitFor("the exit", () => run.exit !== undefined, 30_000);
      assert.deepEqual(run.exit, [0, null], run.out);
      const { out } = run;
      assert.ok(at(out, /^snapfleet dev: devstart-sigint, 2 simulated devices/m) < at(out, /^stopping: devices, jobs, artifacts, dashboard, broker$/m), out);
      assert.ok(at(out, /^stopping: /m) < at(out, /^stopped during the start: 1 of 2 devices started, 1 still starting$/m), out);
      assert.ok(at(out, /^stopped during the start: /m) < at(out, /^stopped$/m), out);
      // sim-1, started, was stopped as at any other time: within its budget, not halted.
      assert.doesNotMatch(out, /did not stop within/);
      assert.doesNotMatch(out, /exiting$/m);
    } finally {
      run.child.kill("SIGKILL");
    }
  });

  it("Ctrl-C the moment the header is out finds its handler: a clean stop, exit 0", async () => {
    let sent = false;
    const run = devWithHeldDevice("sim-1", "devstart-early", ["--devices", "1"], (out) => {
      if (sent || !/^dashboard {2}/m.test(out)) return;
      sent = true;
      run.child.kill("SIGINT");
    });
    try {
      await waitFor("the exit", () => run.exit !== undefined, 60_000);
      // Handlers set after the header: Node's default had ended it ([null, "SIGINT"]).
      assert.deepEqual(run.exit, [0, null], run.out);
      assert.ok(at(run.out, /^stopped during the start: 0 of 1 device started, 1 still starting$/m) < at(run.out, /^stopped$/m), run.out);
    } finally {
      run.child.kill("SIGKILL");
    }
  });

  it("--seconds shorter than the start stops it: the devices not started are said, exit 0", async () => {
    const run = devWithHeldDevice("sim-1", "devstart-seconds", ["--devices", "1", "--seconds", "1"]);
    try {
      // Before: the timer was set once every device had started, so never.
      await waitFor("the exit", () => run.exit !== undefined, 60_000);
      assert.deepEqual(run.exit, [0, null], run.out);
      const { out } = run;
      assert.ok(at(out, /^dashboard {2}/m) < at(out, /^stopping: /m), out);
      assert.ok(at(out, /^stopping: /m) < at(out, /^stopped during the start: 0 of 1 device started, 1 still starting$/m), out);
      assert.ok(at(out, /^stopped during the start: /m) < at(out, /^stopped$/m), out);
    } finally {
      run.child.kill("SIGKILL");
    }
  });

  it("a fleet none of which starts stops it after its header, then fails in one line with the reason, exit 1", async () => {
    // sim-1's flash is unusable (its state dir is a file): its start fails, and it is the whole fleet.
    fs.mkdirSync(path.join(stateDir, "state", "devices"), { recursive: true });
    fs.writeFileSync(path.join(stateDir, "state", "devices", "sim-1"), "not a directory");
    const run = devWithHeldDevice("none", "devstart-none", ["--devices", "1"]); // none held: sim-1 fails by itself
    try {
      await waitFor("the exit", () => run.exit !== undefined, 60_000);
      assert.deepEqual(run.exit, [1, null], run.out);
      const { out } = run;
      assert.ok(at(out, /^dashboard {2}/m) < at(out, /^\[sim-1\] did not start, the fleet goes on without it: /m), out);
      assert.ok(at(out, /^\[sim-1\] did not start/m) < at(out, /^stopping: /m), out);
      assert.ok(at(out, /^stopped$/m) < at(out, /^snapfleet dev: none of the 1 device started; sim-1: .*sim-1/m), out);
      assert.doesNotMatch(out, /\n\s+at .*\(.*:\d+:\d+\)/, "no stack trace");
    } finally {
      run.child.kill("SIGKILL");
    }
  });

  it("DevSession.open returns with the start under way; stop() begins no pending start and says how far the start got", async () => {
    const entry = writeFeatures({ "app.ts": source }, "devstart-session");
    const begun: string[] = [];
    const addDevice = DevSession.prototype.addDevice;
    // sim-1's start never ends; with one connect at a time, sim-2 and sim-3 wait behind it.
    DevSession.prototype.addDevice = function (this: DevSession, thing: string) {
      begun.push(thing);
      return new Promise(() => {});
    };
    const lines: string[] = [];
    try {
      const session = await DevSession.open({ entry, secrets: {}, devices: 3, port: 0, stateDir, dashboardBundleDir: null, watch: false, connectingAtOnce: 1, log: (l) => lines.push(l) });
      const progress = session.startProgress();
      assert.deepEqual([[...progress.starting], progress.waiting], [["sim-1"], 2]);
      await session.stop();
      assert.deepEqual(begun, ["sim-1"], "the pending starts were not begun");
      assert.deepEqual(session.startProgress().waiting, 0);
      assert.ok(lines.includes("stopped during the start: 0 of 3 devices started, 1 still starting, 2 not begun"), lines.join("\n"));
      assert.deepEqual(session.notStarted, [], "a start the stop ended is no device that failed");
    } finally {
      DevSession.prototype.addDevice = addDevice;
    }
  });

  it("a device whose identity is being made when the stop comes doesn't join the fleet being stopped", async () => {
    const entry = writeFeatures({ "app.ts": source }, "devstart-joining");
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const session = await DevSession.open({
      entry, secrets: {}, devices: 1, port: 0, stateDir, dashboardBundleDir: null, watch: false, log: () => {},
      // sim-1's certificate and registration wait until the stop has begun.
      onCloud: (cloud) => {
        const provision = cloud.broker.provisionDevice.bind(cloud.broker);
        cloud.broker.provisionDevice = (thing) => released.then(() => provision(thing));
      },
    });
    const stopped = session.stop();
    release();
    await stopped;
    // Before, it joined (its group's job notification went to a closing broker: "mqemitter is closed").
    assert.deepEqual(session.cloud.monitor.devices().map((d) => d.thing), []);
  });
});
