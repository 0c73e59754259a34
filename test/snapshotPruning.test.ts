import assert from "node:assert/strict";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { EXAMPLE_SECRETS } from "./compiler.test";
import { bootApp } from "./support/testDevice";

/** Whether the snapshot holds `text` (Microvium stores strings as plain UTF-8). */
function holds(snapshot: Uint8Array, text: string): boolean {
  return Buffer.from(snapshot).includes(Buffer.from(text, "utf8"));
}

// core/compiler/snapshotPruning.ts: a snapshot leaves out the object members no code in it names.
describe("snapshot pruning: members no code in the snapshot names are left out", () => {
  let engine: MicroviumEngine;
  before(async () => {
    engine = await loadWasmEngine();
  });

  const boot = (body: string, preamble = "") => bootApp(engine, body, preamble);

  it("the example's device snapshot has no declaration API, no web-only channel end and no dashboard-only logger code", async () => {
    const build = await compileFeatures({ entry: path.join(__dirname, "../examples/grow-station/features/app.ts"), secrets: EXAMPLE_SECRETS });
    const device = build.snapshots.device;
    for (const gone of ["newCommsChannel", "registerUiControl", "getAnalogPin", "setInterval", "addEventListener", "sendToDevice", "onMessage", "Unknown message"]) {
      assert.ok(!holds(device, gone), `device snapshot still holds "${gone}"`);
    }
    // What device code names stays: the wifi callback keeps api.log, the timers keep the send.
    for (const kept of ["log", "pushMessageToServer", "read", "write", "wifi: credentials provisioned"]) {
      assert.ok(holds(device, kept), `device snapshot lost "${kept}"`);
    }
    // The web end keeps what the dashboard names.
    assert.ok(holds(build.snapshots.web, "Unknown message"));
  });

  it("a callback that keeps `api` still gets every member it names, with the late-declaration error", async () => {
    const { device, build, logs } = await boot(`  api.mcu.onStart(() => { api.log("started"); api.defineSecret("late"); });`);
    assert.ok(!holds(build.snapshots.device, "registerUiControl"));
    assert.equal(logs()[0], "started");
    assert.match(device.supervisor.appErrors[0], /api\.defineSecret\("late"\) was called at run time/);
    device.stop();
  });

  it("a dispatch table read with a key from the server keeps every handler", async () => {
    const { device, sent, fromServer } = await boot(
      `  const out = api.newCommsChannel<string>("out");
  const cmd = api.newCommsChannel<string>("cmd");
  const handlers: Record<string, () => void> = {
    on: () => out.pushMessageToServer("turned on"),
    off: () => out.pushMessageToServer("turned off"),
  };
  cmd.addEventListener("messageFromServer", (name) => handlers[name]());`,
    );
    fromServer("cmd", "off", 1);
    fromServer("cmd", "on", 2);
    assert.deepEqual(sent("out"), ["turned off", "turned on"]);
    assert.deepEqual(device.supervisor.appErrors, []);
    device.stop();
  });

  it("listing an object's keys keeps its function members", async () => {
    const { device, sent } = await boot(
      `  const tools = { calibrate: () => 1, reset: () => 2 };
  const ch = api.newCommsChannel<string[]>("tools");
  api.mcu.onStart(() => ch.pushMessageToServer(Object.keys(tools)));`,
    );
    assert.deepEqual(sent("tools"), [["calibrate", "reset"]]);
    device.stop();
  });

  it("a feature that lists keys only through Reflect.ownKeys keeps its function members too", async () => {
    const { device, sent } = await boot(
      `  const tools = { calibrate: () => 1, reset: () => 2 };
  const ch = api.newCommsChannel<string[]>("tools");
  api.mcu.onStart(() => ch.pushMessageToServer(Reflect.ownKeys(tools) as string[]));`,
    );
    assert.deepEqual(sent("tools"), [["calibrate", "reset"]]);
    device.stop();
  });

  it("an API member named by a string the app holds stays, even read with a computed key", async () => {
    const { device, logs } = await boot(`  const member = ["lo", "g"].join("") === "log" ? "log" : "none";
  api.mcu.onStart(() => (api as any)[member]("called by a computed key"));`);
    assert.deepEqual(logs(), ["called by a computed key"]);
    device.stop();
  });

  it("data members are never left out: an object sent whole keeps members no code reads", async () => {
    const { device, sent } = await boot(
      `  const reading = { kind: "soil", unit: "%", value: 0, describe: () => "never called" };
  const ch = api.newCommsChannel<{ kind: string; unit: string; value: number }>("reading");
  api.mcu.onStart(() => {
    reading.value = 42;
    const { describe, ...data } = reading;
    ch.pushMessageToServer(data);
  });`,
    );
    assert.deepEqual(sent("reading"), [{ kind: "soil", unit: "%", value: 42 }]);
    device.stop();
  });

  it("snapshot pruning keeps data members, so values arrive whole: object and array members no code names", async () => {
    // No key listing or computed read in the feature, so its own objects are pruned: only their
    // function members may go. meta, history, the nested members and the array of objects are
    // named by no code, yet they must arrive.
    const { device, build, sent } = await boot(
      `  const reading = {
    kind: "soil",
    value: 0,
    meta: { unit: "%", sensor: "A3", calibrated: true, range: { min: 0, max: 100 } },
    history: [1, 2.5, -3],
    samples: [{ at: 1, v: null }, { at: 2, v: "dry" }],
    empty: {},
    describe: () => "a describe() no device code calls",
  };
  const ch = api.newCommsChannel<{ kind: string; value: number }>("reading");
  api.mcu.onStart(() => {
    reading.value = 42;
    ch.pushMessageToServer(reading);
  });`,
    );
    assert.deepEqual(sent("reading"), [{
      kind: "soil",
      value: 42,
      meta: { unit: "%", sensor: "A3", calibrated: true, range: { min: 0, max: 100 } },
      history: [1, 2.5, -3],
      samples: [{ at: 1, v: null }, { at: 2, v: "dry" }],
      empty: {},
    }]);
    assert.deepEqual(device.supervisor.appErrors, []);
    assert.ok(!holds(build.snapshots.device, "a describe() no device code calls"), "its function member no code names was left out");
    device.stop();
  });

  it("a function member device code doesn't name is left out; one it names works", async () => {
    const { device, build, logs } = await boot(
      `  const helper = { used: () => api.log("used ran"), dashboardOnly: () => "a string only the dashboard needs" };
  api.mcu.onStart(() => helper.used());
  api.registerUiControl((el) => el.setText(helper.dashboardOnly()), { title: "t" });`,
    );
    assert.ok(!holds(build.snapshots.device, "a string only the dashboard needs"));
    assert.ok(holds(build.snapshots.web, "a string only the dashboard needs"));
    assert.deepEqual(logs(), ["used ran"]);
    device.stop();
  });

  it("classes keep the methods device code calls and still run", async () => {
    const { device, sent, build } = await boot(
      `  const avg = new Average(3);
  const ch = api.newCommsChannel<number>("avg");
  api.mcu.onStart(() => { avg.add(3); avg.add(6); ch.pushMessageToServer(avg.value()); });
  api.registerUiControl((el) => el.setText(avg.describe()), { title: "avg" });`,
      `class Average {
  private items: number[] = [];
  constructor(private readonly size: number) {}
  add(x: number) { this.items.push(x); if (this.items.length > this.size) this.items.shift(); }
  value() { return this.items.reduce((a, b) => a + b, 0) / this.items.length; }
  describe() { return "a describe() only the dashboard calls"; }
}`,
    );
    assert.deepEqual(sent("avg"), [4.5]);
    assert.deepEqual(device.supervisor.appErrors, []);
    assert.ok(holds(build.snapshots.web, "a describe() only the dashboard calls"));
    device.stop();
  });
});
