/** Run-time errors name the feature callback that failed and where the author wrote it. The
 * expected lines are found in the feature source (the line holding a marker comment), so the
 * tests follow the source rather than hard-coded numbers. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { encodeEnvelope } from "../core/contracts/envelope";
import { decodeDevicePackage, encodeDevicePackage } from "../core/contracts/devicePackage";
import { topics } from "../core/contracts/topics";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { FeatureVm } from "../core/runtime/featureVm";
import { ManualClock } from "../firmware/clock";
import { Device } from "../firmware/device";
import type { AppFailure } from "../firmware/supervisor";
import { InMemoryTransport } from "../firmware/transport";
import { writeFeatures } from "./support/tempFeatures";
import { WebTestHost } from "./support/webTestHost";

const HEADER = `import type { FeatureApi } from "snapfleet";\n`;

/** Compiles feature files with the project folder as cwd, so locations read `features/<file>`. */
async function build(files: Record<string, string>): Promise<{ build: CompileResult; lineOf: (file: string, marker: string) => string }> {
  const entry = writeFeatures(files);
  const cwd = path.dirname(path.dirname(entry));
  const result = await compileFeatures({ entry, cwd });
  const lineOf = (file: string, marker: string) => {
    const lines = fs.readFileSync(path.join(cwd, "features", file), "utf8").split("\n");
    const index = lines.findIndex((l) => l.includes(`// ${marker}`));
    assert.ok(index >= 0, `marker ${marker} in ${file}`);
    return `features/${file}:${index + 1}:\\d+`;
  };
  return { build: result, lineOf };
}

async function boot(result: CompileResult, engine: MicroviumEngine, manifest = result.manifest) {
  const clock = new ManualClock();
  const transport = new InMemoryTransport();
  const failures: AppFailure[] = [];
  const device = await Device.boot({ manifest, snapshot: result.snapshots.device, thing: "gh-1", clock, transport, engine, onAppFailure: (f) => failures.push(f) });
  return { device, clock, transport, failures };
}

describe("run-time errors name the feature callback and its file:line", () => {
  let engine: MicroviumEngine;
  before(async () => {
    engine = await loadWasmEngine();
  });

  const sensor = `${HEADER}import type { CommsChannel } from "snapfleet";
interface Reading { celsius: number }
export function sensor(api: FeatureApi, out: CommsChannel<number>) {
  const readings: Record<string, Reading> = {};
  api.mcu.setInterval(() => { // sensor-timer
    out.pushMessageToServer(readings["kitchen"].celsius);
  }, 1000);
}
`;
  const app = `${HEADER}import { sensor } from "./sensor";
export function App(api: FeatureApi) {
  const temp = api.newCommsChannel<number>("temp", { qos: 0 });
  const cmd = api.newCommsChannel<any>("cmd");
  sensor(api, temp);
  const handlers: { [k: string]: any } = {};
  cmd.addEventListener("messageFromServer", (v) => api.log("got " + v.name)); // first-listener
  cmd.addEventListener("messageFromServer", (v) => handlers[v.name]()); // second-listener
  api.mcu.onStart(() => api.log("first start callback"));
  api.mcu.onStart(() => { // failing-start
    api.mcu.setTimeout(() => { throw new Error("calibration lost"); }, 500);
    throw new Error("no sensor on A2");
  });
}
`;

  it("device: a timer reading a member of undefined, a listener calling a non-function, a throwing onStart and the timer it set", async () => {
    const { build: result, lineOf } = await build({ "app.ts": app, "sensor.ts": sensor });
    const { device, clock, transport, failures } = await boot(result, engine);
    assert.equal(failures.length, 1);
    assert.match(failures[0].message, new RegExp(`^onStart callback \\(at ${lineOf("app.ts", "failing-start")}\\) failed: no sensor on A2$`));
    assert.equal(failures[0].atStart, true);

    clock.advance(1000);
    assert.match(failures[1].message, new RegExp(`^timer \\(setTimeout, added by onStart callback at ${lineOf("app.ts", "failing-start")}\\) failed: calibration lost$`));
    assert.match(failures[2].message, new RegExp(`^timer \\(setInterval at ${lineOf("sensor.ts", "sensor-timer")}\\) failed: MVM_E_TYPE_ERROR: a member of undefined or null was read`));
    assert.equal(failures[2].atStart, false);

    transport.inject(topics.down("test-app", "gh-1", "cmd"), encodeEnvelope("srv", 1, { name: "reboot" }, Date.now()));
    assert.match(failures[3].message, new RegExp(`^listener for channel "cmd" \\(at ${lineOf("app.ts", "second-listener")}\\) failed: MVM_E_TYPE_ERROR_TARGET_IS_NOT_CALLABLE: something that is not a function was called$`));
    assert.ok(failures.every((f) => !f.fatal));
    // The device goes on: the interval keeps firing (and failing), the first listener ran.
    clock.advance(2000);
    assert.equal(failures.filter((f) => f.message.startsWith("timer (setInterval")).length, 3);
    const logs = transport.sent.filter((m) => m.topic === topics.log("test-app", "gh-1")).map((m) => JSON.parse(m.payload).msg as string);
    assert.ok(logs.includes("got reboot"), logs.join("\n"));
    assert.ok(logs.some((l) => l.startsWith("error: listener for channel \"cmd\" (at features/app.ts:")), "errors go to the app log topic");
    assert.equal(device.supervisor.appErrorCount, failures.length);
    await device.stop();
  });

  it("the first (or only) listener and onStart callback are named too, and a timer the onStart set", async () => {
    const { build: result, lineOf } = await build({
      "app.ts": `${HEADER}export function App(api: FeatureApi) {
  const level = api.newCommsChannel<number>("level");
  level.addEventListener("messageFromServer", (v) => { if (v > 9) throw new Error("level " + v + " too high"); }); // only-listener
  api.mcu.onStart(() => { // only-start
    api.mcu.setTimeout(() => { throw new Error("warm-up failed"); }, 100);
  });
}
`,
    });
    const { device, clock, transport, failures } = await boot(result, engine);
    transport.inject(topics.down("test-app", "gh-1", "level"), encodeEnvelope("srv", 1, 3, Date.now()));
    assert.equal(failures.length, 0);
    transport.inject(topics.down("test-app", "gh-1", "level"), encodeEnvelope("srv", 2, 12, Date.now()));
    clock.advance(100);
    assert.equal(failures.length, 2);
    assert.match(failures[0].message, new RegExp(`^listener for channel "level" \\(at ${lineOf("app.ts", "only-listener")}\\) failed: level 12 too high$`));
    assert.match(failures[1].message, new RegExp(`^timer \\(setTimeout, added by onStart callback at ${lineOf("app.ts", "only-start")}\\) failed: warm-up failed$`));
    await device.stop();
  });

  it("a device app that got its package over the air (no callback sites) names callbacks by kind and number", async () => {
    const { build: result } = await build({ "app.ts": app, "sensor.ts": sensor });
    const packaged = decodeDevicePackage(encodeDevicePackage(result.manifest, result.snapshots.device).bytes).manifest;
    assert.equal(packaged.callbackSites, undefined);
    const { device, clock, failures } = await boot(result, engine, packaged);
    clock.advance(1000);
    assert.deepEqual(
      failures.map((f) => f.message.replace(/ failed: .*/, "")),
      ["onStart callback #1", "timer (setTimeout, added by onStart callback #1)", "timer #0 (setInterval)"],
    );
    await device.stop();
  });

  it("a fatal engine error stops the app's VM: reported once, no more callbacks, timers stopped", async () => {
    const { build: result, lineOf } = await build({
      "app.ts": `${HEADER}export function App(api: FeatureApi) {
  const beat = api.newCommsChannel<number>("beat", { qos: 0 });
  let n = 0;
  api.mcu.setInterval(() => beat.pushMessageToServer(n++), 100);
  const samples: number[] = [];
  api.mcu.setInterval(() => { // leak
    for (let i = 0; i < 4000; i++) samples.push(i);
  }, 250);
}
`,
    });
    const { device, clock, transport, failures } = await boot(result, engine);
    clock.advance(2000);
    assert.equal(failures.length, 1);
    assert.equal(failures[0].fatal, true);
    assert.match(failures[0].message, new RegExp(`^timer \\(setInterval at ${lineOf("app.ts", "leak")}\\) failed: MVM_E_[A-Z_]+: .*; the app's VM stopped and runs no more callbacks$`));
    assert.ok(device.vm.stopped && failures[0].message.startsWith(device.vm.stopped), "the VM says why it stopped");
    const beats = transport.sent.filter((m) => m.topic.endsWith("/beat/up")).length;
    assert.equal(beats, 2, "the other timer ran until the VM stopped, then no more");
    await device.stop();
  });

  it("web: a UI control render, a widget callback and a listener added in a render are named", async () => {
    const { build: result, lineOf } = await build({
      "app.ts": `${HEADER}export function App(api: FeatureApi) {
  const temp = api.newCommsChannel<any>("temp");
  api.registerUiControl((el) => { // broken-render
    const unit: any = undefined;
    el.setText("unit " + unit.name);
  }, { title: "Broken" });
  api.registerUiControl((el) => { // switch-render
    el.toggle("Power", (on) => { throw new Error("relay stuck " + on); });
    temp.addEventListener("messageFromDevice", (v) => el.setText(v.reading.value));
  }, { title: "Switch" });
}
`,
    });
    const host = new WebTestHost();
    const web = new FeatureVm(engine, result.snapshots.web, "web", host, { app: result.manifest });
    assert.throws(() => web.render(0), new RegExp(`^FeatureRuntimeError: UI control "Broken" render \\(at ${lineOf("app.ts", "broken-render")}\\) failed: MVM_E_TYPE_ERROR: `));
    web.render(1);
    const switchRender = `UI control "Switch" render at ${lineOf("app.ts", "switch-render")}`;
    assert.throws(() => web.uiEvent(host.toggles[0].slot, true), new RegExp(`^FeatureRuntimeError: toggle "Power" of UI control "Switch" \\(added by ${switchRender}\\) failed: relay stuck true$`));
    assert.throws(() => web.deliver(0, { other: 1 }), new RegExp(`^FeatureRuntimeError: listener for channel "temp" \\(added by ${switchRender}\\) failed: MVM_E_TYPE_ERROR`));
    web.deliver(0, { reading: { value: "21 °C" } });
    assert.equal(host.texts.get(1), "21 °C", "the VM goes on after a failed callback");
    web.dispose();
  });
});
