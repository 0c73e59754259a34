/** The server host alone (core/server): the server snapshot in our WebAssembly engine, states in
 * a store with the conditional write the local database and DynamoDB have. */
import assert from "node:assert/strict";
import { compileFeatures, type CompileResult } from "../compiler/compileFeatures";
import { loadWasmEngine } from "../engine";
import type { MicroviumEngine } from "../engine/types";
import { FeatureVm } from "../runtime/featureVm";
import { writeApp } from "../../test/support/tempFeatures";
import { compileError } from "../../test/support/compileError";
import { FLEET_VM, MemoryStateStore, ServerHost, type ServerAlert, type ServerProblem, type ServerVmState } from ".";

const APP = `
  const reading = api.newCommsChannel<number>("reading", { direction: "device-to-server" });
  const setpoint = api.newCommsChannel<number>("setpoint", { direction: "server-to-device" });
  api.server.onDevice((device) => {
    let total = 0;
    reading.addEventListener("messageFromDevice", (v) => {
      if (v < 0) setpoint.sendToDevice(v, "someone-else");
      total = total + v;
      setpoint.sendToDevice(total);
      if (total > 100) api.server.notify("  " + device.name + "\\n over 100  ");
      if (v === 7) api.server.notify("   ");
    });
  });
  api.server.onFleet(() => {
    reading.addEventListener("messageFromDevice", (v, device) => {
      if (v === 2) setpoint.sendToDevice(v);
      if (v === 3) setpoint.sendToDevice(v, "nobody");
      if (v === 4) setpoint.sendToDevice(v, device.name);
      if (v === 6) setpoint.sendToDevice(v, device!);
    });
  });
  api.registerUiControl(() => api.server.notify("from the page"), { title: "t" });
  api.mcu.onStart(() => api.server.notify("from the device"));`;

describe("server host (core/server)", () => {
  let engine: MicroviumEngine;
  let build: CompileResult;
  before(async () => {
    [engine, build] = await Promise.all([loadWasmEngine(), compileFeatures({ entry: writeApp(APP) })]);
  });

  function host(store = new MemoryStateStore()) {
    const sent: string[] = [];
    const alerts: ServerAlert[] = [];
    const problems: ServerProblem[] = [];
    const server = new ServerHost({
      engine,
      manifest: build.manifest,
      snapshot: build.snapshots.server,
      store,
      outbox: { sendToDevice: (d, c, v) => void sent.push(`${d} ${c.name} ${JSON.stringify(v)}`), alert: (a) => void alerts.push(a) },
      report: (p) => void problems.push(p),
      fleetDevices: () => ["a", "b"],
    });
    return { server, store, sent, alerts, problems };
  }

  it("records the handlers in the manifest and runs each device's handler with its own state", async () => {
    assert.deepEqual(build.manifest.server, { onDevice: 1, onFleet: 1 });
    const { server, sent, store } = host();
    await server.handle([
      { device: "a", channel: "reading", value: 10, t: 1 },
      { device: "b", channel: "reading", value: 1, t: 1 },
      { device: "a", channel: "reading", value: 5, t: 2 },
    ]);
    assert.deepEqual(sent.sort(), ["a setpoint 10", "a setpoint 15", "b setpoint 1"]);
    assert.deepEqual([...store.states.keys()].sort(), [FLEET_VM, "a", "b"]);
    assert.equal(store.states.get("a")!.version, 1, "one batch, one stored version");
  });

  it("sends a batch's messages only once its state is stored: a lost conditional write re-runs it on the newer state", async () => {
    // Another writer's state for device a (a second Lambda instance): a total of 150.
    const elsewhere = host();
    await elsewhere.server.handle([{ device: "a", channel: "reading", value: 150, t: 1 }]);
    const theirs = elsewhere.store.states.get("a")!;

    const store = new MemoryStateStore();
    let raced = false;
    const save = store.save.bind(store);
    store.save = (key: string, state: ServerVmState, expected: number) => {
      if (key === "a" && expected === 1 && !raced) {
        raced = true; // it stores between our load and our save
        save(key, { ...theirs, version: 2 }, 1);
      }
      return save(key, state, expected);
    };
    const ours = host(store);
    await ours.server.handle([{ device: "a", channel: "reading", value: 50, t: 1 }]);
    await ours.server.handle([{ device: "a", channel: "reading", value: 1, t: 2 }]);
    assert.ok(raced);
    // The first attempt (50 + 1 = 51) was never sent; the re-run on their state sent 151 once.
    assert.deepEqual(ours.sent, ["a setpoint 50", "a setpoint 151"]);
    assert.deepEqual(ours.alerts.map((a) => a.text), ["a over 100"]);
    assert.equal(store.states.get("a")!.version, 3);
  });

  it("refuses bad sends and empty alerts with clear errors, and cleans alert text", async () => {
    const { server, sent, alerts, problems } = host();
    await server.handle([
      { device: "a", channel: "reading", value: -1, t: 1 },
      { device: "a", channel: "reading", value: 200, t: 2 },
      { device: "b", channel: "reading", value: 7, t: 3 },
      { device: "b", channel: "reading", value: 2, t: 4 },
      { device: "b", channel: "reading", value: 3, t: 5 },
      { device: "b", channel: "reading", value: 4, t: 6 },
      { device: "b", channel: "reading", value: 6, t: 7 },
    ]);
    const said = problems.map((p) => `${p.vm}: ${p.message}`).join("\n");
    assert.match(said, /a: listener for channel "reading".*sendToDevice\(value, "someone-else"\): an api.server.onDevice handler sends to its own device \("a"\) only; send to other devices from api.server.onFleet/);
    assert.match(said, /b: .*api.server.notify\(text\): the text is empty/);
    assert.match(said, /_fleet: .*sendToDevice\(value\): in api.server.onFleet, name the device: sendToDevice\(value, deviceName\)/);
    assert.match(said, /_fleet: .*sendToDevice\(value, "nobody"\): no device of that name in the fleet/);
    assert.deepEqual(alerts.map((a) => [a.device, a.text]), [["a", "a over 100"]]);
    assert.ok(sent.includes("b setpoint 4"), "the fleet handler named a device of the fleet");
    assert.ok(sent.includes("b setpoint 6"), "the fleet handler answered the device its listener got (the object, not its name)");
    assert.doesNotMatch(said, /received an object/);
  });

  it("refuses to send a value with a property name of digits (a number key), which no device's engine can hold, and drops such a value from a device", async () => {
    // README "What feature code may use": `o[k] = v` with a number k gives such a name (core/runtime/unholdableNames.ts).
    const zonesApp = await compileFeatures({
      entry: writeApp(`
  const reading = api.newCommsChannel<any>("reading", { direction: "device-to-server" });
  const zones = api.newCommsChannel<any>("zones", { direction: "server-to-device" });
  api.server.onDevice(() => {
    reading.addEventListener("messageFromDevice", (v) => {
      const on: any = {};
      on[v.zone] = true;
      zones.sendToDevice({ zones: on });
    });
  });`),
    });
    const sent: string[] = [];
    const problems: ServerProblem[] = [];
    const server = new ServerHost({ engine, manifest: zonesApp.manifest, snapshot: zonesApp.snapshots.server, store: new MemoryStateStore(), outbox: { sendToDevice: (d, c, v) => void sent.push(`${d} ${c.name} ${JSON.stringify(v)}`), alert() {} }, report: (p) => void problems.push(p), fleetDevices: () => ["a"] });
    await server.handle([
      { device: "a", channel: "reading", value: { zone: 5 }, t: 1 },
      { device: "a", channel: "reading", value: { zone: "k5" }, t: 2 },
      { device: "a", channel: "reading", value: { "3": 1 }, t: 3 },
    ]);
    assert.deepEqual(sent, ['a zones {"zones":{"k5":true}}'], "only the value a device can hold was sent");
    const fix = `is digits only, which the engine that runs feature code can't hold; send an array, or names that don't start with a digit, e.g. "k3"`;
    const said = problems.map((p) => `${p.vm}: ${p.message}`);
    assert.equal(said.length, 2, said.join("\n"));
    assert.match(said[0], /^a: listener for channel "reading" .*failed: sendToDevice on channel "zones" refused: property name "5" \(at \.zones\["5"\]\) is digits only/);
    assert.ok(said[0].endsWith(`${fix}; nothing was sent`), said[0]);
    assert.equal(said[1], `a: message on channel "reading" dropped: property name "3" (at ["3"]) ${fix}`);
  });

  it("starts a VM fresh, and says so, when its stored state is corrupt or from another build", async () => {
    const store = new MemoryStateStore();
    store.states.set("a", { build: build.manifest.snapshots.server.sha256, version: 4, snapshot: new Uint8Array([1, 2, 3, 4, 5]) });
    store.states.set("b", { build: "0".repeat(64), version: 2, snapshot: build.snapshots.server });
    const { server, sent, problems } = host(store);
    await server.handle([
      { device: "a", channel: "reading", value: 1, t: 1 },
      { device: "b", channel: "reading", value: 2, t: 1 },
    ]);
    assert.deepEqual(sent.sort(), ["a setpoint 1", "b setpoint 2"]);
    assert.match(problems.find((p) => p.vm === "a")!.message, /stored state could not be resumed .*it starts fresh/);
    assert.match(problems.find((p) => p.vm === "b")!.message, /made by another build \(000000000000\); it starts fresh/);
    assert.equal(store.states.get("a")!.version, 5);
  });

  it("api.server.notify on the device or the dashboard throws naming the target", () => {
    const web = new FeatureVm(engine, build.snapshots.web, "web", { log() {}, ui: () => 1 });
    assert.throws(() => web.render(0), /api.server.notify can only be called on the server target; this is the web target/);
    const device = new FeatureVm(engine, build.snapshots.device, "device", { log() {}, networkRequest: () => 1, channelOpen: () => 1, timerStart() {} });
    assert.throws(() => device.start(), /api.server.notify can only be called on the server target; this is the device target/);
  });

  it("refuses bad declarations at build time with the feature's file:line", async () => {
    const cases: [string, RegExp][] = [
      [`api.newCommsChannel("t", { history: { days: 0 } });`, /app.ts:\d+:\d+: .*api.newCommsChannel\("t"\): history must be \{ days: N \} with N a whole number of days from 1 to 365, got days 0/],
      [`api.newCommsChannel("t", { history: 7 as never });`, /history must be \{ days: N \}.*got something else/],
      [`api.newCommsChannel("t", { direction: "server-to-device", history: { days: 1 } });`, /history keeps what devices send, and this channel is "server-to-device"/],
      [`api.server.onDevice(42 as never);`, /app.ts:\d+:\d+: .*api.server.onDevice: the callback must be a function/],
      [`api.server.notify("at build");`, /api.server.notify was called while App\(api\) runs at build time/],
      [`const c = api.newCommsChannel<number>("c"); api.server.onDevice(() => c.addEventListener("messageFromDevice", () => api.server.onFleet(() => {}))); api.mcu.onStart(() => api.server.onDevice(() => {}));`, /api.server.onDevice was called at run time/],
    ];
    for (const [body, expected] of cases) {
      if (expected.source.includes("at run time")) {
        // A late declaration compiles; it fails when the device runs it.
        const late = await compileFeatures({ entry: writeApp(`  ${body}`) });
        const device = new FeatureVm(engine, late.snapshots.device, "device", { log() {}, networkRequest: () => 1, channelOpen: () => 1, timerStart() {} });
        assert.throws(() => device.start(), expected);
        continue;
      }
      const error = await compileError({ entry: writeApp(`  ${body}`) });
      assert.match(error.message, expected, body);
    }
  });
});
