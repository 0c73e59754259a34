/** A link that stalls (issue 12, item 5): the UART between the emulated Cortex-M33 board and its
 * co-processor stops carrying bytes both ways for longer than the keepalive (OUTAGE_MS) while
 * nothing is closed, as a wedged serial line would, then carries on. Both sides must notice the
 * outage by keepalive alone (the co-processor's link goes down; the MCU's supervisor goes
 * offline, which it shows by announcing itself online again afterwards), resynchronise, and
 * the app's QoS 1 messages reach the cloud each once, none missing, in order. The stall is a
 * TCP proxy (test/support/linkProxy.ts) between QEMU's second serial port and the co-processor.
 * Skipped, saying why, without qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../../core/compiler/compileFeatures";
import { ENGINE_ID } from "../../core/compiler/engineId";
import { encodeDevicePackage } from "../../core/contracts/devicePackage";
import { LinkProxy } from "../../test/support/linkProxy";
import { cortexM33Image, qemuFleetUnavailable } from "../../test/support/qemuFleet";
import { writeFeatures } from "../../test/support/tempFeatures";
import { InMemoryTransport } from "../transport";
import { startQemuBoard } from "../native/ports/mps2-an505/qemuBoard";
import { Coprocessor } from "./coprocessor";
import { OUTAGE_MS } from "./linkSession";
import { skipIfUnavailable } from "../../test/support/skipIfUnavailable";

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000, explain = () => ""): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const COUNTER_APP = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const count = api.newCommsChannel<number>("count", { direction: "device-to-server", qos: 1 });
  let n = 0;
  api.mcu.setInterval(() => { n = n + 1; count.pushMessageToServer(n); }, 100);
}
`;

describe("the link stalled longer than the keepalive (emulated board ↔ co-processor)", function () {
  this.timeout(300_000);
  let board: ChildProcess | undefined;
  let server: net.Server | undefined;
  let proxy: LinkProxy | undefined;
  const coprocessors: Coprocessor[] = [];
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-qemu-stall-"));
  let console_ = "";

  before(function () {
    skipIfUnavailable(this, qemuFleetUnavailable());
  });

  after(async () => {
    coprocessors.forEach((c) => c.close());
    board?.kill("SIGKILL");
    await proxy?.stop();
    server?.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("both sides detect the outage, resynchronise, and no QoS 1 message is lost or duplicated", async () => {
    const cloud = new InMemoryTransport();
    const log: string[] = [];
    const explain = () => [...log.slice(-20), console_.slice(-2000)].join("\n");
    server = net.createServer((socket) => coprocessors.push(new Coprocessor({ link: socket, cloud, log: (l) => log.push(l) })));
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const coprocessorPort = (server.address() as net.AddressInfo).port;
    proxy = await LinkProxy.start(() => coprocessorPort);
    board = startQemuBoard({ image: await cortexM33Image(), deviceArgs: ["connect", "--thing", "stall-1", "--state", stateDir], secondSerial: `tcp:127.0.0.1:${proxy.port},reconnect=1` });
    board.stdout!.setEncoding("utf8").on("data", (d: string) => (console_ += d));
    board.stderr!.setEncoding("utf8").on("data", (d: string) => (console_ += d));

    const coprocessor = await until("the board's link", () => coprocessors[0]?.session.up && coprocessors[0], 60_000, explain);
    const build = await compileFeatures({ entry: writeFeatures({ "app.ts": COUNTER_APP }, "stall-app") });
    const installed = await coprocessor.install(encodeDevicePackage(build.manifest, build.snapshots.device), { jobId: "job-stall", version: build.manifest.version, engine: ENGINE_ID });
    assert.deepEqual(installed, { status: "SUCCEEDED" }, explain());

    const counts = () => cloud.sent.filter((m) => m.topic.endsWith("/count/up")).map((m) => JSON.parse(m.payload) as { id: string; v: number });
    const onlineAnnouncements = () => cloud.sent.filter((m) => m.topic.endsWith("/_status") && JSON.parse(m.payload).online === true).length;
    await until("counts before the stall", () => counts().length >= 10, 30_000, explain);
    const announcedBefore = onlineAnnouncements();
    const outagesBefore = coprocessor.session.outages;

    // Stall: nothing crosses either way, nothing is closed; longer than the keepalive's outage limit.
    proxy.freeze();
    const stalledAt = Date.now();
    await until("the co-processor to notice the outage", () => !coprocessor.session.up, OUTAGE_MS + 10_000, explain);
    const stallMs = OUTAGE_MS + 2500;
    await new Promise((r) => setTimeout(r, Math.max(0, stalledAt + stallMs - Date.now())));
    const sentDuringStall = counts().length;
    proxy.resume();

    await until("the link up again", () => coprocessor.session.up, 30_000, explain);
    await until("the MCU online again (it announces itself after its own outage)", () => onlineAnnouncements() > announcedBefore, 30_000, explain);
    await until("counts after the stall", () => counts().length >= sentDuringStall + 20, 60_000, explain);

    assert.equal(coprocessors.length, 1, "the same co-processor and UART connection: resynchronised, not reconnected");
    assert.equal(coprocessor.session.outages, outagesBefore + 1, "the co-processor saw exactly one outage");
    assert.equal(coprocessor.session.peerRestarts, 0, "the MCU did not restart");
    // Above the link, as every receiver does (core/contracts/envelopeReceiver.ts): a repeat of an
    // envelope id is the same message sent again after the outage.
    const byId = new Map<string, number>();
    for (const m of counts()) {
      const seen = byId.get(m.id);
      assert.ok(seen === undefined || seen === m.v, `envelope ${m.id} came twice with different values`);
      byId.set(m.id, m.v);
    }
    const values = [...byId.values()];
    const first = values[0];
    assert.deepEqual(values, values.map((_, i) => first + i), `every count once and in order across the stall: ${values.join(",")}`);
    const repeats = counts().length - byId.size;
    console.log(`      stalled ${stallMs} ms; ${byId.size} counts, ${repeats} sent again after the outage (dropped by envelope id); ${coprocessor.session.retransmissions} link retransmissions`);
  });
});
