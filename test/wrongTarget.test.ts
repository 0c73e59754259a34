/** README "The feature API": calling an API on a target that can't serve it throws an error
 * naming the API and the target. Every run-time API, on every target that can't serve it. */
import assert from "node:assert/strict";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { FeatureVm } from "../core/runtime/featureVm";
import { ManualClock } from "../firmware/clock";
import { Device } from "../firmware/device";
import { InMemoryTransport } from "../firmware/transport";
import { writeApp } from "./support/tempFeatures";
import { WebTestHost } from "./support/webTestHost";

/** Each device-only API, called the way feature code calls it, with the error it must give. */
const DEVICE_ONLY: { call: string; says: string }[] = [
  { call: `temperature.read()`, says: `pin "A2".read() can only be called on the device target` },
  { call: `light.read()`, says: `pin "D5".read() can only be called on the device target` },
  { call: `light.write(true)`, says: `pin "D5".write() can only be called on the device target` },
  { call: `channel.pushMessageToServer(1)`, says: `channel "level".pushMessageToServer can only be called on the device target` },
  { call: `api.mcu.setInterval(() => api.log("tick"), 100)`, says: `api.mcu.setInterval can only be called on the device target` },
  { call: `api.mcu.setTimeout(() => api.log("once"), 100)`, says: `api.mcu.setTimeout can only be called on the device target` },
  { call: `api.mcu.clearTimer(1)`, says: `api.mcu.clearTimer can only be called on the device target` },
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("wrong-target calls throw, naming the API and the target", () => {
  let engine: MicroviumEngine;
  let build: CompileResult;
  before(async () => {
    // The dashboard calls each device-only API from its own UI control; the server (and the
    // dashboard) call the one a message from the device picks; the device calls sendToDevice.
    const controls = DEVICE_ONLY.map((d, i) => `  api.registerUiControl(() => { ${d.call}; }, { title: "control ${i}" });`).join("\n");
    const cases = DEVICE_ONLY.map((d, i) => `      case ${i}: ${d.call}; break;`).join("\n");
    [engine, build] = await Promise.all([
      loadWasmEngine(),
      compileFeatures({
        entry: writeApp(`  const temperature = api.mcu.getAnalogPin("A2");
  const light = api.mcu.getDigitalPin("D5");
  const channel = api.newCommsChannel<number>("level");
${controls}
  channel.addEventListener("messageFromDevice", (which) => {
    switch (which) {
${cases}
    }
    api.log("survived " + which);
  });
  api.mcu.onStart(() => channel.sendToDevice(7));
  api.mcu.setTimeout(() => { channel.sendToDevice(8); api.log("not reached"); }, 10);`),
      }),
    ]);
  });

  it("on the web target, each device-only API called from a UI control throws, and the dashboard goes on", () => {
    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    DEVICE_ONLY.forEach((d, i) => {
      assert.throws(() => web.render(i), new RegExp(`${escape(d.says)}; this is the web target`), d.call);
    });
    web.deliver(0, 99);
    assert.deepEqual(host.logs, ["survived 99"], "the VM takes the next event after each refusal");
    web.dispose();
  });

  it("on the server target, each device-only API called from a channel listener throws", () => {
    const host = new WebTestHost();
    const server = new FeatureVm(engine, build.snapshots.server, "server", host);
    DEVICE_ONLY.forEach((d, i) => {
      assert.throws(() => server.deliver(0, i), new RegExp(`${escape(d.says)}; this is the server target`), d.call);
    });
    assert.deepEqual(host.logs, [], "no call after a refused one ran");
    server.dispose();
  });

  it("on the device target, sendToDevice throws from onStart and from a timer", async () => {
    const clock = new ManualClock();
    const logs: string[] = [];
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", clock, transport: new InMemoryTransport(), engine, onLog: (l) => logs.push(l) });
    clock.advance(20);
    const says = /channel "level"\.sendToDevice can only be called on the web or server target; this is the device target/;
    assert.equal(device.supervisor.appErrors.length, 2, device.supervisor.appErrors.join("\n"));
    for (const error of device.supervisor.appErrors) assert.match(error, says);
    assert.ok(!logs.some((l) => l.includes("not reached")), logs.join("\n"));
    device.stop();
  });
});
