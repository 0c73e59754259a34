/** The downlink's custody (issue 12, item 5): the co-processor's MQTT 3.1.1 client PUBACKs a
 * QoS 1 message itself on receipt, so from then on the message is the co-processor's to keep
 * until the MCU has it. Here the link stalls (the UART between the emulated Cortex-M33 board and
 * its co-processor carries nothing, test/support/linkProxy.ts) while the server sends numbered
 * QoS 1 messages to the board's app; the co-processor process takes some, is SIGKILLed, more are
 * sent while it is down (the broker keeps them for its persistent session), more after
 * CoprocessorProcess restarted it, still during the stall; then the link resumes. The app echoes
 * every number it is handed: each must reach it exactly once, in order. The real local cloud
 * (broker, Jobs: the app arrives over the air) and the co-processor in its own process.
 * Skipped, saying why, without qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { EnvelopeSender } from "../../core/contracts/envelope";
import { topics } from "../../core/contracts/topics";
import { LocalCloud } from "../../local/cloud/localCloud";
import { LinkProxy } from "../../test/support/linkProxy";
import { cortexM33Image, qemuFleetUnavailable } from "../../test/support/qemuFleet";
import { writeFeatures } from "../../test/support/tempFeatures";
import { startQemuBoard } from "../native/ports/mps2-an505/qemuBoard";
import { CoprocessorProcess } from "./coprocessorProcess";

const THING = "custody-1";

/** Echoes every number the server sends on `order` (QoS 1 both ways). */
const ECHO_APP = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const echo = api.newCommsChannel<number>("echo", { direction: "device-to-server", qos: 1 });
  const order = api.newCommsChannel<number>("order", { direction: "server-to-device", qos: 1 });
  order.addEventListener("messageFromServer", (n: number) => echo.pushMessageToServer(n));
}
`;

async function until(what: string, check: () => boolean, timeoutMs: number, explain: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the downlink's custody: QoS 1 messages to the board survive a stalled link and a killed co-processor", function () {
  this.timeout(400_000);
  const stateDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "sf-downlink-"));
  let cloud: LocalCloud | undefined;
  let coprocessor: CoprocessorProcess | undefined;
  let proxy: LinkProxy | undefined;
  let board: ChildProcess | undefined;
  const logs: string[] = [];
  const explain = () => logs.slice(-60).join("\n");

  before(function () {
    const reason = qemuFleetUnavailable();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
  });

  after(async () => {
    board?.kill("SIGKILL");
    await coprocessor?.halt();
    await proxy?.stop();
    await cloud?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("every message reaches the app once, in order, across the stall and the kill", async () => {
    const build = await compileFeatures({ entry: writeFeatures({ "app.ts": ECHO_APP }, "downlink-app") });
    cloud = await LocalCloud.start({ stateDir: path.join(stateDir, "cloud"), build, port: 0, dashboardBundleDir: null, log: (l) => logs.push(`[cloud] ${l}`) });
    const { jobId } = await cloud.deploy(build);
    const identity = await cloud.broker.provisionDevice(THING);
    cloud.addDevice(THING);
    const { aedes } = cloud.broker;

    // What the app echoed, by envelope id (the MCU sends an unacknowledged echo again after an
    // outage: a repeat id is one echo); and the board's PUBACKs, seen at the broker.
    const echoes = new Map<string, number>();
    await new Promise<void>((resolve) => aedes.subscribe(topics.up(cloud!.app, THING, "echo"), (packet, done) => {
      done();
      const { id, v } = JSON.parse(String(packet.payload)) as { id: string; v: number };
      echoes.set(id, v);
    }, resolve));
    const down = topics.down(cloud.app, THING, "order");
    let acked = 0;
    aedes.on("ack", (packet, client) => {
      if (client?.id === THING && packet && "topic" in packet && packet.topic === down) acked++;
    });
    const sender = new EnvelopeSender("server");
    let sent = 0;
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const payload = Buffer.from(sender.encode(down, ++sent, Date.now()));
        await new Promise<void>((resolve) => aedes.publish({ cmd: "publish", topic: down, payload, qos: 1, retain: false, dup: false }, () => resolve()));
      }
    };
    const heard = () => [...echoes.values()];

    coprocessor = await CoprocessorProcess.start({
      app: cloud.app,
      thing: THING,
      endpoint: "127.0.0.1",
      port: cloud.broker.mqttsPort,
      caCertPem: cloud.broker.caCertPem,
      certPem: identity.certPem,
      keyPem: identity.keyPem,
      stateDir: path.join(stateDir, "coprocessor"),
      onLog: (l) => logs.push(l),
    });
    proxy = await LinkProxy.start(() => coprocessor!.linkPort);
    const boardDir = path.join(stateDir, "board");
    fs.mkdirSync(boardDir);
    board = startQemuBoard({ image: await cortexM33Image(), deviceArgs: ["connect", "--thing", THING, "--state", boardDir], secondSerial: `tcp:127.0.0.1:${proxy.port},reconnect=1`, dieWithParent: true });
    let partial = "";
    board.stdout!.setEncoding("utf8").on("data", (d: string) => {
      const lines = (partial + d).split("\n");
      partial = lines.pop()!;
      logs.push(...lines.map((l) => `[board] ${l}`));
    });
    const installed = () => {
      try {
        return cloud!.jobs.book.execution(THING, jobId!).status === "SUCCEEDED";
      } catch {
        return false; // no execution for this board yet
      }
    };
    await until("the app installed over the air", installed, 180_000, explain);

    // The app listens: the first number comes back.
    await send(1);
    await until("the app's echo of 1", () => heard().includes(1), 60_000, explain);

    proxy.freeze();
    await until("the co-processor to notice the stall", () => !coprocessor!.linkUp, 30_000, explain);
    // Taken by the co-processor (PUBACKed) while the MCU can't have them.
    await send(10);
    await until("the co-processor's PUBACKs of 2..11", () => acked >= 11, 30_000, explain);
    const killed = coprocessor.pid!;
    process.kill(killed, "SIGKILL");
    // While no co-processor runs: the broker keeps them for the device's persistent session.
    await send(10);
    await until("the co-processor restarted", () => coprocessor!.pid !== undefined && coprocessor!.pid !== killed, 60_000, explain);
    await until("the restarted co-processor's PUBACKs of 12..21", () => acked >= 21, 60_000, explain);
    // Taken by the restarted co-processor before the MCU is back to subscribe again.
    await send(10);
    await until("the restarted co-processor's PUBACKs of 22..31", () => acked >= 31, 60_000, explain);
    proxy.resume();

    await until("the link up again", () => coprocessor!.linkUp, 60_000, explain);
    // A last one after the resumption: everything before it is in the MCU's hands by its echo.
    await send(1);
    await until("the app's echo of the last number", () => heard().includes(sent), 120_000, () => `echoed so far: ${heard().join(",")}\n${explain()}`);

    // The ten the killed process had taken came back from its journal file.
    assert.ok(logs.includes("[coprocessor] the downlink journal holds 10 messages the MCU has not acknowledged: sending them again, in order"), `the restarted co-processor read them from its journal\n${explain()}`);
    const expected = Array.from({ length: sent }, (_, i) => i + 1);
    assert.deepEqual(heard(), expected, `each number once and in order (the app echoes each it is handed): ${heard().join(",")}\n${explain()}`);
    console.log(`      ${sent} messages, each handed to the app once; co-processor restarts: ${coprocessor.restarts}`);
  });
});
