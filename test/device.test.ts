import assert from "node:assert/strict";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { decodeEnvelope, encodeEnvelope } from "../core/contracts/envelope";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { FeatureVm } from "../core/runtime/featureVm";
import { topics } from "../core/contracts/topics";
import { SimulatedBoard } from "../firmware/board";
import { ManualClock } from "../firmware/clock";
import { Device } from "../firmware/device";
import { InMemoryTransport } from "../firmware/transport";
import { EXAMPLE_SECRETS } from "./compiler.test";
import { writeApp } from "./support/tempFeatures";
import { WebTestHost } from "./support/webTestHost";
import { bootExample, sentOn } from "./support/testDevice";

const EXAMPLE = path.join(__dirname, "../examples/grow-station/features/app.ts");

describe("device runtime: the example on a simulated board", () => {
  let build: CompileResult;
  let engine: MicroviumEngine;
  before(async () => {
    [build, engine] = await Promise.all([compileFeatures({ entry: EXAMPLE, secrets: EXAMPLE_SECRETS }), loadWasmEngine()]);
  });

  it("pushes the temperature every second and soil moisture every five", async () => {
    const { device, clock, transport } = await bootExample(build, engine);
    clock.advance(10_000);
    const temps = sentOn(transport, "grow-station", "temperature");
    assert.equal(temps.length, 10);
    assert.ok(temps.every((e) => e.v === 21.5), JSON.stringify(temps.map((e) => e.v)));
    // Envelope ids are <bootId>:<seq>, strictly increasing across channels.
    const seqs = transport.sent.filter((m) => m.topic.endsWith("/up") && !m.topic.includes("_log")).map((m) => Number(decodeEnvelope(m.payload).id.split(":")[1]));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal(new Set(seqs).size, seqs.length);
    assert.deepEqual(sentOn(transport, "grow-station", "soil-moisture").map((e) => e.v), [50, 50]);
    assert.deepEqual(device.supervisor.appErrors, []);
    device.stop();
  });

  it("follows the pin model over time", async () => {
    const clock = new ManualClock();
    const start = clock.now();
    const transport = new InMemoryTransport();
    const board = SimulatedBoard.forManifest(build.manifest, () => clock.now(), { A2: (t) => 20 + (t - start) / 1000 });
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", board, clock, transport, engine });
    clock.advance(3000);
    assert.deepEqual(sentOn(transport, "grow-station", "temperature").map((e) => e.v), [21, 22, 23]);
    device.stop();
  });

  it("coded logger: device sends an integer code, the web snapshot turns it back into text", async () => {
    const { device, transport } = await bootExample(build, engine);
    const codes = sentOn(transport, "grow-station", "event-log");
    assert.deepEqual(codes.map((e) => e.v), [0], "onStart logs 'Sensor started' as code 0");

    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    const eventLog = build.manifest.controls.find((c) => c.title === "Event log")!.index;
    const channel = build.manifest.channels.findIndex((c) => c.name === "event-log");
    web.render(eventLog);
    web.deliver(channel, codes[0].v);
    assert.equal(host.texts.get(eventLog), "Sensor started");
    web.deliver(channel, 99);
    assert.equal(host.texts.get(eventLog), "Unknown message");
    web.dispose();
    device.stop();
  });

  it("grow light: the dashboard toggle reaches the device's digital pin", async () => {
    const { device, transport, board } = await bootExample(build, engine);
    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    const control = build.manifest.controls.find((c) => c.title === "Grow light")!.index;
    web.render(control);
    assert.equal(host.toggles.length, 1);
    assert.equal(host.toggles[0].label, "Grow light");

    web.uiEvent(host.toggles[0].slot, true);
    assert.equal(host.sent.length, 1);
    const channel = build.manifest.channels[host.sent[0].channelIndex];
    assert.equal(channel.name, "grow-light");

    // What the cloud would deliver on the device's down topic.
    transport.inject(topics.down("grow-station", "gh-1", channel.name), encodeEnvelope("web", 1, host.sent[0].value, Date.now()));
    assert.equal(board.digitalRead("D5"), true);
    assert.deepEqual(sentOn(transport, "grow-station", "event-log").map((e) => e.v), [0, 3], "logs 'Grow light on'");
    web.dispose();
    device.stop();
  });

  it("shows the temperature in the web control when a reading arrives", async () => {
    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    web.render(0);
    assert.equal(host.texts.get(0), "waiting for the first reading…");
    web.deliver(build.manifest.channels.findIndex((c) => c.name === "temperature"), 21.5);
    assert.equal(host.texts.get(0), "21.5 °C");
    web.dispose();
  });

  it("buffers logs and messages while offline and sends them in order after reconnect", async () => {
    const { device, clock, transport } = await bootExample(build, engine);
    transport.setConnected(false);
    clock.advance(3000);
    assert.equal(device.supervisor.queuedMessages, 3);
    transport.setConnected(true);
    assert.equal(device.supervisor.queuedMessages, 0);
    assert.equal(sentOn(transport, "grow-station", "temperature").length, 3);
    const logs = transport.sent.filter((m) => m.topic === topics.log("grow-station", "gh-1")).map((m) => JSON.parse(m.payload).msg);
    assert.deepEqual(logs, ["wifi: credentials provisioned"]);
    device.stop();
  });

  it("reports engine memory use", async () => {
    const { device, clock } = await bootExample(build, engine);
    clock.advance(2000);
    const stats = device.vm.memoryStats();
    assert.ok(stats.heapUsed > 0 && stats.heapUsed <= stats.heapHighWaterMark, JSON.stringify(stats));
    assert.ok(stats.totalSize < 64 * 1024, JSON.stringify(stats));
    device.stop();
  });

  it("refuses a snapshot whose sha256 doesn't match the manifest", async () => {
    const tampered = Uint8Array.from(build.snapshots.device);
    tampered[tampered.length - 1] ^= 0xff;
    await assert.rejects(Device.boot({ manifest: build.manifest, snapshot: tampered, thing: "gh-1", engine }), /sha256 .* does not match/);
  });
});

describe("device runtime: mistakes a feature makes at run time", () => {
  let engine: MicroviumEngine;
  before(async () => {
    engine = await loadWasmEngine();
  });

  async function runApp(body: string, ms = 1500) {
    const build = await compileFeatures({ entry: writeApp(body) });
    const clock = new ManualClock();
    const transport = new InMemoryTransport();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", clock, transport, engine });
    clock.advance(ms);
    device.stop();
    return { device, transport, build };
  }

  it("throws when a channel is declared at run time", async () => {
    const { device } = await runApp(`  api.mcu.onStart(() => api.newCommsChannel("late"));`);
    assert.match(device.supervisor.appErrors[0], /api\.newCommsChannel\("late"\) was called at run time/);
  });

  it("throws when registerUiControl is called on the MCU at run time", async () => {
    const { device } = await runApp(`  api.mcu.onStart(() => api.registerUiControl((el) => el.setText("x"), { title: "x" }));`);
    assert.match(device.supervisor.appErrors[0], /api\.registerUiControl was called at run time/);
  });

  it("refuses to send functions and cycles, and keeps running", async () => {
    const { device, transport } = await runApp(
      `  const ch = api.newCommsChannel("data");
  api.mcu.onStart(() => { const o: any = { a: 1 }; o.self = o; ch.pushMessageToServer(o); });
  api.mcu.setTimeout(() => ch.pushMessageToServer((() => 1) as any), 500);
  api.mcu.setTimeout(() => ch.pushMessageToServer({ ok: [1, "two", true, null, { n: 2.5 }] }), 1000);`,
    );
    assert.match(device.supervisor.appErrors[0], /a value with a cycle .* can't be sent/);
    assert.match(device.supervisor.appErrors[1], /a function can't be sent over a channel/);
    const sent = transport.sent.filter((m) => m.topic.endsWith("/data/up")).map((m) => decodeEnvelope(m.payload).v);
    assert.deepEqual(sent, [{ ok: [1, "two", true, null, { n: 2.5 }] }]);
  });

  it("sends nested values that share a member; a function nested in a value is refused", async () => {
    const { device, transport } = await runApp(
      `  const ch = api.newCommsChannel("data");
  api.mcu.setTimeout(() => { const shared = { k: 1 }; ch.pushMessageToServer({ a: shared, b: [shared, [shared]], e: {} }); }, 100);
  api.mcu.setTimeout(() => ch.pushMessageToServer({ list: [1, { f: () => 2 }] } as any), 200);
  api.mcu.setTimeout(() => ch.pushMessageToServer([[], "after"]), 300);`,
    );
    assert.equal(device.supervisor.appErrors.length, 1);
    assert.match(device.supervisor.appErrors[0], /a function can't be sent over a channel/);
    const sent = transport.sent.filter((m) => m.topic.endsWith("/data/up")).map((m) => decodeEnvelope(m.payload).v);
    assert.deepEqual(sent, [{ a: { k: 1 }, b: [{ k: 1 }, [{ k: 1 }]], e: {} }, [[], "after"]]);
  });

  it("timers set while App runs start with the app; run-time timers reuse free slots and can be cleared; bad handles are ignored", async () => {
    const { device, transport } = await runApp(
      `  const ch = api.newCommsChannel("t", { qos: 0 });
  api.mcu.setTimeout(() => {
    ch.pushMessageToServer("once");
    const h = api.mcu.setInterval(() => ch.pushMessageToServer("never"), 50);
    api.mcu.clearTimer(h);
    api.mcu.clearTimer(0); // build-time timers' handle: nothing to clear
    api.mcu.clearTimer(99);
    api.mcu.clearTimer(undefined as any);
    api.mcu.setTimeout(() => ch.pushMessageToServer("later"), 100);
  }, 100);
  api.mcu.setInterval(() => ch.pushMessageToServer("tick"), 150);`,
      400,
    );
    assert.deepEqual(device.supervisor.appErrors, []);
    const sent = transport.sent.filter((m) => m.topic.endsWith("/t/up")).map((m) => decodeEnvelope(m.payload).v);
    assert.deepEqual(sent, ["once", "tick", "later", "tick"]);
  });

  it("an app whose channels are all primitive gets a smaller device snapshot that refuses objects clearly", async () => {
    const body = (type: string) => `  const ch = api.newCommsChannel${type}("level");
  const cmd = api.newCommsChannel${type}("cmd");
  cmd.addEventListener("messageFromServer", (v) => ch.pushMessageToServer(v));
  api.mcu.setTimeout(() => ch.pushMessageToServer(7), 100);
  api.mcu.setTimeout(() => ch.pushMessageToServer({ level: 1 } as any), 200);`;
    const typed = await compileFeatures({ entry: writeApp(body("<number>")) });
    const untyped = await compileFeatures({ entry: writeApp(body("")) });
    assert.ok(typed.manifest.snapshots.device.size < untyped.manifest.snapshots.device.size - 200, `${typed.manifest.snapshots.device.size} vs ${untyped.manifest.snapshots.device.size}`);
    assert.equal(typed.manifest.snapshots.web.size, untyped.manifest.snapshots.web.size, "web keeps the full codec");

    const clock = new ManualClock();
    const transport = new InMemoryTransport();
    const device = await Device.boot({ manifest: typed.manifest, snapshot: typed.snapshots.device, thing: "gh-1", clock, transport, engine });
    clock.advance(300);
    transport.inject(topics.down("test-app", "gh-1", "cmd"), encodeEnvelope("srv", 1, 5, Date.now()));
    transport.inject(topics.down("test-app", "gh-1", "cmd"), encodeEnvelope("srv", 2, { level: 2 }, Date.now()));
    device.stop();
    assert.equal(device.supervisor.appErrors.length, 2);
    assert.match(device.supervisor.appErrors[0], /channel "level": an object or array can't be sent or received here, because the values this app's code sends on its channels are all numbers, strings or booleans/);
    assert.match(device.supervisor.appErrors[1], /a channel: an object or array can't be sent or received here/);
    const sent = transport.sent.filter((m) => m.topic.endsWith("/level/up")).map((m) => decodeEnvelope(m.payload).v);
    assert.deepEqual(sent, [7, 5]);
  });

  it("runs everyday TypeScript on the device exactly as Node would", async () => {
    const { device, transport } = await runApp(
      `  const ch = api.newCommsChannel("stats", { qos: 0 });
  const cfg: { every?: number; labels?: string[] } = { labels: ["lo", "hi"] };
  api.mcu.setTimeout(() => {
    const readings = [3, 1, 2];
    const [first, ...rest] = [...readings].sort((a, b) => a - b);
    let total = 0;
    for (const r of readings) total += r;
    const { labels = [] } = cfg;
    ch.pushMessageToServer({ min: first, rest, mean: total / readings.length, label: labels.find((l) => l.length === 2)?.toUpperCase() ?? "none", text: \`\${readings.length} readings\`, missing: cfg.every ?? -1 });
  }, 100);`,
    );
    assert.deepEqual(device.supervisor.appErrors, []);
    const sent = transport.sent.filter((m) => m.topic.endsWith("/stats/up")).map((m) => decodeEnvelope(m.payload).v);
    assert.deepEqual(sent, [{ min: 1, rest: [2, 3], mean: 2, label: "LO", text: "3 readings", missing: -1 }]);
  });

  it("async functions, await and new Promise run on the device, continuations after the callback returns", async () => {
    const { device, transport } = await runApp(
      `  const ch = api.newCommsChannel<any>("steps", { qos: 0 });
  const later = (v: number) => new Promise<number>((resolve) => api.mcu.setTimeout(() => resolve(v), 200));
  async function failing() { await later(0); throw new Error("sensor offline"); }
  async function work() {
    ch.pushMessageToServer("start");
    const a = await later(21);
    ch.pushMessageToServer(a * 2);
    try { await failing(); } catch (e) { ch.pushMessageToServer("caught " + (e as Error).message); }
  }
  api.mcu.setTimeout(() => { work(); ch.pushMessageToServer("callback returned"); }, 100);`,
    );
    assert.deepEqual(device.supervisor.appErrors, []);
    const steps = transport.sent.filter((m) => m.topic.endsWith("/steps/up")).map((m) => decodeEnvelope(m.payload).v);
    assert.deepEqual(steps, ["start", "callback returned", 42, "caught sensor offline"]);
  });

  it("receives objects and arrays from the server and can send them back", async () => {
    const build = await compileFeatures({
      entry: writeApp(`  const cmd = api.newCommsChannel<any>("cmd");\n  const echo = api.newCommsChannel<any>("echo");\n  cmd.addEventListener("messageFromServer", (v) => echo.pushMessageToServer({ second: v.levels[1], on: v.on, name: v.meta.name, empty: v.meta.tags.length }));`),
    });
    const transport = new InMemoryTransport();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", clock: new ManualClock(), transport, engine });
    const value = { on: true, levels: [10, 20.5, -3], meta: { name: "zone ä", tags: [] } };
    transport.inject(topics.down("test-app", "gh-1", "cmd"), encodeEnvelope("srv", 1, value, Date.now()));
    assert.deepEqual(device.supervisor.appErrors, []);
    const sent = transport.sent.filter((m) => m.topic.endsWith("/echo/up")).map((m) => decodeEnvelope(m.payload).v);
    assert.deepEqual(sent, [{ second: 20.5, on: true, name: "zone ä", empty: 0 }]);
    device.stop();
  });

  it("an exception in a callback is reported with its message; other timers go on", async () => {
    const { device, transport } = await runApp(
      `  const ch = api.newCommsChannel("beat", { qos: 0 });
  let n = 0;
  api.mcu.setInterval(() => { n = n + 1; if (n === 2) throw new Error("sensor glitch " + n); ch.pushMessageToServer(n); }, 400);`,
    );
    assert.equal(device.supervisor.appErrors.length, 1);
    assert.match(device.supervisor.appErrors[0], /^timer \(setInterval at .*app\.ts:\d+:\d+\) failed: sensor glitch 2$/);
    assert.deepEqual(transport.sent.filter((m) => m.topic.endsWith("/beat/up")).map((m) => decodeEnvelope(m.payload).v), [1, 3]);
  });

  it("wrong-target calls name the API and the target", async () => {
    const build = await compileFeatures({
      entry: writeApp(`  const pin = api.mcu.getAnalogPin("A2");\n  const ch = api.newCommsChannel("c");\n  api.registerUiControl((el) => el.setText("" + pin.read()), { title: "t" });\n  api.registerUiControl((el) => ch.pushMessageToServer(1), { title: "u" });\n  api.mcu.onStart(() => ch.sendToDevice(1));`),
    });
    const web = new FeatureVm(engine, build.snapshots.web, "web", new WebTestHost());
    assert.throws(() => web.render(0), /pin "A2"\.read\(\) can only be called on the device target; this is the web target/);
    assert.throws(() => web.render(1), /channel "c"\.pushMessageToServer can only be called on the device target; this is the web target/);
    web.dispose();
    const clock = new ManualClock();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", clock, engine });
    assert.match(device.supervisor.appErrors[0], /channel "c"\.sendToDevice can only be called on the web or server target; this is the device target/);
    device.stop();
  });

  it("api.log of an object or array prints it as JSON, at build time and on the device; text stays text", async () => {
    const build = await compileFeatures({
      entry: writeApp(
        [
          `  const reading: { [k: string]: unknown } = { t: 21.5, tags: ["soil", "air"], ok: true, none: null, said: 'a "quote"' };`,
          `  api.log(reading);`,
          `  api.mcu.onStart(() => { api.log(reading); api.log([1, [2, {}], "x"]); api.log("plain " + 3); api.log(7); });`,
        ].join("\n"),
      ),
    });
    const json = `{"t":21.5,"tags":["soil","air"],"ok":true,"none":null,"said":"a \\"quote\\""}`;
    assert.deepEqual(build.buildLogs, [json]);
    const logs: string[] = [];
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", clock: new ManualClock(), engine, onLog: (l) => logs.push(l) });
    assert.deepEqual(logs, [`[app] ${json}`, `[app] [1,[2,{}],"x"]`, "[app] plain 3", "[app] 7"]);
    device.stop();
  });

  it("an app whose api.log calls all get text leaves the JSON formatter out of its device snapshot", async () => {
    const entry = writeApp(`  const reading = { t: 21.5 };\n  api.mcu.onStart(() => api.log("t=" + reading.t));`);
    const inferred = await compileFeatures({ entry });
    const kept = await compileFeatures({ entry, inferLogObjects: false });
    assert.ok(inferred.manifest.snapshots.device.size < kept.manifest.snapshots.device.size, `${inferred.manifest.snapshots.device.size} B with the formatter left out, ${kept.manifest.snapshots.device.size} B kept`);
  });

  it("a secret read on the web target throws; on the device it has the value", async () => {
    const build = await compileFeatures({
      entry: writeApp(`  const key = api.defineSecret("api-key");\n  const ch = api.newCommsChannel("c");\n  api.registerUiControl((el) => el.setText(key.value), { title: "leak" });\n  api.mcu.onStart(() => api.log("key length ok: " + (key.value === "s3cr3t-value")));`),
      secrets: { "api-key": "s3cr3t-value" },
    });
    const web = new FeatureVm(engine, build.snapshots.web, "web", new WebTestHost());
    assert.throws(() => web.render(0), /secret "api-key"\.value is only available on the device target; it was read on the web target/);
    web.dispose();
    const logs: string[] = [];
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "gh-1", clock: new ManualClock(), engine, onLog: (l) => logs.push(l) });
    assert.deepEqual(logs, ["[app] key length ok: true"]);
    device.stop();
  });
});

describe("dashboard widgets from the web snapshot", () => {
  let engine: MicroviumEngine;
  before(async () => {
    engine = await loadWasmEngine();
  });

  const widgetApp = `  const temp = api.newCommsChannel<number>("temp", { direction: "device-to-server" });
  const fan = api.newCommsChannel<number>("fan", { direction: "server-to-device" });
  const ping = api.newCommsChannel<string>("ping", { direction: "server-to-device" });
  api.registerUiControl((el) => {
    const gauge = el.gauge({ min: 10, max: 40, unit: "°C" });
    const chart = el.chart({ unit: "°C", window: 120 });
    temp.addEventListener("messageFromDevice", (v) => { el.setText(v + " °C"); gauge.set(v); chart.set(v); });
  }, { title: "Temperature" });
  api.registerUiControl((el) => {
    el.slider({ min: 0, max: 255, step: 5 }, (v) => fan.sendToDevice(v));
    el.button("Ping", () => ping.sendToDevice("ping"));
  }, { title: "Fan" });`;

  it("gauge and chart get their options and every reading; text follows", async () => {
    const build = await compileFeatures({ entry: writeApp(widgetApp) });
    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    web.render(0);
    assert.deepEqual(host.widgets.map((w) => [w.kind, w.options]), [["gauge", [10, 40, "°C"]], ["chart", ["°C", 120]]]);
    web.deliver(0, 21.5);
    web.deliver(0, 22);
    assert.deepEqual(host.widgets.map((w) => w.values), [[21.5, 22], [21.5, 22]]);
    assert.equal(host.texts.get(0), "22 °C");
    web.dispose();
  });

  it("slider and button callbacks send to the device", async () => {
    const build = await compileFeatures({ entry: writeApp(widgetApp) });
    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    web.render(1);
    const [slider, button] = host.inputs;
    assert.deepEqual([slider.kind, slider.args.slice(0, 3)], ["slider", [0, 255, 5]]);
    assert.deepEqual([button.kind, button.args[0]], ["button", "Ping"]);
    web.uiEvent(slider.args[3] as number, 128);
    web.uiEvent(button.args[1] as number, null);
    assert.deepEqual(host.sent, [{ channelIndex: 1, value: 128 }, { channelIndex: 2, value: "ping" }]);
    web.dispose();
  });

  it("defaults options; a non-number option or value is an error naming the widget", async () => {
    const build = await compileFeatures({
      entry: writeApp(`  api.registerUiControl((el) => { el.gauge(); el.chart(); }, { title: "d" });
  api.registerUiControl((el) => { el.gauge({ min: "low" as any }); }, { title: "bad" });
  api.registerUiControl((el) => { el.chart({}).set("hot" as any); }, { title: "bad value" });
  api.registerUiControl((el) => { el.button("go", 3 as any); }, { title: "bad callback" });`),
    });
    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    web.render(0);
    assert.deepEqual(host.widgets.map((w) => w.options), [[0, 100, ""], ["", 60]]);
    assert.throws(() => web.render(1), /el\.gauge: min must be a number/);
    assert.throws(() => web.render(2), /set: value must be a number/);
    assert.throws(() => web.render(3), /el\.button: the callback must be a function/);
    web.dispose();
  });
});
