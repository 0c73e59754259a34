/** Settings in server code (core/server/serverSettings.ts) on the server host alone: the real
 * engine and server snapshot, a stand-in for the settings shadows (the local shadow service and
 * AWS IoT's are tested with the local cloud and the Lambda). */
import assert from "node:assert/strict";
import { compileFeatures, type CompileResult } from "../compiler/compileFeatures";
import { loadWasmEngine } from "../engine";
import type { MicroviumEngine } from "../engine/types";
import type { SettingValue } from "../settings/settingDecl";
import { writeApp } from "../../test/support/tempFeatures";
import { MemoryStateStore, ServerHost, type ServerProblem } from ".";

const APP = `
  const setpoint = api.defineSetting("setpoint", { default: 21, min: 5, max: 35 });
  const mode = api.defineSetting("mode", { default: "auto" });
  const temperature = api.newCommsChannel<number>("temperature", { direction: "device-to-server" });
  const status = api.newCommsChannel<string>("status", { direction: "server-to-device" });
  api.server.onDevice((device) => {
    status.sendToDevice("start " + setpoint.value + " " + mode.value);
    setpoint.addEventListener("change", (v) => status.sendToDevice("changed " + v));
    temperature.addEventListener("messageFromDevice", (t) => {
      if (t > 100) setpoint.set(t);                 // out of range on purpose
      else if (t < 0) setpoint.set("cold" as any);  // wrong type on purpose
      else if (t > setpoint.value + 5 && t < 40) setpoint.set(setpoint.value - 1);
      status.sendToDevice("seen " + t + " at " + setpoint.value);
    });
  });
  api.server.onFleet(() => {
    temperature.addEventListener("messageFromDevice", (t) => { if (t === 50) setpoint.set(20); });
  });`;

describe("settings in server code (server host)", () => {
  let engine: MicroviumEngine;
  let build: CompileResult;
  before(async () => {
    [engine, build] = await Promise.all([loadWasmEngine(), compileFeatures({ entry: writeApp(APP) })]);
  });

  function host(shadows: Record<string, { reported: Record<string, unknown> }>, store = new MemoryStateStore()) {
    const sent: string[] = [];
    const requested: [string, string, SettingValue][] = [];
    const problems: ServerProblem[] = [];
    const server = new ServerHost({
      engine,
      manifest: build.manifest,
      snapshot: build.snapshots.server,
      store,
      keepVms: true,
      outbox: { sendToDevice: (d, _c, v) => void sent.push(`${d}: ${v}`), alert: () => {} },
      report: (p) => void problems.push(p),
      fleetDevices: () => Object.keys(shadows),
      settings: {
        reported: (device) => shadows[device]?.reported ?? {},
        request: (device, name, value) => void requested.push([device, name, value]),
      },
    });
    return { server, store, sent, requested, problems };
  }

  const message = (device: string, t: number) => ({ device, channel: "temperature", value: t, t: Date.now() });

  it("starts a device's handlers with the device's reported values, and runs 'change' listeners when the shadow reports another", async () => {
    const shadows: Record<string, { reported: Record<string, unknown> }> = { "gh-1": { reported: { setpoint: 18, mode: "eco" } }, "gh-2": { reported: { setpoint: 99, other: 1 } } };
    const { server, sent, problems } = host(shadows);
    await server.startAll(["gh-1", "gh-2", "gh-3"]);
    assert.deepEqual(sent.sort(), ["gh-1: start 18 eco", "gh-2: start 21 auto", "gh-3: start 21 auto"], "a refused reported value (99 > max) keeps the default");
    sent.length = 0;
    shadows["gh-1"].reported = { setpoint: 19, mode: "eco" };
    shadows["gh-2"].reported = { setpoint: 21 }; // the value it already has: no "change"
    server.settingsChanged("gh-1");
    server.settingsChanged("gh-2");
    await server.idle();
    assert.deepEqual(sent, ["gh-1: changed 19"]);
    await server.handle([message("gh-1", 20)]);
    assert.deepEqual(sent.slice(1), ["gh-1: seen 20 at 19"]);
    assert.deepEqual(problems, []);
    server.dispose();
  });

  it("keeps the values it was told in the stored state: after a restart the handler has them without asking", async () => {
    const store = new MemoryStateStore();
    const shadows = { "gh-1": { reported: { setpoint: 18 } } };
    const first = host(shadows, store);
    await first.server.startAll(["gh-1"]);
    shadows["gh-1"].reported.setpoint = 30;
    first.server.settingsChanged("gh-1");
    await first.server.idle();
    first.server.dispose();
    const second = host({}, store); // the shadow is not read again for a resumed VM
    await second.server.handle([message("gh-1", 10)]);
    assert.deepEqual(second.sent, ["gh-1: seen 10 at 30"]);
    second.server.dispose();
  });

  it("set(v) asks the device through its shadow once the batch is stored; the value stays the reported one until the device reports", async () => {
    const { server, sent, requested } = host({ "gh-1": { reported: { setpoint: 20 } } });
    await server.handle([message("gh-1", 30)]);
    assert.deepEqual(requested, [["gh-1", "setpoint", 19]]);
    assert.deepEqual(sent.slice(-1), ["gh-1: seen 30 at 20"], "server code sees the device's value, not the requested one");
    server.dispose();
  });

  it("refuses bad values and set in a fleet handler with clear words, requesting nothing", async () => {
    const { server, requested, problems } = host({ "gh-1": { reported: {} } });
    await server.handle([message("gh-1", 150), message("gh-1", -3), message("gh-1", 50)]);
    assert.deepEqual(requested, [], "nothing asked of any device");
    const text = problems.map((p) => `${p.vm}: ${p.message}`).join("\n");
    assert.match(text, /gh-1: .*setting "setpoint"\.set\(150\) refused: 150 is above the maximum 35 of setting "setpoint" \(accepted: 5 to 35\); nothing was changed/);
    assert.match(text, /gh-1: .*setting "setpoint"\.set\("cold"\) refused: "cold" is not a number/);
    assert.match(text, /_fleet: .*setting "setpoint"\.set\(20\) refused: in api\.server\.onFleet a setting has no device/);
    assert.match(text, /listener for channel "temperature"/, "names the failing callback");
    server.dispose();
  });

  it("without settings shadows, set says so and value is the default", async () => {
    const sent: string[] = [];
    const problems: ServerProblem[] = [];
    const server = new ServerHost({
      engine,
      manifest: build.manifest,
      snapshot: build.snapshots.server,
      store: new MemoryStateStore(),
      outbox: { sendToDevice: (d, _c, v) => void sent.push(`${d}: ${v}`), alert: () => {} },
      report: (p) => void problems.push(p),
      fleetDevices: () => ["gh-1"],
    });
    await server.handle([message("gh-1", 30)]);
    assert.equal(sent[0], "gh-1: start 21 auto");
    assert.match(problems.map((p) => p.message).join("\n"), /setting "setpoint"\.set\(\): this cloud gives server code no settings shadows; nothing was changed/);
    server.dispose();
  });
});
