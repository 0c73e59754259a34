/** Server code on the local cloud, end to end: the real broker (mutual TLS), real devices (the
 * firmware's Device on aws-iot-device-sdk-v2 running the device snapshot), the server host running
 * the server snapshot in our WebAssembly engine, its state in the state dir's SQLite database. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { FLEET_STATUS_TOKEN_HEADER } from "../core/contracts/fleetStatus";
import { decodeHistoryPage, HISTORY_PATH } from "../core/contracts/history";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { constantModel } from "../firmware/pinModel";
import { LocalCloud } from "../local/cloud";
import { MqttDevice } from "../web/testSupport/mqttDevice";
import { writeApp } from "./support/tempFeatures";
import { waitFor } from "./support/waitFor";

// A thermostat-like app: readings counted per device on the server (state that must survive),
// an alert at the fifth, a button on one device relayed by the fleet handler to the others' lamp.
const APP = `
  const reading = api.newCommsChannel<number>("reading", { qos: 0, direction: "device-to-server", history: { days: 7 } });
  const count = api.newCommsChannel<number>("count", { direction: "server-to-device" });
  const button = api.newCommsChannel<boolean>("button", { direction: "device-to-server" });
  const relay = api.newCommsChannel<boolean>("relay", { direction: "server-to-device" });
  const sensor = api.mcu.getAnalogPin("A2");
  const knob = api.mcu.getDigitalPin("D2");
  const lamp = api.mcu.getDigitalPin("D6");
  let last = false;
  api.mcu.setInterval(() => {
    reading.pushMessageToServer(sensor.read());
    const pressed = knob.read();
    if (pressed !== last) {
      last = pressed;
      button.pushMessageToServer(pressed);
    }
  }, 100);
  count.addEventListener("messageFromServer", (n) => api.log("count " + n));
  relay.addEventListener("messageFromServer", (on) => lamp.write(on));

  api.server.onDevice((device) => {
    let seen = 0;
    reading.addEventListener("messageFromDevice", (v) => {
      if (v === 13) throw new Error("unlucky reading on " + device.name);
      if (v === 99) {
        let spin = 0;
        while (spin >= 0) spin = spin + 1;
      }
      seen = seen + 1;
      count.sendToDevice(seen);
      if (seen === 5) api.server.notify(device.name + " sent 5 readings");
    });
  });

  api.server.onFleet((fleet) => {
    button.addEventListener("messageFromDevice", (pressed, device) => {
      for (let i = 0; i < fleet.devices.length; i = i + 1) {
        if (fleet.devices[i] !== device.name) relay.sendToDevice(pressed, fleet.devices[i]);
      }
    });
  });`;

describe("server code on the local cloud (onDevice, onFleet, notify, history)", function () {
  this.timeout(60_000);
  let engine: MicroviumEngine;
  let build: CompileResult;
  let stateDir: string;
  let cloud: LocalCloud | undefined;
  let cloudLog: string[];
  const devices: MqttDevice[] = [];
  const deviceLogs = new Map<string, string[]>();

  before(async () => {
    engine = await loadWasmEngine();
    build = await compileFeatures({ entry: writeApp(APP) });
  });

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-server-"));
    cloudLog = [];
    deviceLogs.clear();
  });

  afterEach(async () => {
    for (const d of devices.splice(0)) await d.stop().catch(() => {});
    await cloud?.stop();
    cloud = undefined;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  async function startCloud(dashboard = false): Promise<LocalCloud> {
    cloud = await LocalCloud.start({ stateDir, build, port: 0, ...(dashboard ? {} : { dashboardBundleDir: null }), log: (line) => cloudLog.push(line) });
    return cloud;
  }

  async function device(thing: string, celsius: number): Promise<MqttDevice> {
    const logs = deviceLogs.get(thing) ?? [];
    deviceLogs.set(thing, logs);
    const d = await MqttDevice.connect({ broker: cloud!.broker, manifest: build.manifest, snapshot: build.snapshots.device, thing, engine, pins: { A2: constantModel(celsius) }, onLog: (line) => logs.push(line) });
    cloud!.addDevice(thing);
    devices.push(d);
    return d;
  }

  /** The counts the server sent to `thing`, in order. */
  const counts = (thing: string) => (deviceLogs.get(thing) ?? []).flatMap((line) => (/count (\d+)$/.exec(line) ? [Number(/count (\d+)$/.exec(line)![1])] : []));

  it("keeps a handler's state across a restart of the local cloud, and its alert reaches the cloud's output", async () => {
    await startCloud();
    const d = await device("sim-1", 20);
    await waitFor("six counts from the server", () => counts("sim-1").length >= 6);
    await waitFor("the alert line", () => cloudLog.some((l) => l === "[alert] sim-1: sim-1 sent 5 readings"));
    await d.stop();
    devices.splice(0);
    await cloud!.stop();
    cloud = undefined;
    const before = counts("sim-1");
    const lastBefore = before[before.length - 1];

    await startCloud();
    await device("sim-1", 20);
    await waitFor("counts after the restart", () => counts("sim-1").length >= before.length + 2);
    const after = counts("sim-1").slice(before.length);
    // The handler's `seen` went on from where it was stored, not from 0.
    assert.ok(after[0] > lastBefore, `first count after the restart ${after[0]} should follow ${lastBefore}`);
    for (let i = 1; i < after.length; i++) assert.equal(after[i], after[i - 1] + 1, `counts ${after.join(",")}`);
  });

  it("relays a button on one device to the lamp of another through the fleet handler", async () => {
    await startCloud();
    const a = await device("sim-1", 20);
    const b = await device("sim-2", 20);
    const lampOf = (d: MqttDevice) => d.board.writes.filter((w) => w.pin === "D6").map((w) => w.value);
    a.board.restoreDigitalLevel("D2", true);
    await waitFor("sim-2's lamp on", () => lampOf(b).at(-1) === true);
    assert.deepEqual(lampOf(a), [], "the pressing device is not relayed to");
    a.board.restoreDigitalLevel("D2", false);
    await waitFor("sim-2's lamp off", () => lampOf(b).at(-1) === false);
    b.board.restoreDigitalLevel("D2", true);
    await waitFor("sim-1's lamp on", () => lampOf(a).at(-1) === true);
  });

  it("contains a handler that throws or loops, reports it, and keeps the other devices' handlers (and its own state) going", async () => {
    await startCloud();
    const a = await device("sim-1", 20);
    const b = await device("sim-2", 20);
    await waitFor("sim-1 counted", () => counts("sim-1").length >= 2);
    a.board.setAnalogModel("A2", constantModel(13));
    await waitFor("the throw reported", () => cloudLog.some((l) => l.startsWith("[server] handler for sim-1:") && l.includes("unlucky reading on sim-1")));
    a.board.setAnalogModel("A2", constantModel(99));
    await waitFor("the loop reported", () => cloudLog.some((l) => l.startsWith("[server] handler for sim-1:") && l.includes("instruction budget")), 20_000);
    const sim2Before = counts("sim-2").length;
    await waitFor("sim-2 still counted", () => counts("sim-2").length >= sim2Before + 3);
    const sim1Before = counts("sim-1");
    a.board.setAnalogModel("A2", constantModel(20));
    await waitFor("sim-1 counts again", () => counts("sim-1").length >= sim1Before.length + 2);
    const resumed = counts("sim-1")[sim1Before.length];
    assert.equal(resumed, sim1Before[sim1Before.length - 1] + 1, "the failing readings did not count and the state was kept");
    assert.ok(!cloudLog.some((l) => l.startsWith("[server] handler for sim-2:")), cloudLog.join("\n"));
    void b;
  });

  it("keeps history across a restart and serves it with the device's times (and refuses bad queries)", async () => {
    await startCloud();
    const d = await device("sim-1", 21.5);
    await waitFor("history rows", () => {
      cloud!.cloudHalf.history.flush();
      return cloud!.cloudHalf.history.count() >= 5;
    });
    await d.stop();
    devices.splice(0);
    await cloud!.stop();
    await startCloud(true);
    const origin = cloud!.dashboard!.origin;
    {
      const token = cloud!.broker.issueDashboardToken();
      const get = (query: string, t: string | null = token) => fetch(`${origin}/${HISTORY_PATH}?${query}`, { headers: t === null ? {} : { [FLEET_STATUS_TOKEN_HEADER]: t } });
      const ok = await get("thing=sim-1&channel=reading&since=0");
      assert.equal(ok.status, 200);
      const page = decodeHistoryPage(await ok.json());
      assert.ok(page.messages.length >= 5);
      assert.ok(page.messages.every((m) => m.v === 21.5));
      for (let i = 1; i < page.messages.length; i++) assert.ok(page.messages[i].t >= page.messages[i - 1].t, "oldest first");
      // Device times: about 100 ms apart, as the device's timer sent them.
      const gaps = page.messages.slice(1).map((m, i) => m.t - page.messages[i].t);
      assert.ok(gaps.some((g) => g >= 50), `gaps ${gaps.join(",")}`);

      assert.equal((await get("thing=sim-1&channel=reading", null)).status, 401);
      const noHistory = await get("thing=sim-1&channel=count");
      assert.equal(noHistory.status, 400);
      assert.match(((await noHistory.json()) as { error: string }).error, /keeps no history; declare it with \{ history: \{ days: N \} \}/);
      assert.equal((await get("thing=Sim_1&channel=reading")).status, 400);
      assert.equal((await get("thing=sim-1&channel=reading&limit=0")).status, 400);
    }
  });
});
