import assert from "node:assert/strict";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { decodeEnvelope } from "../core/contracts/envelope";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { FeatureRuntimeError, FeatureVm } from "../core/runtime/featureVm";
import { ManualClock } from "../firmware/clock";
import { Device } from "../firmware/device";
import { InMemoryTransport } from "../firmware/transport";
import { writeApp } from "./support/tempFeatures";
import { WebTestHost } from "./support/webTestHost";

/** Feature code that never returns is stopped by the engine's instruction budget and reported as
 * the feature's run-time error; the host and the app's other callbacks go on. */
const OUT_OF_BUDGET = /the callback ran out of its instruction budget \(1,000,000 instructions per call\) and was stopped: a loop that never ends\?/;

describe("instruction budget: runaway feature code", () => {
  let engine: MicroviumEngine;
  before(async () => {
    engine = await loadWasmEngine();
  });

  it("a device timer that loops forever after 3 ticks is stopped each time it fires; the other timer goes on", async () => {
    const build = await compileFeatures({
      entry: writeApp(`  const beat = api.newCommsChannel<number>("beat", { qos: 0 });
  let ticks = 0;
  api.mcu.setInterval(() => {
    ticks++;
    if (ticks > 3) { while (true) {} }
    beat.pushMessageToServer(ticks);
  }, 1000);
  let other = 0;
  api.mcu.setInterval(() => beat.pushMessageToServer(100 + ++other), 2500);`),
    });
    const clock = new ManualClock();
    const transport = new InMemoryTransport();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", clock, transport, engine });
    clock.advance(5000);
    device.stop();
    assert.equal(device.supervisor.appErrors.length, 2, "ticks 4 and 5 were stopped");
    for (const error of device.supervisor.appErrors) assert.match(error, OUT_OF_BUDGET);
    const sent = transport.sent.filter((m) => m.topic.endsWith("/beat/up")).map((m) => decodeEnvelope(m.payload).v);
    assert.deepEqual(sent, [1, 2, 101, 3, 102]);
  });

  it("throws a FeatureRuntimeError from the callback's event; the instructionBudget option sets the limit", async () => {
    const build = await compileFeatures({
      entry: writeApp(`  const out = api.newCommsChannel<number>("out", { qos: 0 });
  api.mcu.setTimeout(() => { let sum = 0; for (let i = 0; i < 20000; i++) sum += i; out.pushMessageToServer(sum); }, 10);`),
    });
    const timers: number[] = [];
    const sent: unknown[] = [];
    const host = {
      log: () => {},
      networkRequest: () => 1,
      channelOpen: () => 2,
      channelSend: (_handle: number, value: unknown) => (sent.push(value), 0),
      timerStart: (slot: number) => void timers.push(slot),
      timerStop: () => {},
    };
    const tight = new FeatureVm(engine, build.snapshots.device, "device", host, { instructionBudget: 50_000 });
    tight.start();
    assert.equal(timers.length, 1);
    assert.throws(
      () => tight.timerFired(timers[0]),
      (error) => error instanceof FeatureRuntimeError && /ran out of its instruction budget \(50,000 instructions per call\)/.test(error.message),
    );
    tight.dispose();

    const roomy = new FeatureVm(engine, build.snapshots.device, "device", host); // the default budget
    roomy.start();
    roomy.timerFired(timers[1]);
    assert.deepEqual(sent, [199990000], "20,000 loop iterations fit the default budget");
    roomy.dispose();
  });

  it("a dashboard control whose render loops forever throws; the other controls render", async () => {
    const build = await compileFeatures({
      entry: writeApp(`  api.registerUiControl((el) => { let n = 0; while (n >= 0) n++; el.setText("never"); }, { title: "stuck" });
  api.registerUiControl((el) => el.setText("fine"), { title: "ok" });`),
    });
    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    assert.throws(() => web.render(0), (error) => error instanceof FeatureRuntimeError && OUT_OF_BUDGET.test(error.message));
    web.render(1);
    assert.equal(host.texts.get(1), "fine");
    assert.equal(host.texts.has(0), false);
    web.dispose();
  });
});
