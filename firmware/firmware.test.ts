import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { compileFeatures } from "../core/compiler/compileFeatures";
import { decodeDeviceStatus, LAST_WILL_BOOT_ID } from "../core/contracts/deviceStatus";
import { decodeEnvelope, encodeEnvelope, EnvelopeSender } from "../core/contracts/envelope";
import { topics } from "../core/contracts/topics";
import { loadWasmEngine } from "../core/engine";
import { writeApp } from "../test/support/tempFeatures";
import { ManualClock } from "./clock";
import deviceTexts from "./native/deviceTexts.json";
import { Device } from "./device";
import { HandleTable } from "./handles";
import { csvModel, parsePinSpec, sineModel } from "./pinModel";
import { InMemoryTransport } from "./transport";

/** Values the device sent on channel up topics (status and log topics are not envelopes). */
function upValues(transport: InMemoryTransport) {
  return transport.sent.filter((m) => m.topic.endsWith("/up") && !m.topic.includes("/_log/")).map((m) => decodeEnvelope(m.payload).v);
}

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

  it("csv starts at its first row at the first reading, whatever the clock says then", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-csv-"));
    const file = path.join(dir, "t.csv");
    fs.writeFileSync(file, "seconds,celsius\n0,20\n2,21.5\n5,19\n");
    const m = csvModel(file);
    fs.rmSync(dir, { recursive: true });
    const first = 1_700_000_003_300; // a device's clock: the time of day, not the run's
    assert.deepEqual([0, 1999, 2000, 5000, 6000].map((t) => m(first + t)), [20, 20, 21.5, 19, 20]);
  });

  it("parses CLI pin specs and explains bad ones", () => {
    assert.equal(parsePinSpec("A2=const:21.5").model(0), 21.5);
    assert.equal(parsePinSpec("A3=sine:0:10:4").model(1000), 10);
    assert.throws(() => parsePinSpec("A2"), /use PIN=sine:MIN:MAX/);
    assert.throws(() => parsePinSpec("A2=sine:1"), /sine needs MIN:MAX/);
    assert.throws(() => parsePinSpec("A2=const:warm"), /const needs VALUE as numbers/);
    assert.throws(() => parsePinSpec("A2=csv:/nonexistent.csv"), /^Error: pin spec "A2=csv:\/nonexistent\.csv": \/nonexistent\.csv can't be read \(no such file\); give a CSV file of seconds,value rows$/);
  });
});

describe("firmware: handles", () => {
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
    assert.deepEqual(upValues(transport), [1, 2, 3, 4]);
    assert.deepEqual(device.supervisor.appErrors, []);
    device.stop();
  });

  it("a closed pin handle is zeroed in the app, which reopens the pin on its next read and write", async () => {
    const build = await compileFeatures({
      entry: writeApp(
        `  const ch = api.newCommsChannel("level", { qos: 0 });\n  const a = api.mcu.getAnalogPin("A2");\n  const d = api.mcu.getDigitalPin("D3");\n  let on = false;\n` +
          `  api.mcu.setInterval(() => { on = !on; d.write(on); ch.pushMessageToServer(a.read() as number); }, 100);`,
      ),
    });
    const clock = new ManualClock();
    const transport = new InMemoryTransport();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "t-1", clock, transport, engine: await loadWasmEngine() });
    const pins = () => (device.supervisor as any).handles.entries().filter(([, r]: [number, { kind: string }]) => r.kind === "pin").map(([h]: [number]) => h);
    clock.advance(100);
    const opened: number[] = pins();
    assert.equal(opened.length, 2, "both pins open after the first tick");
    for (const handle of opened) device.supervisor.closeHandle(handle);
    assert.deepEqual(pins(), [], "closed");
    clock.advance(200);
    const reopened: number[] = pins();
    assert.equal(reopened.length, 2, "both pins opened again");
    assert.ok(reopened.every((h) => !opened.includes(h)), "fresh handles, not the closed ones");
    assert.deepEqual(device.supervisor.appErrors, [], "no read or write went to a closed handle");
    assert.equal(upValues(transport).length, 3);
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
    assert.deepEqual(upValues(transport), [3, 4, 5]);
    device.stop();
  });
});

describe("firmware: supervisor on a shared transport", () => {
  const echoApp = `  const cmd = api.newCommsChannel<number>("cmd");\n  const echo = api.newCommsChannel<number>("echo");\n  cmd.addEventListener("messageFromServer", (v) => echo.pushMessageToServer(v));`;

  async function bootEcho(transport: InMemoryTransport, extra: { onConnectionChange?: (up: boolean) => void; onLog?: (line: string) => void; reorderMaxStreams?: number; reorderMaxHeld?: number; reorderMaxHeldBytes?: number } = {}) {
    const build = await compileFeatures({ entry: writeApp(echoApp) });
    const clock = new ManualClock();
    const device = await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "t-1", clock, transport, engine: await loadWasmEngine(), ...extra });
    return { device, build, clock };
  }

  const statuses = (transport: InMemoryTransport) =>
    transport.sent.filter((m) => m.topic === topics.status("test-app", "t-1")).map((m) => ({ ...decodeDeviceStatus(m.payload), retain: m.retain, qos: m.qos }));

  it("publishes a retained online status at start and at every reconnect, offline at stop", async () => {
    const transport = new InMemoryTransport();
    const changes: boolean[] = [];
    const { device, build } = await bootEcho(transport, { onConnectionChange: (up) => changes.push(up) });
    transport.setConnected(false);
    transport.setConnected(true);
    transport.setConnected(false);
    transport.setConnected(true);
    assert.equal(device.supervisor.outages, 2);
    assert.equal(device.supervisor.reconnects, 2);
    assert.deepEqual(changes, [false, true, false, true]);
    await device.stop();
    const seen = statuses(transport);
    assert.deepEqual(seen.map((s) => s.online), [true, true, true, false]);
    assert.ok(seen.every((s) => s.retain && s.qos === 1 && s.version === build.manifest.version && s.bootId === device.supervisor.bootId));
  });

  it("does not answer the stored status a new subscription brings (RETAIN 1): its online, sent after that subscription, replaces it at the broker", async () => {
    const transport = new InMemoryTransport();
    const logs: string[] = [];
    const { device } = await bootEcho(transport, { onLog: (line) => logs.push(line) });
    const own = topics.status("test-app", "t-1");
    const onlines = () => statuses(transport).filter((s) => s.online).length;
    assert.equal(onlines(), 1);
    // What an OTA install's new boot is sent on subscribing: the old boot's offline, or a will.
    transport.inject(own, JSON.stringify({ online: false, version: "v0", bootId: "older", t: 1 }), true);
    transport.inject(own, JSON.stringify({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 1 }), true);
    assert.equal(onlines(), 1, "the stored status is not answered");
    assert.equal(logs.filter((l) => l.includes("saying online again")).length, 0);
    // The same will live (RETAIN 0): stored after this boot's online, so answered.
    transport.inject(own, JSON.stringify({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 2 }), false);
    assert.equal(onlines(), 2);
    assert.ok(statuses(transport).every((s) => s.bootId === device.supervisor.bootId));
    await device.stop();
  });

  it("does not answer an old boot's offline that this link published on the same connection (stored before the new boot's online); after an outage it does", async () => {
    const transport = new InMemoryTransport();
    const logs: string[] = [];
    const first = await bootEcho(transport);
    await first.device.stop();
    const oldOffline = transport.sent.at(-1)!;
    assert.equal(JSON.parse(oldOffline.payload).online, false);
    const { device } = await bootEcho(transport, { onLog: (line) => logs.push(line) });
    const onlines = () => statuses(transport).filter((s) => s.online && s.bootId === device.supervisor.bootId).length;
    assert.equal(onlines(), 1);
    // The broker fans the old offline out late, to the new boot's subscription, live (aedes does).
    transport.inject(oldOffline.topic, oldOffline.payload);
    assert.equal(onlines(), 1, "its own earlier publish is not answered");
    // After an outage the order of the two connections' packets is unknown: answered.
    transport.setConnected(false);
    transport.setConnected(true);
    assert.equal(onlines(), 2, "the reconnect's online");
    transport.inject(oldOffline.topic, oldOffline.payload);
    assert.equal(onlines(), 3);
    assert.equal(logs.filter((l) => l.includes("saying online again")).length, 1);
    await device.stop();
  });

  it("answers its own status saying offline for another boot or link with online again; its own offline, an online, a removal and garbage are not answered", async () => {
    const transport = new InMemoryTransport();
    const logs: string[] = [];
    const { device } = await bootEcho(transport, { onLog: (line) => logs.push(line) });
    const own = topics.status("test-app", "t-1");
    const onlineCount = () => statuses(transport).filter((s) => s.online).length;
    assert.equal(onlineCount(), 1);
    for (const heard of [
      JSON.stringify({ online: false, version: "v0", bootId: device.supervisor.bootId, t: 1 }),
      JSON.stringify({ online: true, version: "v0", bootId: "older", t: 1 }),
      "",
      "not json",
    ]) transport.inject(own, heard);
    assert.equal(onlineCount(), 1, "nothing to answer");
    transport.inject(own, JSON.stringify({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 1 }));
    transport.inject(own, JSON.stringify({ online: false, version: "v0", bootId: "older", t: 1 }));
    assert.equal(onlineCount(), 3, "a late will and an old boot's offline are answered");
    assert.ok(statuses(transport).every((s) => s.bootId === device.supervisor.bootId));
    assert.equal(logs.filter((l) => l.includes("saying online again")).length, 2);
    // Offline, it says nothing (the reconnect says online anyway); stopped, nothing either.
    transport.setConnected(false);
    transport.inject(own, JSON.stringify({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 2 }));
    transport.setConnected(true);
    await device.stop();
    const before = transport.sent.length;
    transport.inject(own, JSON.stringify({ online: false, version: "", bootId: LAST_WILL_BOOT_ID, t: 3 }));
    assert.equal(transport.sent.length, before);
  });

  it("stop() removes its subscriptions and connection listener, so another app can take the transport", async () => {
    const transport = new InMemoryTransport();
    const { device } = await bootEcho(transport);
    assert.deepEqual(transport.subscribedTopics.sort(), [topics.broadcastDown("test-app", "cmd"), topics.broadcastDown("test-app", "echo"), topics.down("test-app", "t-1", "cmd"), topics.down("test-app", "t-1", "echo"), topics.status("test-app", "t-1")].sort());
    await device.stop();
    assert.deepEqual(transport.subscribedTopics, []);
    const before = transport.sent.length;
    transport.setConnected(false);
    transport.setConnected(true);
    assert.equal(transport.sent.length, before, "a stopped supervisor publishes no status on reconnect");
    assert.equal(device.supervisor.reconnects, 0);
  });

  it("delivers a down message once even when the broker sends it twice", async () => {
    const transport = new InMemoryTransport();
    const { device } = await bootEcho(transport);
    const down = topics.down("test-app", "t-1", "cmd");
    const broadcast = topics.broadcastDown("test-app", "cmd");
    transport.inject(down, encodeEnvelope("srv", 1, 10, 0, 0));
    transport.inject(down, encodeEnvelope("srv", 1, 10, 0, 0));
    // De-duplication and order are per topic and sender boot: the broadcast is its own stream.
    transport.inject(broadcast, encodeEnvelope("srv", 2, 20, 0, 0));
    transport.inject(broadcast, encodeEnvelope("srv", 2, 20, 0, 0));
    transport.inject(down, encodeEnvelope("srv", 1, 10, 0, 0));
    assert.deepEqual(upValues(transport), [10, 20]);
    assert.equal(device.supervisor.duplicatesDropped, 3);
    await device.stop();
  });

  it("hands QoS 1 down messages to the app in the sender's order; a message that never comes is given up after the timeout and logged", async () => {
    const transport = new InMemoryTransport();
    const logs: string[] = [];
    const { device, clock } = await bootEcho(transport, { onLog: (line) => logs.push(line) });
    const down = topics.down("test-app", "t-1", "cmd");
    const sender = new EnvelopeSender("dash");
    const wire = [1, 2, 3, 4, 5, 6].map((v) => sender.encode(down, v, 0));
    // A reconnect: the broker's queued 1..3 arrive after a new 4 overtook them; 6 comes, 5 never does.
    for (const i of [3, 0, 1, 2, 5]) transport.inject(down, wire[i]);
    assert.deepEqual(upValues(transport), [1, 2, 3, 4]);
    assert.equal(device.supervisor.heldMessages, 1);
    clock.advance(999);
    assert.deepEqual(upValues(transport), [1, 2, 3, 4]);
    clock.advance(1);
    assert.deepEqual(upValues(transport), [1, 2, 3, 4, 6]);
    assert.equal(device.supervisor.gapsSkipped, 1);
    assert.ok(logs.includes(`[supervisor] gap on ${down}: skipped dash:5, not there after 1000 ms; delivering from dash:6`), logs.join("\n"));
    const reported = transport.sent.filter((m) => m.topic === topics.log("test-app", "t-1")).map((m) => JSON.parse(m.payload));
    assert.ok(reported.some((l) => l.from === "supervisor" && /skipped dash:5/.test(l.msg)), "the cloud hears of the gap on the log topic");
    transport.inject(down, wire[4]);
    assert.equal(device.supervisor.lateDropped, 1);
    assert.deepEqual(upValues(transport), [1, 2, 3, 4, 6], "a late message is not delivered out of order");
    await device.stop();
  });

  it("a board's bounds of the reorder window: chains forgotten and gaps given up at once are reported on the log topic, the first as it comes, the rest at the next link up (the C supervisor's words)", async () => {
    const transport = new InMemoryTransport();
    const { device } = await bootEcho(transport, { reorderMaxStreams: 2, reorderMaxHeld: 2 });
    const down = topics.down("test-app", "t-1", "cmd");
    const reported = () => transport.sent.filter((m) => m.topic === topics.log("test-app", "t-1")).map((m) => JSON.parse(m.payload).msg as string).filter((l) => l.startsWith("the reorder window"));
    // the C supervisor's line (reportReorderBounds): its phrases with the counts between them
    const { REORDER_WINDOW_FORGOT, CHAINS_IT_REMEMBERS, FORGOTTEN_CHAIN_PRICE, TIMES_OVER, WAITING_ON_A_CHAIN } = deviceTexts.phrases;
    const words = (forgotten: number, overflows: number) => `${REORDER_WINDOW_FORGOT}${forgotten}${CHAINS_IT_REMEMBERS}2${FORGOTTEN_CHAIN_PRICE}${overflows}${TIMES_OVER}2${WAITING_ON_A_CHAIN}`;
    assert.equal(words(1, 0), "the reorder window forgot 1 chains (it remembers 2; a repeat of theirs may reach the app) and gave a gap up at once 0 times (over 2 waiting on a chain) since the last report");
    const senders = ["tab1", "tab2", "tab3"].map((bootId) => new EnvelopeSender(bootId));
    for (const sender of senders) transport.inject(down, sender.encode(down, 1, 0));
    assert.deepEqual(reported(), [words(1, 0)], "the third sender's chain: one line at once");
    for (const sender of senders) transport.inject(down, sender.encode(down, 2, 0));
    const dash = new EnvelopeSender("dash");
    const wire = [1, 2, 3, 4, 5].map((v) => dash.encode(down, v, 0));
    for (const i of [0, 2, 3, 4]) transport.inject(down, wire[i]);
    assert.equal(reported().length, 1, "nothing more on this connection");
    assert.deepEqual(upValues(transport).slice(-4), [1, 3, 4, 5], "the dash chain gave its gap up at the third early message, in order");
    transport.setConnected(false);
    transport.setConnected(true);
    assert.deepEqual(reported(), [words(1, 0), words(4, 1)], "the rest at the next link up, with the counts since the last report");
    transport.setConnected(false);
    transport.setConnected(true);
    assert.equal(reported().length, 2, "nothing new, nothing said");
    await device.stop();
  });

  it("a bound on the bytes waiting (the M0+'s SF_REORDER_MAX_HELD_BYTES): an early message past it gives its gap up at once, in order, counted with the others and said in the same line (the C supervisor's words)", async () => {
    const transport = new InMemoryTransport();
    const down = topics.down("test-app", "t-1", "cmd");
    const dash = new EnvelopeSender("dash");
    const wire = [1, 2, 3, 4].map((v) => dash.encode(down, v, 0));
    // room for wire[2] alone, not for wire[3] beside it
    const { device } = await bootEcho(transport, { reorderMaxStreams: 2, reorderMaxHeld: 4, reorderMaxHeldBytes: wire[2].length + 1 });
    const reported = () => transport.sent.filter((m) => m.topic === topics.log("test-app", "t-1")).map((m) => JSON.parse(m.payload).msg as string);
    const { REORDER_WINDOW_FORGOT, CHAINS_IT_REMEMBERS, FORGOTTEN_CHAIN_PRICE, TIMES_OVER, WAITING_ON_A_CHAIN_OR, BYTES_IN_ALL } = deviceTexts.phrases;
    const line = `${REORDER_WINDOW_FORGOT}0${CHAINS_IT_REMEMBERS}2${FORGOTTEN_CHAIN_PRICE}1${TIMES_OVER}4${WAITING_ON_A_CHAIN_OR}${wire[2].length + 1}${BYTES_IN_ALL}`;
    assert.equal(line, `the reorder window forgot 0 chains (it remembers 2; a repeat of theirs may reach the app) and gave a gap up at once 1 times (over 4 waiting on a chain or ${wire[2].length + 1} B in all) since the last report`);
    transport.inject(down, wire[0]);
    transport.inject(down, wire[2]);
    assert.deepEqual(upValues(transport), [1], "3 waits for 2");
    transport.inject(down, wire[3]);
    assert.deepEqual(upValues(transport), [1, 3, 4], "4 would pass the bound: 2 given up, 3 and 4 in order");
    assert.ok(reported().includes(`gap on ${down}: skipped dash:2, over ${wire[2].length + 1} B waiting; delivering from dash:3`), reported().join("\n"));
    assert.deepEqual(reported().filter((l) => l.startsWith("the reorder window")), [line]);
    await device.stop();
  });

  it("a gap's wait doesn't run while the link is down: messages the broker replays late after outages reach the app in order", async () => {
    const transport = new InMemoryTransport();
    const logs: string[] = [];
    const { device, clock } = await bootEcho(transport, { onLog: (line) => logs.push(line) });
    const down = topics.down("test-app", "t-1", "cmd");
    const sender = new EnvelopeSender("srv");
    const wire = [1, 2, 3, 4, 5].map((v) => sender.encode(down, v, 0));
    transport.inject(down, wire[0]);
    // 4 and 5 go out live and overtake the session's queued 2 and 3; the link falls before the replay.
    transport.inject(down, wire[3]);
    transport.inject(down, wire[4]);
    transport.setConnected(false);
    clock.advance(10_000);
    transport.setConnected(true);
    clock.advance(500);
    transport.setConnected(false); // again, before the broker replayed anything
    clock.advance(10_000);
    transport.setConnected(true);
    clock.advance(999);
    transport.inject(down, wire[1]);
    transport.inject(down, wire[2]);
    assert.deepEqual(upValues(transport), [1, 2, 3, 4, 5]);
    assert.equal(device.supervisor.gapsSkipped, 0, logs.join("\n"));
    assert.equal(device.supervisor.lateDropped, 0);
    assert.equal(device.supervisor.heldMessages, 0);
    await device.stop();
  });

  it("stop() waiting for its offline status's PUBACK settles when the link falls meanwhile (the last will speaks then), not at the 5 s bound", async () => {
    // A broker that closes the connection before it acknowledges: a device still on a build that
    // publishes where the policies no longer allow (README, "Renaming a channel").
    class NoPubackTransport extends InMemoryTransport {
      acknowledging = true;
      override publish(topic: string, payload: string, qos: 0 | 1, retain = false): Promise<void> {
        const sent = super.publish(topic, payload, qos, retain);
        return this.acknowledging ? sent : new Promise(() => {});
      }
    }
    const transport = new NoPubackTransport();
    const { device } = await bootEcho(transport);
    transport.acknowledging = false;
    let settled = false;
    const stopped = device.stop().then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, "the offline status is out, its PUBACK not in");
    transport.setConnected(false);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, true, "the clock did not move: the link's fall settled it");
    await stopped;
  });

  it("stop() while offline settles without publishing (the last will speaks then)", async () => {
    const transport = new InMemoryTransport();
    const { device } = await bootEcho(transport);
    transport.setConnected(false);
    await device.stop();
    assert.deepEqual(statuses(transport).map((s) => s.online), [true]);
  });
});
