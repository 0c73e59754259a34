/** The co-processor process's supervision (coprocessorProcess.ts) without a board: against the
 * real local broker (mutual TLS with the device's certificate), a co-processor killed again and
 * again is restarted with a growing delay on the same port, each restart reported, until the
 * bound: then it stays down and says so. A co-processor that can't reach the broker fails to
 * start with an error that says which device and what it said. */
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { LocalBroker } from "../../local/broker";
import { waitFor } from "../../test/support/waitFor";
import { writeApp } from "../../test/support/tempFeatures";
import { CoprocessorProcess } from "./coprocessorProcess";

describe("the co-processor process: restarts with backoff, bounded", function () {
  this.timeout(120_000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-coproc-restarts-"));
  let broker: LocalBroker;
  const running: CoprocessorProcess[] = [];

  before(async () => {
    const build = await compileFeatures({ entry: writeApp(`  api.newCommsChannel<number>("level", { direction: "device-to-server" });`) });
    broker = await LocalBroker.start({ stateDir, app: build.manifest.app, manifest: build.manifest, mqttsPort: 0 });
  });

  after(async () => {
    for (const c of running) await c.halt();
    await broker?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("restarts a killed co-processor on the same port after a doubling delay, then gives up at the bound and says so", async () => {
    const identity = await broker.provisionDevice("cp-1");
    const logs: string[] = [];
    const coprocessor = await CoprocessorProcess.start({
      app: "test-app",
      thing: "cp-1",
      endpoint: "127.0.0.1",
      port: broker.mqttsPort,
      caCertPem: broker.caCertPem,
      certPem: identity.certPem,
      keyPem: identity.keyPem,
      onLog: (l) => logs.push(l),
      backoff: { firstDelayMs: 100, maxRestarts: 2, windowMs: 60_000 },
    });
    running.push(coprocessor);
    const port = coprocessor.linkPort;
    assert.ok(port > 0);
    const pids = [coprocessor.pid!];
    for (const attempt of [1, 2]) {
      process.kill(coprocessor.pid!, "SIGKILL");
      await waitFor(`restart ${attempt} reported`, () => logs.filter((l) => l.startsWith("[coprocessor] restarted (pid ")).length === attempt, 30_000);
      assert.equal(coprocessor.restarts, attempt);
      assert.ok(coprocessor.pid !== undefined && !pids.includes(coprocessor.pid), `a new process: ${coprocessor.pid} after ${pids.join(", ")}`);
      pids.push(coprocessor.pid!);
      assert.equal(coprocessor.linkPort, port, "the board's UART finds it where it was");
    }
    process.kill(coprocessor.pid!, "SIGKILL");
    await waitFor("the give-up", () => logs.some((l) => l.includes("not restarted")), 30_000);
    assert.equal(coprocessor.pid, undefined);
    assert.equal(coprocessor.restarts, 2);
    const ended = logs.filter((l) => l.startsWith("[coprocessor] process ended"));
    assert.deepEqual(ended, [
      "[coprocessor] process ended (SIGKILL); restarting in 0.1 s (restart 1 of at most 2 within 60 s)",
      "[coprocessor] process ended (SIGKILL); restarting in 0.2 s (restart 2 of at most 2 within 60 s)",
      "[coprocessor] process ended (SIGKILL): 3 crashes within 60 s, more than the 2 restarts allowed; not restarted, the board stays offline until dev is started again",
    ]);
  });

  it("fails to start when the broker can't be reached, naming the device and saying why", async () => {
    const identity = await broker.provisionDevice("cp-2");
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await assert.rejects(
      CoprocessorProcess.start({ app: "test-app", thing: "cp-2", endpoint: "127.0.0.1", port: deadPort, caCertPem: broker.caCertPem, certPem: identity.certPem, keyPem: identity.keyPem, startTimeoutMs: 5000 }),
      /^Error: the co-processor of cp-2 (exited with code 1|did not connect to 127\.0\.0\.1:\d+ and listen for the board within 5 s)/,
    );
  });
});
