/** Which property names the engine can't hold, asked of the engine itself, and the detection
 * that refuses them before it (unholdableNames.ts): the same names, the path to the first one. */
import assert from "node:assert/strict";
import { compileFeatures } from "../compiler/compileFeatures";
import { EnvelopeSender } from "../contracts/envelope";
import { topics } from "../contracts/topics";
import type { WireValue } from "../contracts/wireValue";
import { loadWasmEngine } from "../engine";
import { ManualClock } from "../../firmware/clock";
import { Device } from "../../firmware/device";
import { InMemoryTransport } from "../../firmware/transport";
import { writeApp } from "../../test/support/tempFeatures";
import { FeatureRuntimeError, FeatureVm } from "./featureVm";
import { findUnholdableName, isUnholdableName, type UnholdableName, unholdableNameProblem } from "./unholdableNames";
import { Token } from "./hostIds";
import { TokenReader } from "./valueTokens";

/** Names near the edge: digits with and without leading zeros, past 2^32 and 2^53, and those that
 * only look like numbers. ("__proto__" is left out: it stops the whole VM; below, and
 * nativeEquivalence delivers it to both device hosts.) */
const DIGITS_FIX = `is digits only, which the engine that runs feature code can't hold; send an array, or names that don't start with a digit, e.g. "k3"`;

const CANDIDATES = ["", "0", "3", "03", "00", "007", "4294967296", "99999999999999999999", "-1", "1.5", "1e3", " 3", "3 ", "+3", "\u0663", "\uff13", "0x1", "k3", "3a", "a3", "length"];

/** The problem with a value from outside, as the walk that makes its tokens finds it. */
function problemOf(value: WireValue): string | undefined {
  const found = new TokenReader().load(value);
  return found && unholdableNameProblem(found);
}

describe("property names the engine can't hold (unholdableNames.ts)", () => {
  it("the engine fails exactly on the names isUnholdableName names: a string of ASCII digits", async function () {
    this.timeout(60_000);
    // The name comes at run time as a string and is used as a key: the engine's own property path,
    // the one its value reader takes for a message's members.
    const build = await compileFeatures({
      entry: writeApp(`
  const name = api.newCommsChannel<string>("name", { direction: "server-to-device" });
  const out = api.newCommsChannel<string>("out", { direction: "device-to-server" });
  name.addEventListener("messageFromServer", (k) => { const o: Record<string, number> = {}; o[k] = 1; out.pushMessageToServer(JSON.stringify(Object.keys(o))); });`),
    });
    const transport = new InMemoryTransport();
    const failures: string[] = [];
    await Device.boot({ manifest: build.manifest, snapshot: build.snapshots.device, thing: "t-1", clock: new ManualClock(), transport, engine: await loadWasmEngine(), onAppFailure: (f) => failures.push(f.message) });
    const down = topics.down("test-app", "t-1", "name");
    const sender = new EnvelopeSender("probe");
    const failing: string[] = [];
    CANDIDATES.forEach((candidate, i) => {
      const before = failures.length;
      transport.inject(down, sender.encode(down, candidate, i + 1));
      if (failures.length > before) {
        assert.match(failures.at(-1)!, /MVM_E_TYPE_ERROR/, candidate);
        failing.push(candidate);
      }
    });
    assert.deepEqual(failing, ["0", "3", "03", "00", "007", "4294967296", "99999999999999999999"], "the engine's failures");
    assert.deepEqual(CANDIDATES.filter(isUnholdableName), failing, "the detection names the same");
    assert.equal(failures.length, failing.length, "nothing else failed");
  });

  it("finds the first such name depth first in JavaScript's member order, with its path: the walk that makes the tokens and findUnholdableName alike", () => {
    const cases: [WireValue, UnholdableName | undefined][] = [
      [{ a: 1, "-1": [1, { "1.5": 2 }] }, undefined],
      ["3", undefined], // a string value is not a name
      [{ "3": 1 }, { name: "3", path: '["3"]' }],
      [{ a: { "07": 2 } }, { name: "07", path: '.a["07"]' }],
      [[0, [{ ok: 1, "my key": { x: 1, "12": 0 } }]], { name: "12", path: '[1][0]["my key"]["12"]' }],
      // integer-like keys come first in JavaScript's order (and the C host's): "5" before "b"'s "7"
      [{ b: { "7": 1 }, "5": 0 }, { name: "5", path: '["5"]' }],
    ];
    for (const [value, expected] of cases) {
      assert.deepEqual(new TokenReader().load(value), expected, `TokenReader.load(${JSON.stringify(value)})`);
      assert.deepEqual(findUnholdableName(value), expected, `findUnholdableName(${JSON.stringify(value)})`);
    }
  });

  it("the walk that makes the VM's tokens refuses such a value and queues none of it, not even the tokens before the name", () => {
    const reader = new TokenReader();
    assert.deepEqual(reader.load({ ok: 1, zones: [true, { "3": 1 }] }), { name: "3", path: '.zones[1]["3"]' });
    assert.throws(() => reader.nextKind(), /read past the end/, "nothing queued");
    assert.equal(reader.load({ ok: 1 }), undefined);
    const kinds = [reader.nextKind(), reader.nextKind(), reader.nextKind(), reader.nextKind()];
    assert.deepEqual(kinds, [Token.BeginObject, Token.Key, Token.Primitive, Token.End]);
    assert.deepEqual(reader.load(JSON.parse('[{"x":{"__proto__":1}}]')), { name: "__proto__", path: "[0].x.__proto__" });
  });

  it("a message with such a name is dropped before the VM reads any of it (else the engine fails midway, error 12); the next one is delivered", async function () {
    this.timeout(60_000);
    const build = await compileFeatures({
      entry: writeApp(`
  const cmd = api.newCommsChannel<any>("cmd", { direction: "server-to-device" });
  const out = api.newCommsChannel<string>("out", { direction: "device-to-server" });
  cmd.addEventListener("messageFromServer", (m) => out.pushMessageToServer("keys " + Object.keys(m).join()));`),
    });
    const sent: unknown[] = [];
    const host = { log: () => {}, networkRequest: () => 1, channelOpen: () => 2, channelSend: (_handle: number, value: unknown) => (sent.push(value), 0), timerStart: () => {}, timerStop: () => {} };
    const vm = new FeatureVm(await loadWasmEngine(), build.snapshots.device, "device", host, { app: build.manifest });
    vm.start();
    assert.throws(
      () => vm.deliver(0, { ok: 1, a: { b: 2, "07": 3 } }),
      (e) => e instanceof FeatureRuntimeError && !e.fatal && e.message === `message on channel "cmd" dropped: property name "07" (at .a["07"]) ${DIGITS_FIX}`,
    );
    assert.deepEqual(sent, [], "the listener never ran");
    vm.deliver(0, { ok: 1, a: { b: 2 } });
    assert.deepEqual(sent, ["keys ok,a"]);
    vm.dispose();
  });

  it('"__proto__" from outside: the engine would set the prototype, and a message carrying it stopped the app; refused too', () => {
    assert.ok(isUnholdableName("__proto__"));
    assert.ok(!isUnholdableName("proto") && !isUnholdableName("__proto"));
    assert.equal(
      problemOf(JSON.parse('{"a":{"__proto__":{"x":1}}}')),
      `property name "__proto__" (at .a.__proto__) would set the object's prototype in the engine that runs feature code, which stops the app; send another name`,
    );
  });

  it("says which name, where, and what to send instead", () => {
    assert.equal(
      problemOf({ zones: { "3": true } }),
      `property name "3" (at .zones["3"]) ${DIGITS_FIX}`,
    );
    assert.equal(problemOf({ zones: [true] }), undefined);
  });
});
