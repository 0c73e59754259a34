/** Which property names the engine can't hold, asked of the engine itself, and the detection
 * that refuses them before it (unholdableNames.ts): the same names, the path to the first one. */
import assert from "node:assert/strict";
import { compileFeatures } from "../compiler/compileFeatures";
import { EnvelopeSender } from "../contracts/envelope";
import { topics } from "../contracts/topics";
import { loadWasmEngine } from "../engine";
import { ManualClock } from "../../firmware/clock";
import { Device } from "../../firmware/device";
import { InMemoryTransport } from "../../firmware/transport";
import { writeApp } from "../../test/support/tempFeatures";
import { findUnholdableName, isUnholdableName, unholdableNameProblem } from "./unholdableNames";

/** Names near the edge: digits with and without leading zeros, past 2^32 and 2^53, and those that
 * only look like numbers. ("__proto__" is left out: it stops the whole VM; below, and
 * nativeEquivalence delivers it to both device hosts.) */
const CANDIDATES = ["", "0", "3", "03", "00", "007", "4294967296", "99999999999999999999", "-1", "1.5", "1e3", " 3", "3 ", "+3", "\u0663", "\uff13", "0x1", "k3", "3a", "a3", "length"];

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

  it("finds the first such name depth first in JavaScript's member order, with its path", () => {
    assert.equal(findUnholdableName({ a: 1, "-1": [1, { "1.5": 2 }] }), undefined);
    assert.equal(findUnholdableName("3"), undefined, "a string value is not a name");
    assert.deepEqual(findUnholdableName({ "3": 1 }), { name: "3", path: '["3"]' });
    assert.deepEqual(findUnholdableName({ a: { "07": 2 } }), { name: "07", path: '.a["07"]' });
    assert.deepEqual(findUnholdableName([0, [{ ok: 1, "my key": { x: 1, "12": 0 } }]]), { name: "12", path: '[1][0]["my key"]["12"]' });
    // integer-like keys come first in JavaScript's order (and the C host's): "5" before "b"'s "7"
    assert.deepEqual(findUnholdableName({ b: { "7": 1 }, "5": 0 }), { name: "5", path: '["5"]' });
  });

  it('"__proto__" from outside: the engine would set the prototype, and a message carrying it stopped the app; refused too', () => {
    assert.ok(isUnholdableName("__proto__"));
    assert.ok(!isUnholdableName("proto") && !isUnholdableName("__proto"));
    assert.equal(
      unholdableNameProblem(JSON.parse('{"a":{"__proto__":{"x":1}}}')),
      `property name "__proto__" (at .a.__proto__) would set the object's prototype in the engine that runs feature code, which stops the app; send another name`,
    );
  });

  it("says which name, where, and what to send instead", () => {
    assert.equal(
      unholdableNameProblem({ zones: { "3": true } }),
      `property name "3" (at .zones["3"]) is digits only, which the engine that runs feature code can't hold; send an array, or names that don't start with a digit, e.g. "k3"`,
    );
    assert.equal(unholdableNameProblem({ zones: [true] }), undefined);
  });
});
