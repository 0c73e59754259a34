/** The downlink across a board reset (issue 12, item 5: "reset the board ... no message lost or
 * duplicated for QoS 1"). A native or TypeScript device keeps its subscriptions in its persistent
 * MQTT session across a restart, so QoS 1 messages sent while it is off or booting reach its app
 * once it runs again; the board's co-processor holds that session for the MCU and must do the
 * same. Here the board's power is pulled (QEMU SIGKILLed) and it is powered on again with the
 * same flash while the server goes on sending numbered QoS 1 messages: while it is off, while it
 * boots (before its app subscribed again), and once it runs. The app echoes every number it is
 * handed: each must reach it once, in order, the ones sent while it was away included.
 * What the app had before the power went is its (each echoed before the reset here: an app's
 * unsent echo in RAM is not the downlink's to keep). The bench: test/support/downlinkBench.ts.
 * Skipped, saying why, without qemu-system-arm or the arm-none-eabi toolchain. */
import assert from "node:assert/strict";
import { downlinkBenchSuite, until } from "../../test/support/downlinkBench";

describe("the downlink across a board reset: QoS 1 messages sent while the board is off or booting reach its app", function () {
  this.timeout(400_000);
  const startBench = downlinkBenchSuite("sf-downlink-reset-");

  it("every number reaches the app once, in order, after the board is back", async () => {
    const b = await startBench("reset-1");
    const { coprocessor, explain } = b;
    const echoed = () => `echoed so far: ${b.heard().join(",")}\n${explain()}`;
    await b.startBoard();
    await until("the app installed over the air", () => b.installed(), 180_000, explain);

    // The app runs and has echoed all it was handed when the power goes.
    await b.send(5);
    await until("the app's echoes of 1..5", () => b.heard().length === 5, 60_000, echoed);
    await b.killBoard();
    // Off: the co-processor takes them (PUBACKs) and keeps them for the MCU.
    await b.send(10);
    await until("the co-processor's PUBACKs of 6..15", () => b.acked >= 15, 30_000, explain);
    await until("the co-processor to notice the board is gone", () => !coprocessor.linkUp, 30_000, explain);

    // Power on again: some while the board boots, before its app subscribed again, ...
    await b.startBoard();
    await b.send(10);
    await until("the board's link up again", () => coprocessor.linkUp, 60_000, explain);
    await b.send(10);
    // ... and some once the app runs.
    await until("the app's start after the reset", () => b.logs.some((l) => l.startsWith("[board 2]") && l.includes("starting version")), 60_000, explain);
    await b.send(5);
    await until("the app's echo of the last number", () => b.heard().includes(b.sent), 120_000, echoed);

    // Those sent while the board was off waited for its SUBSCRIBE (none was handed to it before).
    const waited = b.logs.map((l) => /^\[coprocessor\] the MCU subscribed to \S+\/order\S*: (\d+) messages? that waited for it go now$/.exec(l)).find(Boolean);
    assert.ok(waited && Number(waited[1]) >= 10, `the co-processor held the messages back until the MCU subscribed again\n${explain()}`);
    const expected = Array.from({ length: b.sent }, (_, i) => i + 1);
    assert.deepEqual(b.heard(), expected, `each number once and in order (the app echoes each it is handed): ${echoed()}`);
    console.log(`      ${b.sent} messages, each handed to the app once; 30 of them sent while the board was off or booting, ${waited[1]} held back until the MCU subscribed again`);
  });
});
