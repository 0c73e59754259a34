import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { decodeEnvelope } from "../core/envelope";
import { loadWasmEngine } from "../core/engine";
import { writeApp } from "../test/support/tempFeatures";
import { BoundedQueue } from "./boundedQueue";
import { ManualClock } from "./clock";
import { Device } from "./device";
import { HandleTable } from "./handles";
import { csvModel, parsePinSpec, sineModel } from "./pinModel";
import { InMemoryTransport } from "./transport";

describe("firmware: pin models", () => {
  it("sine oscillates between min and max with the period", () => {
    const m = sineModel(20, 30, 60);
    assert.equal(m(0), 25);
    assert.ok(Math.abs(m(15_000) - 30) < 1e-9);
    assert.ok(Math.abs(m(45_000) - 20) < 1e-9);
  });

  it("csv holds each value until the next row and loops", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-csv-"));
    const file = path.join(dir, "t.csv");
    fs.writeFileSync(file, "seconds,celsius\n0,20\n2,21.5\n5,19\n");
    const m = csvModel(file);
    fs.rmSync(dir, { recursive: true });
    assert.deepEqual([0, 1999, 2000, 4999, 5000, 6000, 6500].map(m), [20, 20, 21.5, 21.5, 19, 20, 20]);
  });

  it("parses CLI pin specs and explains bad ones", () => {
    assert.equal(parsePinSpec("A2=const:21.5").model(0), 21.5);
    assert.equal(parsePinSpec("A3=sine:0:10:4").model(1000), 10);
    assert.throws(() => parsePinSpec("A2"), /use PIN=sine:MIN:MAX/);
    assert.throws(() => parsePinSpec("A2=sine:1"), /sine needs MIN:MAX/);
    assert.throws(() => parsePinSpec("A2=const:warm"), /const needs VALUE as numbers/);
    assert.throws(() => parsePinSpec("A2=csv:/nonexistent.csv"), /ENOENT/);
  });
});

describe("firmware: handles and queues", () => {
  it("never hands out 0 and doesn't reuse a closed handle right away", () => {
    const t = new HandleTable<string>();
    const a = t.open("a");
    assert.notEqual(a, 0);
    t.close(a);
    const b = t.open("b");
    assert.notEqual(b, a);
    assert.equal(t.get(a), undefined);
    assert.equal(t.get(b), "b");
  });

  it("a bounded queue drops the oldest and counts it", () => {
    const q = new BoundedQueue<number>(2);
    [1, 2, 3].forEach((n) => q.push(n));
    assert.equal(q.dropped, 1);
    assert.deepEqual(q.drain(), [2, 3]);
    assert.throws(() => new BoundedQueue(0), /capacity must be a whole number >= 1/);
  });
});

describe("firmware: supervisor handles as the app sees them", () => {
  it("a closed channel handle is zeroed in the app, which reopens it on the next send", async () => {
    const build = await compileFeatures({
      entry: writeApp(`  const ch = api.newCommsChannel("beat", { qos: 0 });\n  let n = 0;\n  api.mcu.setInterval(() => { n = n + 1; ch.pushMessageToServer(n); }, 100);`),
    });
    const clock = new ManualClock();
    const transport = new InMemoryTransport();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "t-1", clock, transport, engine: await loadWasmEngine() });
    clock.advance(200);
    const opened = (device.supervisor as any).handles.entries().filter(([, r]: [number, { kind: string }]) => r.kind === "channel");
    assert.equal(opened.length, 1);
    device.supervisor.closeHandle(opened[0][0]);
    clock.advance(200);
    const reopened = (device.supervisor as any).handles.entries().filter(([, r]: [number, { kind: string }]) => r.kind === "channel");
    assert.equal(reopened.length, 1);
    assert.notEqual(reopened[0][0], opened[0][0], "a fresh handle, not the closed one");
    assert.deepEqual(transport.sent.map((m) => decodeEnvelope(m.payload).v), [1, 2, 3, 4]);
    assert.deepEqual(device.supervisor.appErrors, []);
    device.stop();
  });

  it("drops the oldest messages past the outbox capacity and counts them", async () => {
    const build = await compileFeatures({
      entry: writeApp(`  const ch = api.newCommsChannel("beat", { qos: 0 });\n  let n = 0;\n  api.mcu.setInterval(() => { n = n + 1; ch.pushMessageToServer(n); }, 100);`),
    });
    const clock = new ManualClock();
    const transport = new InMemoryTransport();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "t-1", clock, transport, engine: await loadWasmEngine(), outboxCapacity: 3 });
    transport.setConnected(false);
    clock.advance(500);
    assert.equal(device.supervisor.droppedMessages, 2);
    transport.setConnected(true);
    assert.deepEqual(transport.sent.map((m) => decodeEnvelope(m.payload).v), [3, 4, 5]);
    device.stop();
  });
});
