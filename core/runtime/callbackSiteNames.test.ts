/** withCallbackSites turns a device's numbered callback names into the TypeScript device's sited
 * ones. The expectation is not written here: the same app runs twice on the TypeScript device,
 * once with the build's callbackSites and once without (what the C devices and a device updated
 * over the air say), and each line of the second run, rewritten, must equal the first run's. */
import assert from "node:assert/strict";
import path from "node:path";
import { compileFeatures, type CompileResult } from "../compiler/compileFeatures";
import { encodeEnvelope } from "../contracts/envelope";
import type { WireValue } from "../contracts/wireValue";
import { topics } from "../contracts/topics";
import type { Manifest } from "../contracts/manifest";
import { loadWasmEngine } from "../engine";
import type { MicroviumEngine } from "../engine/types";
import { ManualClock } from "../../firmware/clock";
import { Device } from "../../firmware/device";
import { InMemoryTransport } from "../../firmware/transport";
import { writeFeatures } from "../../test/support/tempFeatures";
import { DeviceLineNamer, withCallbackSites } from "./callbackSiteNames";
import { rememberSites, rememberedBuild, type CallbackSiteMemory } from "../../firmware/fleetHost/callbackSiteMemory";

const APP = `import type { FeatureApi } from "snapfleet";
export function App(api: FeatureApi) {
  const cmd = api.newCommsChannel<any>("cmd");
  const other = api.newCommsChannel<any>("other");
  const handlers: { [k: string]: any } = {};
  cmd.addEventListener("messageFromServer", (v) => api.log("got " + v.name));
  cmd.addEventListener("messageFromServer", (v) => handlers[v.name]());
  other.addEventListener("messageFromServer", (v) => {
    if (v === "add") other.addEventListener("messageFromServer", () => { throw new Error("late listener"); });
    if (v === "timer") api.mcu.setTimeout(() => { throw new Error("set by a listener"); }, 10);
  });
  api.mcu.setInterval(() => { throw new Error("every second"); }, 1000);
  api.mcu.setTimeout(() => api.mcu.setTimeout(() => { throw new Error("set by a timer"); }, 10), 100);
  api.mcu.onStart(() => api.log("first start callback"));
  api.mcu.onStart(() => {
    api.mcu.setInterval(() => { throw new Error("set at start"); }, 700);
    throw new Error("no sensor on A2");
  });
}
`;

/** The error lines of one scripted session on the TypeScript device. */
async function errorLines(build: CompileResult, manifest: Manifest, engine: MicroviumEngine): Promise<string[]> {
  const clock = new ManualClock();
  const transport = new InMemoryTransport();
  const lines: string[] = [];
  const device = await Device.boot({ manifest, snapshot: build.snapshots.device, thing: "gh-1", clock, transport, engine, onAppFailure: (f) => lines.push(`[app] error: ${f.message}`) });
  let id = 0;
  const deliver = async (channel: string, value: WireValue) => {
    transport.inject(topics.down(manifest.app, "gh-1", channel), encodeEnvelope("srv", ++id, value, clock.now()));
    await clock.advance(1);
  };
  await clock.advance(1500);
  await deliver("cmd", { name: "missing" });
  await deliver("other", "add");
  await deliver("other", 1);
  await deliver("other", "timer");
  await clock.advance(50);
  await device.stop();
  return lines;
}

describe("withCallbackSites: numbered callback names given the build's file:line", () => {
  let engine: MicroviumEngine;
  let build: CompileResult;
  before(async () => {
    engine = await loadWasmEngine();
    const entry = writeFeatures({ "app.ts": APP });
    build = await compileFeatures({ entry, cwd: path.dirname(path.dirname(entry)) });
  });

  it("every line of a device without the sites, rewritten, equals the device with them, except what it can't place", async () => {
    const { callbackSites, ...withoutSites } = build.manifest;
    assert.ok(callbackSites?.device, "the build records the device's sites");
    const sited = await errorLines(build, build.manifest, engine);
    const numbered = await errorLines(build, withoutSites, engine);
    assert.equal(numbered.length, sited.length);
    assert.ok(sited.length >= 7, `the session fails enough callbacks: ${sited.join("\n")}`);
    const rewritten = numbered.map((line) => withCallbackSites(line, build.manifest));
    for (let i = 0; i < sited.length; i++) {
      // A listener added at run time is named by whoever added it, which a numbered name can't
      // tell: it stays numbered.
      if (/^\[app\] error: listener for channel "\w+" \(added by /.test(sited[i])) assert.equal(rewritten[i], numbered[i]);
      else assert.equal(rewritten[i], sited[i]);
    }
    assert.ok(rewritten.some((l) => /^\[app\] error: timer \(setInterval at features\/app\.ts:\d+:\d+\) failed: every second$/.test(l)), rewritten.join("\n"));
    assert.ok(rewritten.some((l) => /^\[app\] error: onStart callback \(at features\/app\.ts:\d+:\d+\) failed: no sensor on A2$/.test(l)), rewritten.join("\n"));
    assert.ok(rewritten.some((l) => /^\[app\] error: timer \(setInterval, added by onStart callback at features\/app\.ts:\d+:\d+\) failed: set at start$/.test(l)));
    assert.ok(rewritten.some((l) => /^\[app\] error: timer \(setTimeout, added by setTimeout timer at features\/app\.ts:\d+:\d+\) failed: set by a timer$/.test(l)));
    assert.ok(rewritten.some((l) => /^\[app\] error: listener for channel "cmd" \(at features\/app\.ts:\d+:\d+\) failed: /.test(l)));
    assert.ok(rewritten.some((l) => /^\[app\] error: timer \(setTimeout, added by listener for channel "other" at features\/app\.ts:\d+:\d+\) failed: set by a listener$/.test(l)));
  });

  it("the C device's last line, the app failed at start or stopped, names the callback as its error line does", () => {
    const app = build.manifest;
    const error = withCallbackSites("[app] error: onStart callback #1 failed: no sensor on A2", app);
    const named = error.replace(/^\[app\] error: /, "");
    assert.notEqual(named, "onStart callback #1 failed: no sensor on A2", "the error line is named");
    assert.equal(withCallbackSites("the app failed at start (1 app error): onStart callback #1 failed: no sensor on A2", app), `the app failed at start (1 app error): ${named}`);
    assert.equal(withCallbackSites("the app stopped (3 app errors): onStart callback #1 failed: no sensor on A2", app), `the app stopped (3 app errors): ${named}`);
  });

  it("leaves alone what it can't place or isn't an error line", () => {
    const app = build.manifest;
    for (const line of [
      "[app] first start callback",
      "[app] error: timer #9 (setInterval) failed: a slot the build didn't record",
      "[app] error: timer #0 (setTimeout) failed: the build's timer 0 is a setInterval",
      '[app] error: listener #5 for channel "cmd" failed: added at run time',
      '[app] error: listener #0 for channel "nope" failed: a channel the build doesn\'t have',
      "[app] error: app start (opening channels, starting timers) failed: x",
      "[app] error: supervisor notification 3 failed: x",
    ]) {
      assert.equal(withCallbackSites(line, app), line);
    }
    const { callbackSites: _none, ...withoutSites } = app;
    assert.equal(withCallbackSites("[app] error: onStart callback #1 failed: x", withoutSites), "[app] error: onStart callback #1 failed: x", "no sites, no change");
    // Only the name before the first " failed: " is read; the reason may say anything.
    assert.match(withCallbackSites('[app] error: listener #0 for channel "#0" failed: onStart callback #1 failed: no', app), /^\[app\] error: listener for channel "cmd" \(at features\/app\.ts:\d+:\d+\) failed: onStart callback #1 failed: no$/);
  });

  it("a C device's log stream: each line named with the build of the version its last start said, none before, none for a version not kept", () => {
    const v1 = "a".repeat(12) + "1".repeat(52);
    const v2 = "a".repeat(12) + "2".repeat(52);
    const moved = structuredClone(build.manifest);
    moved.callbackSites!.device!.onStart[1] = "features/app.ts:99:7";
    const memory: CallbackSiteMemory = new Map();
    rememberSites(memory, v1, build.manifest);
    rememberSites(memory, v2, moved);
    const namer = new DeviceLineNamer((version) => rememberedBuild(memory, version));
    const failed = "[app] error: onStart callback #1 failed: no sensor on A2";
    assert.equal(namer.line(failed), failed, "before any start line: which version is unknown");
    assert.equal(namer.line(`[ota] starting version ${v1.slice(0, 12)} from slot a`), `[ota] starting version ${v1.slice(0, 12)} from slot a`);
    assert.equal(namer.line(failed), failed, "12 digits both kept versions share: ambiguous, left numbered");
    namer.line(`[ota] starting version ${v1}`); // the link device says it whole
    assert.match(namer.line(failed), /^\[app\] error: onStart callback \(at features\/app\.ts:\d+:\d+\) failed: no sensor on A2$/);
    namer.line(`[ota] starting version ${v2}`);
    assert.equal(namer.line(failed), "[app] error: onStart callback (at features/app.ts:99:7) failed: no sensor on A2");
    namer.line(`[ota] starting version ${"b".repeat(12)} from slot b`);
    assert.equal(namer.line(failed), failed, "a version this host didn't build");
  });

  it("rememberedBuild: a kept build by its version, or by 12 or more of its first digits when only one matches", () => {
    const memory: CallbackSiteMemory = new Map();
    const one = { ...build.manifest, channels: [] };
    rememberSites(memory, "0123456789ab" + "c".repeat(52), one);
    assert.equal(rememberedBuild(memory, "0123456789ab"), one);
    assert.equal(rememberedBuild(memory, "0123456789a"), undefined, "fewer than 12 digits");
    assert.equal(rememberedBuild(memory, "0123456789ac"), undefined);
  });
});
