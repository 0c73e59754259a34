import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { channelsCarryPrimitivesOnly } from "./primitiveChannels";

describe("channelsCarryPrimitivesOnly", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sf-primitive-channels-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  const check = (...sources: string[]) =>
    channelsCarryPrimitivesOnly(
      sources.map((source) => {
        const file = path.join(dir, `f${n++}.ts`);
        fs.writeFileSync(file, source);
        return file;
      }),
    );

  it("is true when every channel is declared with a primitive type, or there are none", () => {
    assert.equal(check(`const a = api.newCommsChannel<number>("a");`, `const b = api.newCommsChannel<boolean>("b", { qos: 1 });`), true);
    assert.equal(check(`const c = api.newCommsChannel<"on" | "off" | null>("c"); const d = api.newCommsChannel<(string | 3)>("d");`), true);
    assert.equal(check(`export const x = 1;`), true);
    assert.equal(check(), true);
  });

  it("is false as soon as one channel may carry objects or its type is not spelled out", () => {
    assert.equal(check(`api.newCommsChannel<number>("a");`, `api.newCommsChannel("b");`), false);
    assert.equal(check(`api.newCommsChannel<{ on: boolean }>("a");`), false);
    assert.equal(check(`api.newCommsChannel<number[]>("a");`), false);
    assert.equal(check(`type Reading = number; api.newCommsChannel<Reading>("a");`), false);
    assert.equal(check(`api.newCommsChannel<number | { n: number }>("a");`), false);
    assert.equal(check(`api.newCommsChannel<any>("a");`), false);
  });

  it("is false when the method escapes a plain typed call (passed around, read by a string key)", () => {
    assert.equal(check(`const make = api.newCommsChannel; make<number>("a");`), false);
    assert.equal(check(`api["newCommsChannel"]<number>("a");`), false);
    assert.equal(check(`const { newCommsChannel } = api;`), false);
  });

  it("is false for an input it can't read", () => {
    assert.equal(channelsCarryPrimitivesOnly([path.join(dir, "missing.ts")]), false);
  });
});
