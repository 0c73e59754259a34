import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { deviceChannelCodec } from "./primitiveChannels";

describe("deviceChannelCodec", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-primitive-channels-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  /** Each source becomes a feature file whose body runs with `api` in scope, as App's would. */
  const codec = (...bodies: string[]) =>
    deviceChannelCodec(
      bodies.map((body) => {
        const file = path.join(dir, `f${n++}.ts`);
        fs.writeFileSync(file, `import type { FeatureApi, CommsChannel } from "snapfleet";\nexport function feature(api: FeatureApi) {\n${body}\n}\n`);
        return file;
      }),
    );
  const NONE = { encode: false, decode: false };
  const FULL = { encode: true, decode: true };

  it("leaves both halves out when every channel is declared with a primitive type, or there are none", () => {
    assert.deepEqual(codec(`const a = api.newCommsChannel<number>("a"); a.pushMessageToServer(1);`, `const b = api.newCommsChannel<boolean>("b"); b.addEventListener("messageFromServer", (on) => {});`), NONE);
    assert.deepEqual(codec(`const c = api.newCommsChannel<"on" | "off" | null>("c"); const d: CommsChannel<string | 3> = api.newCommsChannel("d");`), NONE);
    assert.deepEqual(codec(`api.log("no channels");`), NONE);
    assert.deepEqual(codec(), NONE);
  });

  it("infers primitive sends from the values passed, without type arguments", () => {
    assert.deepEqual(codec(`const t = api.newCommsChannel("t"); const p = api.mcu.getAnalogPin("A2"); api.mcu.setInterval(() => t.pushMessageToServer(Math.round(p.read() * 10) / 10), 1000);`), NONE);
    const messages = `const m = ["a", "b"]; const log = api.newCommsChannel("log"); log.pushMessageToServer(m.findIndex((x) => x === "b"));`;
    assert.deepEqual(codec(messages, `const s = api.newCommsChannel("s"); s.pushMessageToServer(\`\${1} °C\`); s.pushMessageToServer(true); s.pushMessageToServer(null); s.pushMessageToServer();`), NONE);
    assert.deepEqual(codec(`enum Mode { Off, On } const e = api.newCommsChannel("e"); e.pushMessageToServer(Mode.On); const id = 3 as number & { brand: "id" }; e.pushMessageToServer(id);`), NONE);
    assert.deepEqual(codec(`function send<T extends number>(c: CommsChannel, v: T) { c.pushMessageToServer(v); }`), NONE);
    // The channel's declared type counts over the value's (snapfleet's types resolve for the checker).
    assert.deepEqual(codec(`function send(c: CommsChannel<number>, v: any) { c.pushMessageToServer(v); }`), NONE);
  });

  it("keeps the encoder when the device may send an object, an array or a value of unknown type", () => {
    const encodeOnly = { encode: true, decode: false };
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); c.pushMessageToServer({ level: 1 });`), encodeOnly);
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); c.pushMessageToServer([1, 2]);`), encodeOnly);
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); c.pushMessageToServer(JSON.parse("1"));`), encodeOnly);
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); const u: unknown = 1; c.pushMessageToServer(u as any);`), encodeOnly);
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); const v = Math.random() > 0.5 ? 1 : { n: 1 }; c.pushMessageToServer(v);`), encodeOnly);
    assert.deepEqual(codec(`function send<T extends import("snapfleet").ChannelValue>(c: CommsChannel, v: T) { c.pushMessageToServer(v); }`), encodeOnly);
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); const xs = [1]; c.pushMessageToServer(...(xs as [number]));`), encodeOnly);
    assert.deepEqual(codec(`(api as any).newCommsChannel("c").pushMessageToServer(undefinedVariable);`), FULL);
  });

  it("keeps the whole codec for a channel declared with an object type, even if the values seen are numbers", () => {
    assert.deepEqual(codec(`const c = api.newCommsChannel<{ n: number }>("c"); c.pushMessageToServer({ n: 1 });`, `const d = api.newCommsChannel<number>("d"); d.pushMessageToServer(1);`), FULL);
    assert.deepEqual(codec(`const c = api.newCommsChannel<number[]>("c");`), FULL);
    assert.deepEqual(codec(`const c = api.newCommsChannel<any>("c");`), FULL);
  });

  it("keeps what it can't follow: methods passed around, destructured or read by a string key", () => {
    assert.deepEqual(codec(`const make = api.newCommsChannel; make<number>("a");`), FULL);
    assert.deepEqual(codec(`api["newCommsChannel"]<number>("a");`), FULL);
    assert.deepEqual(codec(`const { newCommsChannel } = api;`), FULL);
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); const send = c.pushMessageToServer; send(1);`), { encode: true, decode: false });
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); [1, 2].forEach(c["pushMessageToServer"]);`), { encode: true, decode: false });
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); const send = c.sendToDevice.bind(c);`), { encode: false, decode: true });
    // Declaring a member of that name is not a use.
    assert.deepEqual(codec(`interface Sink { pushMessageToServer(v: object): void } const fake = { sendToDevice(v: object) {} };`), NONE);
  });

  it("leaves the decoder out when the app itself sends only primitives down to the channels the device listens on", () => {
    const growLight = `const command = api.newCommsChannel("grow-light", { direction: "server-to-device" });
const relay = api.mcu.getDigitalPin("D5");
command.addEventListener("messageFromServer", (on) => relay.write(on === true));
api.registerUiControl((el) => el.toggle("Grow light", (on) => command.sendToDevice(on)), { title: "Grow light" });`;
    assert.deepEqual(codec(growLight), NONE);
    // Web-side listeners don't need the device's decoder.
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); c.addEventListener("messageFromDevice", (v) => api.log(String(v)));`), NONE);
  });

  it("keeps the decoder when objects may come down: the app sends one, or nothing in the app sends on a channel the device hears", () => {
    const decodeOnly = { encode: false, decode: true };
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); c.addEventListener("messageFromServer", (v) => {}); api.registerUiControl((el) => el.button("go", () => c.sendToDevice({ go: true })), { title: "t" });`), decodeOnly);
    // Fed by the user's own services through the channel's `down` topic.
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); c.addEventListener("messageFromServer", (v) => {});`), decodeOnly);
    // Sent on a different channel than the one heard.
    assert.deepEqual(codec(`const a = api.newCommsChannel("a"); const b = api.newCommsChannel("b"); a.addEventListener("messageFromServer", (v) => {}); b.sendToDevice(1);`), decodeOnly);
    const event = `"messageFrom" + (api.target === "device" ? "Server" : "Device") as "messageFromServer"`;
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); const e: string = ${event}; c.addEventListener(e as any, (v) => {});`), decodeOnly);
    // ... unless the listener or the channel says what it takes.
    assert.deepEqual(codec(`const c = api.newCommsChannel("c"); c.addEventListener("messageFromServer", (v: number) => {});`), NONE);
    assert.deepEqual(codec(`const c = api.newCommsChannel<number>("c"); c.addEventListener("messageFromServer", (v) => {});`), NONE);
  });

  it("reads JavaScript files too, and keeps the whole codec for an input it can't read", () => {
    const js = path.join(dir, "plain.js");
    fs.writeFileSync(js, `export function feature(api) { const c = api.newCommsChannel("c"); c.pushMessageToServer({ n: 1 }); }\n`);
    assert.equal(deviceChannelCodec([js]).encode, true);
    assert.deepEqual(deviceChannelCodec([path.join(dir, "missing.ts")]), FULL);
  });
});
