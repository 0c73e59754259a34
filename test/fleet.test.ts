/** A moderate fleet under `snapfleet dev` with shared app threads (firmware/isolation/
 * appThreadPool.ts), forced by a low threshold: every device online on the deployed version; an
 * app stuck in a loop is reset by its thread's watchdog and comes back, the apps sharing its
 * thread are restarted and say why, the rest run on untouched; stop ends with a device stuck.
 * The 1,000-device run is test/slow/fleet1000.slow.ts. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DevSession } from "../cli/devSession";
import type { AppDeviceOptions } from "../firmware/isolation/appWorkerProtocol";
import { childProcesses } from "./support/processInfo";
import { onCommand, runAway, watchUpMessages } from "./support/runawayFeature";
import { writeFeatures } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

const DEVICES = 40;
const THREADS = 3;
/** The watchdog is the subject here, not the engine's instruction budget (test/isolation.test.ts). */
const NO_BUDGET = { instructionBudget: 0 } as AppDeviceOptions;

describe("a fleet whose apps share threads", function () {
  this.timeout(300_000);
  let stateDir: string;
  let session: DevSession | undefined;

  before(() => (stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-fleet-"))));
  after(async () => {
    await session?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it(`${DEVICES} devices in ${THREADS} threads: all on the version; a loop resets its thread's apps only; stop ends`, async () => {
    const logs: string[] = [];
    const entry = writeFeatures({ "app.ts": onCommand }, "shared-fleet");
    session = await DevSession.start({ entry, secrets: {}, devices: DEVICES, port: 0, stateDir, dashboardBundleDir: null, watch: false, device: NO_BUDGET, sharedThreadsAbove: 10, appThreads: THREADS, log: (l) => logs.push(l) });
    const s = session;
    assert.equal(s.hostPids.length, 1, "a fleet above the threshold runs in a fleet host");
    const rows = () => s.cloud.monitor.devices();
    const seen = await watchUpMessages(s);
    const bootsOf = (thing: string) => new Set(seen.filter((m) => m.thing === thing).map((m) => m.boot));

    await waitFor("every device online, on the deployed version and publishing", () => rows().length === DEVICES && rows().every((r) => r.online && r.ota === "SUCCEEDED" && r.version === rows()[0].version && bootsOf(r.thing).size > 0), 180_000, 100);
    // 16 devices connect at once in the host: a start that warned of a listener leak (each
    // device's abort listener on one shared signal) said so to every `snapfleet dev --devices 1000`.
    const hostWarnings = logs.filter((l) => /^\[fleet host \d+\].*Warning/.test(l));
    assert.deepEqual(hostWarnings, [], "the fleet host printed warnings while the fleet started");
    const threads = await s.appThreads();
    assert.ok(threads > 1 && threads <= THREADS, `${threads} threads`);
    const things = rows().map((r) => r.thing);
    const bootBefore = new Map(things.map((t) => [t, [...bootsOf(t)][0]]));

    runAway(s, "sim-7", 1);
    const reset = () => logs.find((l) => l.startsWith("[sim-7] [watchdog] watchdog reset: the app did not answer"));
    await waitFor("the watchdog reset of sim-7's thread", () => reset() !== undefined, 60_000);
    const sharing = Number(/shared with (\d+) other apps?, was reset with it/.exec(reset()!)?.[1]);
    assert.ok(sharing > 0 && sharing < DEVICES - 1, reset());
    const evicted = () => things.filter((t) => logs.some((l) => l.startsWith(`[${t}] [watchdog] watchdog reset: its thread, shared with sim-7, was stuck in sim-7's app`)));
    await waitFor("each app that shared sim-7's thread says it was restarted", () => evicted().length === sharing, 20_000);
    const untouched = things.filter((t) => t !== "sim-7" && !evicted().includes(t));
    assert.equal(untouched.length, DEVICES - 1 - sharing);
    assert.ok(untouched.length > 0, "the other threads' apps");

    // sim-7 and its thread's apps start again (new boots); the others keep their boot.
    await waitFor("sim-7 and its neighbours publishing again", () => ["sim-7", ...evicted()].every((t) => bootsOf(t).size > 1), 60_000);
    const untouchedBefore = new Map(untouched.map((t) => [t, seen.filter((m) => m.thing === t).length]));
    await waitFor("the others publishing on", () => untouched.every((t) => seen.filter((m) => m.thing === t).length > untouchedBefore.get(t)! + 3), 30_000);
    for (const t of untouched) {
      assert.deepEqual([...bootsOf(t)], [bootBefore.get(t)], `${t} was not restarted`);
      assert.ok(!logs.some((l) => l.startsWith(`[${t}] [watchdog]`)), `${t}: ${logs.filter((l) => l.startsWith(`[${t}]`)).join("\n")}`);
    }
    // A neighbour's restart is not its app's failure: no rollback, every job still SUCCEEDED.
    assert.ok(rows().every((r) => r.ota === "SUCCEEDED" && r.online), JSON.stringify(rows().filter((r) => r.ota !== "SUCCEEDED" || !r.online)));
    assert.ok(!logs.some((l) => /\[ota\] rolled back/.test(l)), logs.filter((l) => l.includes("rolled back")).join("\n"));

    // Stuck again, then stopped: stop still ends, and says which app did not answer.
    runAway(s, "sim-7", 2);
    await waitFor("sim-7 running away again", () => logs.filter((l) => l.startsWith("[sim-7] [app] running away after tick ")).length === 2, 30_000);
    await s.stop();
    session = undefined;
    assert.ok(logs.some((l) => /^\[sim-7\] (\[watchdog\] the app did not stop within|did not stop within)/.test(l)), logs.filter((l) => l.startsWith("[sim-7]")).join("\n"));
    assert.ok(s.devices.length === 0);
  });

  it("a fleet host that dies is said in the log, its devices go offline, and stop still ends", async () => {
    const logs: string[] = [];
    const entry = writeFeatures({ "app.ts": onCommand }, "host-death");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-fleet-host-death-"));
    const s = await DevSession.start({ entry, secrets: {}, devices: 4, port: 0, stateDir: dir, dashboardBundleDir: null, watch: false, device: NO_BUDGET, sharedThreadsAbove: 2, appThreads: 1, log: (l) => logs.push(l) });
    try {
      const rows = () => s.cloud.monitor.devices();
      await waitFor("every device online", () => rows().length === 4 && rows().every((r) => r.online && r.ota === "SUCCEEDED"), 120_000, 100);
      const [pid] = s.hostPids;
      process.kill(pid, "SIGKILL");
      await waitFor("the host's end in the log", () => logs.some((l) => l === "[fleet host 1] fleet host 1 ended (SIGKILL); its devices are offline until dev is started again"), 10_000);
      // The broker sends each device's last will when its connection is gone.
      await waitFor("its devices offline", () => rows().every((r) => !r.online), 60_000, 100);
    } finally {
      await s.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a feature that doesn't compile: the error, and no fleet host left running (they are launched before the compile)", async () => {
    const logs: string[] = [];
    const entry = writeFeatures({ "app.ts": "export function App(api) { api.newCommsChannel(; }\n" }, "host-compile-error");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-fleet-compile-error-"));
    const hostsNow = () => childProcesses().filter((p) => /fleetHostMain/.test(p.command));
    const before = hostsNow().length;
    try {
      await assert.rejects(
        DevSession.start({ entry, secrets: {}, devices: 4, port: 0, stateDir: dir, dashboardBundleDir: null, watch: false, sharedThreadsAbove: 2, appThreads: 1, log: (l) => logs.push(l) }),
        /app\.ts:1/,
      );
      // The host was forked before the compile began; it is ended before start() rejects.
      assert.equal(hostsNow().length, before);
      assert.deepEqual(logs.filter((l) => /fleet host/.test(l)), [], "a host that never ran a device says nothing about devices going offline");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
