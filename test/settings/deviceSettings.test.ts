/** Settings on the device (README "Settings"): the value last applied, persisted across reboots
 * and app updates, kept in step with the settings shadow through AWS's shadow MQTT API. The device
 * here runs the real supervisor and VM; the transport plays the shadow service's answers. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../../core/compiler/compileFeatures";
import { loadWasmEngine } from "../../core/engine";
import type { MicroviumEngine } from "../../core/engine/types";
import { shadowTopics } from "../../core/shadow/shadowTopics";
import { ManualClock } from "../../firmware/clock";
import { Device } from "../../firmware/device";
import { InMemoryTransport } from "../../firmware/transport";
import { writeFeatures } from "../support/tempFeatures";
import { compileError } from "../support/compileError";

const THERMOSTAT = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });
  const mode = api.defineSetting("mode", { default: "auto" });
  const heater = api.mcu.getDigitalPin("D6");
  const sensor = api.mcu.getAnalogPin("A2");
  setpoint.addEventListener("change", (v) => api.log("setpoint now " + v));
  api.mcu.setInterval(() => heater.write(sensor.read() < setpoint.value), 100);
  api.mcu.onStart(() => api.log("start setpoint " + setpoint.value + " mode " + mode.value));
  const command = api.newCommsChannel<number>("command", { direction: "server-to-device" });
  command.addEventListener("messageFromServer", (v) => {
    if (v === 1) setpoint.set(30);
    if (v === 2) setpoint.set(99);
    if (v === 3) (mode as any).set(7);
  });
}
`;

const SHADOW = "thermo-settings";
const topic = (op: "get" | "update", response?: "accepted" | "rejected" | "delta") => (response ? shadowTopics.response("gh-1", SHADOW, op, response) : shadowTopics.request("gh-1", SHADOW, op));

describe("settings on the device", () => {
  let engine: MicroviumEngine;
  let build: CompileResult;
  let stateDir: string;
  before(async () => {
    [engine, build] = await Promise.all([loadWasmEngine(), compileFeatures({ entry: writeFeatures({ "app.ts": THERMOSTAT }, "thermo") })]);
  });
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-settings-"));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  async function boot(transport = new InMemoryTransport()) {
    const logs: string[] = [];
    const clock = new ManualClock();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", clock, transport, engine, onLog: (l) => logs.push(l), settingsFile: path.join(stateDir, "settings.json") });
    return { device, transport, logs, clock };
  }

  const published = (transport: InMemoryTransport, t: string) => transport.sent.filter((m) => m.topic === t).map((m) => JSON.parse(m.payload) as Record<string, any>);

  it("declares the settings in the manifest, and the device asks for its shadow when it starts", async () => {
    assert.deepEqual(build.manifest.settings, [
      { name: "setpoint", default: 21, min: 5, max: 35 },
      { name: "mode", default: "auto" },
    ]);
    const { device, transport, logs } = await boot();
    assert.ok(logs.some((l) => l.includes("start setpoint 21 mode auto")), logs.join("\n"));
    assert.equal(published(transport, topic("get")).length, 1);
    // No shadow yet: the device creates it with every value it has.
    transport.inject(topic("get", "rejected"), JSON.stringify({ code: 404, message: "No shadow exists with name: 'thermo-settings'" }));
    assert.deepEqual(published(transport, topic("update")).at(-1)!.state, { reported: { setpoint: 21, mode: "auto" } });
    await device.stop();
  });

  it("asks again for an unanswered get on the device's clock, 1 s doubling to 30 s, and stops once answered", async () => {
    const { device, transport, clock } = await boot();
    const gets = () => published(transport, topic("get")).length;
    assert.equal(gets(), 1);
    // Where the retries fall is the device clock's business alone: a scripted device repeats them.
    const at: number[] = [];
    for (let ms = 0; ms < 100_000; ms += 500) {
      const before = gets();
      clock.advance(500);
      if (gets() > before) at.push(ms + 500);
    }
    assert.deepEqual(at, [1000, 3000, 7000, 15_000, 31_000, 61_000, 91_000]);
    transport.inject(topic("get", "rejected"), JSON.stringify({ code: 404, message: "No shadow exists with name: 'thermo-settings'" }));
    const answered = gets();
    clock.advance(120_000);
    assert.equal(gets(), answered, "no get after the answer");
    await device.stop();
  });

  it("applies desired values from the shadow and a delta, persists them, and a reboot starts with them", async () => {
    const first = await boot();
    first.transport.inject(topic("get", "accepted"), JSON.stringify({ state: { desired: { setpoint: 25 }, reported: { setpoint: 21, mode: "auto" } }, version: 3 }));
    assert.ok(first.logs.some((l) => l.includes("setpoint now 25")), first.logs.join("\n"));
    assert.deepEqual(published(first.transport, topic("update")).at(-1)!.state, { reported: { setpoint: 25 } });
    first.transport.inject(topic("update", "delta"), JSON.stringify({ state: { setpoint: 18.5 }, version: 5 }));
    assert.deepEqual(published(first.transport, topic("update")).at(-1)!.state, { reported: { setpoint: 18.5 } });
    // A stale delta (older version) changes nothing.
    first.transport.inject(topic("update", "delta"), JSON.stringify({ state: { setpoint: 7 }, version: 4 }));
    await first.device.stop();

    const second = await boot();
    assert.ok(second.logs.some((l) => l.includes("start setpoint 18.5 mode auto")), second.logs.join("\n"));
    await second.device.stop();
  });

  it("refuses bad desired values (out of range, wrong type, unknown setting) with a clear report, keeps its values and clears them from desired", async () => {
    const { device, transport, logs } = await boot();
    transport.inject(topic("update", "delta"), JSON.stringify({ state: { setpoint: 50, mode: 3, fan: true }, version: 2 }));
    const reports = logs.filter((l) => l.includes("refused the desired value"));
    assert.equal(reports.length, 3, logs.join("\n"));
    assert.match(reports[0], /setting "setpoint": 50 is above the maximum 35 of setting "setpoint" \(accepted: 5 to 35\); keeping 21/);
    assert.match(reports[1], /setting "mode": 3 is not a string/);
    assert.match(reports[2], /unknown setting "fan": this app declares "setpoint", "mode"; keeping null/);
    assert.deepEqual(published(transport, topic("update")).at(-1)!.state, { desired: { setpoint: null, mode: null, fan: null } });
    assert.ok(!logs.some((l) => l.includes("setpoint now")), "no change listener ran");
    await device.stop();
  });

  it("set() in device code applies, persists and reports; a bad value throws a clear error and changes nothing", async () => {
    const { device, transport, logs } = await boot();
    const command = (v: number) => transport.inject(`sf/thermo/gh-1/command/down`, JSON.stringify({ id: `web:${v}`, v, t: 1 }));
    command(1);
    assert.ok(logs.some((l) => l.includes("setpoint now 30")), logs.join("\n"));
    assert.deepEqual(published(transport, topic("update")).at(-1)!.state, { reported: { setpoint: 30 }, desired: { setpoint: null } });
    const updates = published(transport, topic("update")).length;
    command(2);
    assert.match(device.supervisor.appErrors.at(-1)!, /setting "setpoint"\.set\(99\) refused: 99 is above the maximum 35 of setting "setpoint" \(accepted: 5 to 35\); nothing was changed/);
    command(3);
    assert.match(device.supervisor.appErrors.at(-1)!, /setting "mode"\.set\(7\) refused: 7 is not a string/);
    assert.equal(published(transport, topic("update")).length, updates, "nothing reported for refused values");
    assert.equal(JSON.parse(fs.readFileSync(path.join(stateDir, "settings.json"), "utf8")).values.setpoint, 30);
    await device.stop();
  });

  it("a value set while offline wins over the older desired value at the next connect", async () => {
    const transport = new InMemoryTransport();
    const { device, logs } = await boot(transport);
    transport.setConnected(false);
    transport.inject(`sf/thermo/gh-1/command/down`, JSON.stringify({ id: "web:1", v: 1, t: 1 }));
    assert.ok(logs.some((l) => l.includes("setpoint now 30")));
    transport.setConnected(true);
    transport.inject(topic("get", "accepted"), JSON.stringify({ state: { desired: { setpoint: 25 }, reported: { setpoint: 21, mode: "auto" } }, version: 9 }));
    assert.ok(!logs.some((l) => l.includes("setpoint now 25")), logs.join("\n"));
    assert.deepEqual(published(transport, topic("update")).at(-1)!.state, { reported: { setpoint: 30 }, desired: { setpoint: null } });
    await device.stop();
  });
});

describe("settings: build errors point at the feature's line", function () {
  this.timeout(30_000);
  const build = (body: string) => compileError({ entry: writeFeatures({ "app.ts": `import type { FeatureApi } from "snapfleet";\nexport function App(api: FeatureApi) {\n${body}\n}\n` }, "thermo") });

  it("a bad declaration, a second one with the same name, an unknown event and a set at build time", async () => {
    const range = await build(`  api.defineSetting("setpoint", { default: 50, min: 5, max: 35 });`);
    assert.match(range.message, /features\/app\.ts:3:\d+: api\.defineSetting\("setpoint"\): the default 50 is above the maximum 35/);
    const twice = await build(`  api.defineSetting("mode", { default: "a" });\n  api.defineSetting("mode", { default: "b" });`);
    assert.match(twice.message, /features\/app\.ts:4:\d+: api\.defineSetting: setting "mode" is defined twice/);
    const event = await build(`  const s = api.defineSetting("mode", { default: "a" });\n  s.addEventListener("changed" as "change", () => {});`);
    assert.match(event.message, /features\/app\.ts:4:\d+: setting "mode"\.addEventListener: unknown event "changed"; a setting has one event, "change"/);
    const early = await build(`  const s = api.defineSetting("mode", { default: "a" });\n  s.set("b");`);
    assert.match(early.message, /features\/app\.ts:4:\d+: setting "mode"\.set was called while App\(api\) runs at build time/);
  });
});
