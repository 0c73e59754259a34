/** Each QEMU board's network co-processor is a process of its own (coprocessorProcess.ts):
 * `snapfleet dev --device-runtime qemu --devices 2` against the real local cloud. One board's
 * co-processor is killed (SIGKILL) mid-run: it is restarted, the link resynchronises and that
 * board's QoS 1 messages resume with none lost, while the other board's co-processor keeps its
 * process and its messages keep coming. The co-processor holds its device's key and none of the
 * dev process's environment. Stopping dev leaves no QEMU or co-processor process behind, and
 * neither does a dev process killed with SIGKILL.
 * Skipped, saying why, without qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DevSession } from "../../cli/devSession";
import { topics } from "../../core/contracts/topics";
import { childProcesses, isRunning } from "../../test/support/processInfo";
import { cortexM33Image, qemuFleetUnavailable } from "../../test/support/qemuFleet";
import { writeFeatures } from "../../test/support/tempFeatures";
import type { QemuDevice } from "./qemuDevice";
import { skipIfUnavailable } from "../../test/support/skipIfUnavailable";

/** Counts up once a second on a QoS 1 channel (the default): a gap in the numbers is a loss. */
const countingApp = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const count = api.newCommsChannel<number>("count", { direction: "device-to-server" });
  let n = 0;
  api.mcu.setInterval(() => {
    n = n + 1;
    count.pushMessageToServer(n);
  }, 1000);
}
`;

/** A variable of the dev process's environment the co-processors must not see. */
const PROBE = "SF_COPROC_TEST_SECRET";

async function until(what: string, check: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** QEMU boards and co-processors whose parent is this process (the dev process in this test),
 * as their command lines (esbuild's service, which the compiler keeps, is not one of them). */
function fleetChildren(): string[] {
  return childProcesses()
    .filter((p) => /qemu-system-arm|coprocessorMain/.test(p.command))
    .map((p) => `${p.pid}: ${p.command.slice(0, 120)}`);
}

describe("a QEMU board's co-processor in its own process (snapfleet dev --device-runtime qemu)", function () {
  this.timeout(400_000);
  const stateDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "sf-coproc-proc-"));
  const logs: string[] = [];
  const explain = () => logs.slice(-60).join("\n");
  /** Per thing: the counts that reached the broker, in arrival order (repeats included). */
  const counts = new Map<string, number[]>();
  let session: DevSession | undefined;
  const pidsSeen = new Set<number>();

  before(async function () {
    skipIfUnavailable(this, qemuFleetUnavailable());
    process.env[PROBE] = "must-not-reach-a-coprocessor";
  });

  after(async () => {
    delete process.env[PROBE];
    await session?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const board = (thing: string) => session!.devices.find((d) => d.thing === thing) as QemuDevice;
  const received = (thing: string) => counts.get(thing) ?? [];

  it("a killed co-processor is restarted and its board's QoS 1 messages resume with none lost; the other board is untouched", async () => {
    const entry = writeFeatures({ "app.ts": countingApp }, "coproc-proc");
    session = await DevSession.start({ entry, secrets: {}, devices: 2, port: 0, stateDir, dashboardBundleDir: null, watch: false, deviceRuntime: "qemu", qemuImage: await cortexM33Image(), log: (l) => logs.push(l) });
    const { cloud } = session;
    await new Promise<void>((resolve) =>
      cloud.broker.aedes.subscribe(
        topics.up(cloud.app, "+", "count"),
        (packet, done) => {
          done();
          const thing = packet.topic.split("/")[2];
          counts.set(thing, [...received(thing), JSON.parse(String(packet.payload)).v]);
        },
        resolve,
      ),
    );
    await until("both boards counting", () => received("sim-1").length >= 3 && received("sim-2").length >= 3, 180_000, explain);

    const [one, two] = [board("sim-1"), board("sim-2")];
    for (const d of [one, two]) {
      const pid = d.coprocessor.pid!;
      pidsSeen.add(pid).add(d.boardPid!);
      // Least privilege: nothing of the dev process's environment, the key not on its command line.
      const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
      assert.ok(!environ.includes(PROBE), `the co-processor of ${d.thing} sees none of dev's environment: ${environ.split("\0").join(" ")}`);
      assert.doesNotMatch(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"), /PRIVATE KEY|CERTIFICATE/);
      assert.notEqual(pid, process.pid);
    }
    const twoPid = two.coprocessor.pid!;
    const killed = one.coprocessor.pid!;

    process.kill(killed, "SIGKILL");
    const atKill = { one: Math.max(...received("sim-1")), two: received("sim-2").length };
    await until("sim-1's co-processor restarted", () => one.coprocessor.pid !== undefined && one.coprocessor.pid !== killed && one.coprocessor.linkUp, 60_000, explain);
    pidsSeen.add(one.coprocessor.pid!);
    assert.ok(logs.some((l) => /^\[sim-1\] \[coprocessor\] process ended \(SIGKILL\); restarting in 0\.5 s \(restart 1 of at most 5 within 60 s\)$/.test(l)), `the crash was reported with the board's name\n${explain()}`);
    assert.ok(!isRunning(killed));
    await until("sim-1 counting again", () => Math.max(...received("sim-1")) >= atKill.one + 3, 60_000, explain);

    // Nothing lost: every number from the first one heard to the last, each (repeats across
    // the restart are dropped above the link by envelope id).
    const heard = [...new Set(received("sim-1"))].sort((a, b) => a - b);
    const first = heard[0];
    assert.deepEqual(heard, Array.from({ length: heard.length }, (_, i) => first + i), `sim-1's counts have no gap: ${received("sim-1").join(",")}`);
    // The other board: same co-processor process, never restarted, went on counting meanwhile.
    assert.equal(two.coprocessor.pid, twoPid);
    assert.equal(two.coprocessor.restarts, 0);
    assert.ok(received("sim-2").length > atKill.two, "sim-2 counted on while sim-1's co-processor was down");
    const twoHeard = [...new Set(received("sim-2"))].sort((a, b) => a - b);
    assert.deepEqual(twoHeard, Array.from({ length: twoHeard.length }, (_, i) => twoHeard[0] + i));
    assert.ok(!logs.some((l) => l.startsWith("[sim-2] [coprocessor] process ended")), "sim-2's co-processor never ended");
    await until("both boards online in the fleet view", () => cloud.monitor.devices().every((r) => r.online), 30_000, explain);
  });

  it("stopping dev leaves no QEMU or co-processor process behind", async function () {
    if (!session) this.skip();
    for (const d of session!.devices as QemuDevice[]) pidsSeen.add(d.coprocessor.pid!).add(d.boardPid!);
    assert.equal(pidsSeen.size, 5, "two boards, two co-processors, one restarted co-processor");
    assert.equal(fleetChildren().length, 4, `the live boards and co-processors are found: ${fleetChildren().join("; ")}`);
    const { cloud } = session!;
    await session!.stop();
    session = undefined;
    assert.deepEqual([...pidsSeen].filter(isRunning), [], "every QEMU and co-processor process ended");
    assert.deepEqual(fleetChildren(), [], "no QEMU or co-processor child of dev left");
    assert.ok(cloud.monitor.devices().every((r) => !r.online), "each board said offline before the broker stopped");
  });

  it("a dev process killed with SIGKILL leaves no QEMU or co-processor process behind", async () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "sf-coproc-kill-"));
    const dev = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "../../test/support/qemuDevChild.ts"), dir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    dev.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    dev.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
    try {
      await until("the dev process's board online", () => out.includes("}") || dev.exitCode !== null, 180_000, () => out);
      const pids = JSON.parse(out.slice(0, out.indexOf("}") + 1)) as { coprocessor: number; board: number };
      assert.ok(isRunning(pids.coprocessor) && isRunning(pids.board), out);
      dev.kill("SIGKILL");
      // The co-processor sees its IPC channel close; the board gets its parent-death signal.
      await until("the board and the co-processor to end", () => !isRunning(pids.coprocessor) && !isRunning(pids.board), 15_000, () => `still running: ${JSON.stringify(pids)}`);
    } finally {
      dev.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
