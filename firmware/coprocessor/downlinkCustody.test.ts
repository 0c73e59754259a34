/** The downlink's custody (issue 12, item 5): the co-processor's MQTT 3.1.1 client PUBACKs a
 * QoS 1 message itself on receipt, so from then on the message is the co-processor's to keep
 * until the MCU has it. Here the link stalls (the UART between the emulated Cortex-M33 board and
 * its co-processor carries nothing, test/support/linkProxy.ts) while the server sends numbered
 * QoS 1 messages to the board's app; the co-processor process takes some, is SIGKILLed, more are
 * sent while it is down (the broker keeps them for its persistent session), more after
 * CoprocessorProcess restarted it, still during the stall; then the link resumes. The app echoes
 * every number it is handed: each must reach it exactly once, in order. The real local cloud
 * (broker, Jobs: the app arrives over the air) and the co-processor in its own process.
 * The bench: test/support/downlinkBench.ts. Skipped, saying why, without qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import { downlinkBenchSuite, until } from "../../test/support/downlinkBench";

describe("the downlink's custody: QoS 1 messages to the board survive a stalled link and a killed co-processor", function () {
  this.timeout(400_000);
  const startBench = downlinkBenchSuite("sf-downlink-");

  it("every message reaches the app once, in order, across the stall and the kill", async () => {
    const b = await startBench("custody-1");
    const { coprocessor, proxy, explain } = b;
    await b.startBoard();
    await until("the app installed over the air", () => b.installed(), 180_000, explain);

    // The app listens: the first number comes back.
    await b.send(1);
    await until("the app's echo of 1", () => b.heard().includes(1), 60_000, explain);

    proxy.freeze();
    await until("the co-processor to notice the stall", () => !coprocessor.linkUp, 30_000, explain);
    // Taken by the co-processor (PUBACKed) while the MCU can't have them.
    await b.send(10);
    await until("the co-processor's PUBACKs of 2..11", () => b.acked >= 11, 30_000, explain);
    const killed = coprocessor.pid!;
    process.kill(killed, "SIGKILL");
    // While no co-processor runs: the broker keeps them for the device's persistent session.
    await b.send(10);
    await until("the co-processor restarted", () => coprocessor.pid !== undefined && coprocessor.pid !== killed, 60_000, explain);
    await until("the restarted co-processor's PUBACKs of 12..21", () => b.acked >= 21, 60_000, explain);
    // Taken by the restarted co-processor before the MCU is back to subscribe again.
    await b.send(10);
    await until("the restarted co-processor's PUBACKs of 22..31", () => b.acked >= 31, 60_000, explain);
    proxy.resume();

    await until("the link up again", () => coprocessor.linkUp, 60_000, explain);
    // A last one after the resumption: everything before it is in the MCU's hands by its echo.
    await b.send(1);
    await until("the app's echo of the last number", () => b.heard().includes(b.sent), 120_000, () => `echoed so far: ${b.heard().join(",")}\n${explain()}`);

    // The ten the killed process had taken came back from its journal file.
    assert.ok(b.logs.includes("[coprocessor] the downlink journal holds 10 messages the MCU has not acknowledged: sending them again, in order"), `the restarted co-processor read them from its journal\n${explain()}`);
    const expected = Array.from({ length: b.sent }, (_, i) => i + 1);
    assert.deepEqual(b.heard(), expected, `each number once and in order (the app echoes each it is handed): ${b.heard().join(",")}\n${explain()}`);
    console.log(`      ${b.sent} messages, each handed to the app once; co-processor restarts: ${coprocessor.restarts}`);
  });
});
