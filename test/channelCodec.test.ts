import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../core/compiler/compileFeatures";
import { encodeEnvelope } from "../core/contracts/envelope";
import { topics } from "../core/contracts/topics";
import { loadWasmEngine } from "../core/engine";
import type { MicroviumEngine } from "../core/engine/types";
import { FeatureVm } from "../core/runtime/featureVm";
import { InMemoryTransport } from "../firmware/transport";
import { SIZE_BUDGETS } from "../bench/sizeBudgets";
import { exampleWithoutTypeArguments } from "./support/exampleWithoutTypeArguments";
import { writeApp } from "./support/tempFeatures";
import { bootExample, sentOn } from "./support/testDevice";
import { WebTestHost } from "./support/webTestHost";

const EXAMPLE = path.join(__dirname, "../examples/grow-station/features/app.ts");
const EXAMPLE_SECRETS = JSON.parse(fs.readFileSync(path.join(__dirname, "../examples/grow-station/dev-secrets.json"), "utf8"));
const REFUSED = /an object or array can't be sent or received here, because the values this app's code sends on its channels are all numbers, strings or booleans/;

/** Values the device published on a channel. */
const valuesOn = (transport: InMemoryTransport, app: string, channel: string) => sentOn(transport, app, channel).map((e) => e.v);

describe("device channel codec inferred from the feature code's types", () => {
  let engine: MicroviumEngine;
  let annotated: CompileResult;
  let plain: CompileResult;
  before(async () => {
    engine = await loadWasmEngine();
    annotated = await compileFeatures({ entry: EXAMPLE, secrets: EXAMPLE_SECRETS });
    plain = await compileFeatures({ entry: exampleWithoutTypeArguments(), secrets: EXAMPLE_SECRETS });
  });

  it("the example written without type arguments gets the device snapshot it gets with them, within 2,048 B", async () => {
    assert.ok(plain.manifest.snapshots.device.size <= SIZE_BUDGETS.exampleDeviceSnapshotBytes, `device snapshot ${plain.manifest.snapshots.device.size} B`);
    assert.deepEqual(Buffer.from(plain.snapshots.device), Buffer.from(annotated.snapshots.device), "same bytes: the codec is left out of both");
    const fullCodec = await compileFeatures({ entry: exampleWithoutTypeArguments(), secrets: EXAMPLE_SECRETS, inferChannelCodec: false });
    assert.ok(fullCodec.manifest.snapshots.device.size > plain.manifest.snapshots.device.size + 300, `with the whole codec: ${fullCodec.manifest.snapshots.device.size} B`);
    assert.deepEqual(Buffer.from(plain.snapshots.web), Buffer.from(fullCodec.snapshots.web), "the dashboard keeps the whole codec");
  });

  it("runs without type arguments: numbers go up, the toggle's boolean comes down, an object sent down is refused clearly and the app goes on", async () => {
    const { device, clock, transport, board } = await bootExample(plain, engine);
    clock.advance(5000);
    assert.deepEqual(valuesOn(transport, "grow-station", "temperature"), [21.5, 21.5, 21.5, 21.5, 21.5]);
    assert.deepEqual(valuesOn(transport, "grow-station", "soil-moisture"), [50]);
    assert.deepEqual(valuesOn(transport, "grow-station", "event-log"), [0]);

    const host = new WebTestHost();
    const web = new FeatureVm(engine, plain.snapshots.web, "web", host);
    web.render(plain.manifest.controls.find((c) => c.title === "Grow light")!.index);
    web.uiEvent(host.toggles[0].slot, true);
    web.dispose();
    const growLight = topics.down("grow-station", "gh-1", "grow-light");
    transport.inject(growLight, encodeEnvelope("web", 1, host.sent[0].value, Date.now()));
    assert.equal(board.digitalRead("D5"), true);

    // Something outside the app (the `down` topic is a deployment output) sends an object.
    transport.inject(growLight, encodeEnvelope("srv", 2, { on: false }, Date.now()));
    assert.equal(device.supervisor.appErrors.length, 1);
    assert.match(device.supervisor.appErrors[0], REFUSED);
    assert.match(device.supervisor.appErrors[0], /Declare the channel with the object type it carries/);
    assert.equal(board.digitalRead("D5"), true, "the refused value did not reach the listener");

    transport.inject(growLight, encodeEnvelope("web", 3, false, Date.now()));
    assert.equal(board.digitalRead("D5"), false);
    clock.advance(1000);
    assert.equal(valuesOn(transport, "grow-station", "temperature").length, 6);
    assert.deepEqual(valuesOn(transport, "grow-station", "event-log"), [0, 3, 4]);
    device.stop();
  });

  it("an object typed as a number (a cast) is refused on send with an error naming the channel; numbers keep flowing", async () => {
    const body = `  const level = api.newCommsChannel("level", { qos: 0 });
  let n = 0;
  api.mcu.setInterval(() => {
    n = n + 1;
    const reading = n === 2 ? ({ level: n } as unknown as number) : n;
    level.pushMessageToServer(reading);
  }, 100);`;
    const entry = writeApp(body);
    const build = await compileFeatures({ entry });
    const fullCodec = await compileFeatures({ entry, inferChannelCodec: false });
    assert.ok(build.manifest.snapshots.device.size < fullCodec.manifest.snapshots.device.size - 300, `${build.manifest.snapshots.device.size} vs ${fullCodec.manifest.snapshots.device.size} B`);

    const { device, clock, transport } = await bootExample(build, engine);
    clock.advance(300);
    device.stop();
    assert.equal(device.supervisor.appErrors.length, 1);
    assert.match(device.supervisor.appErrors[0], /channel "level": /);
    assert.match(device.supervisor.appErrors[0], REFUSED);
    assert.deepEqual(valuesOn(transport, "test-app", "level"), [1, 3]);
  });

  it("a channel the device hears that nothing in the app sends on keeps the decoder: objects from the user's own services arrive whole", async () => {
    const body = `  const commands = api.newCommsChannel("commands", { direction: "server-to-device" });
  const acks = api.newCommsChannel("acks", { direction: "device-to-server" });
  commands.addEventListener("messageFromServer", (value) => {
    const c = value as { zone: string; levels: number[] };
    acks.pushMessageToServer(c.zone + ":" + c.levels.length);
  });`;
    const entry = writeApp(body);
    const build = await compileFeatures({ entry });
    const fullCodec = await compileFeatures({ entry, inferChannelCodec: false });
    // Only the encoder goes: the device sends strings.
    assert.ok(build.manifest.snapshots.device.size < fullCodec.manifest.snapshots.device.size - 150, `${build.manifest.snapshots.device.size} vs ${fullCodec.manifest.snapshots.device.size} B`);

    const { device, transport } = await bootExample(build, engine);
    transport.inject(topics.down("test-app", "gh-1", "commands"), encodeEnvelope("rule", 1, { zone: "north", levels: [1, 2, 3] }, Date.now()));
    device.stop();
    assert.deepEqual(device.supervisor.appErrors, []);
    assert.deepEqual(valuesOn(transport, "test-app", "acks"), ["north:3"]);
  });

  it("an app without type arguments that sends objects both ways keeps the codec, and they arrive whole", async () => {
    const body = `  const status = api.newCommsChannel("status");
  const config = api.newCommsChannel("config", { direction: "server-to-device" });
  api.mcu.setTimeout(() => status.pushMessageToServer({ celsius: 21.5, ok: true, zones: ["a", "b"] }), 100);
  config.addEventListener("messageFromServer", (value) => {
    const c = value as { threshold: number; zones: string[] };
    status.pushMessageToServer({ applied: c.threshold, zones: c.zones.length });
  });
  api.registerUiControl((el) => el.button("Apply", () => config.sendToDevice({ threshold: 30, zones: ["a", "b", "c"] })), { title: "Config" });`;
    const entry = writeApp(body);
    const build = await compileFeatures({ entry });
    const fullCodec = await compileFeatures({ entry, inferChannelCodec: false });
    assert.deepEqual(Buffer.from(build.snapshots.device), Buffer.from(fullCodec.snapshots.device), "the whole codec stays");

    const host = new WebTestHost();
    const web = new FeatureVm(engine, build.snapshots.web, "web", host);
    web.render(0);
    web.uiEvent(host.inputs[0].args[1] as number, null);
    web.dispose();
    assert.deepEqual(host.sent.map((s) => s.value), [{ threshold: 30, zones: ["a", "b", "c"] }]);

    const { device, clock, transport } = await bootExample(build, engine);
    clock.advance(200);
    transport.inject(topics.down("test-app", "gh-1", "config"), encodeEnvelope("web", 1, host.sent[0].value, Date.now()));
    device.stop();
    assert.deepEqual(device.supervisor.appErrors, []);
    assert.deepEqual(valuesOn(transport, "test-app", "status"), [{ celsius: 21.5, ok: true, zones: ["a", "b"] }, { applied: 30, zones: 3 }]);
  });
});
