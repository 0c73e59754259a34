/** Settings on the native device (`snapfleet-device connect`, firmware/native/supervisor/
 * settingsSync.c) against the real local cloud: broker with IoT policies over mutual TLS, the
 * shadow service, the app installed over the air. The dashboard's side (a desired value) is
 * published on the broker in process, as test/settings/isolatedDevice.test.ts does for the
 * TypeScript device; everything else is observed from outside: the shadow store, the device's
 * printed lines, its state dir. Refusals are compared with core/settings/settingDecl.ts's words. */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { CompileResult } from "../../core/compiler/compileFeatures";
import { assertSettingValue, settingsShadowName, settingValueProblem, type SettingDecl } from "../../core/settings/settingDecl";
import { shadowTopics } from "../../core/shadow/shadowTopics";
import { compileNativeApp, NativeFleet } from "../../test/support/nativeFleet";
import { waitFor } from "../../test/support/waitFor";

const APP_BODY = `  const interval = api.defineSetting("interval", { default: 1000, min: 100, max: 60000 });
  const mode = api.defineSetting("mode", { default: "auto" });
  api.mcu.onStart(() => api.log("start interval " + interval.value + " mode " + mode.value));
  interval.addEventListener("change", (v) => api.log("interval now " + v));
  // Device code sets a value once (it persists: after a restart mode is no longer "auto") and
  // tries a value out of range, which set() refuses.
  api.mcu.setTimeout(() => { if (mode.value === "auto") mode.set("eco"); }, 300);
  // (after the OTA grace period: a failing callback within it rolls the app back; the host's
  // refusal leaves the callback, as on the TypeScript device)
  api.mcu.setTimeout(() => interval.set(5), 2500);`;

describe("native device settings ↔ the local cloud's settings shadow", function () {
  this.timeout(120_000);
  // Real device processes over real TLS on a shared 2-core machine (see nativeDevice.test.ts).
  this.retries(1);
  let build: CompileResult;
  let fleet: NativeFleet | undefined;

  before(async () => {
    build = await compileNativeApp(APP_BODY);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "passed" && fleet) {
      for (const [thing, lines] of fleet.logs) console.log(`--- ${thing} printed (last 40 lines):\n${lines.slice(-40).join("\n")}`);
    }
    await fleet?.stop();
    fleet = undefined;
  });

  const decl = (name: string): SettingDecl => build.manifest.settings!.find((s) => s.name === name)!;

  it("a desired value reaches the device (online and after a restart), set() in device code reaches the shadow, refusals use the TypeScript words, and values survive a restart", async () => {
    const f = (fleet = await NativeFleet.start(build));
    const thing = "nset-1";
    const shadowName = settingsShadowName(f.cloud.app);
    const shadow = () => f.cloud.shadows.store.get(thing, shadowName);
    const reported = () => (shadow()?.reported ?? {}) as Record<string, unknown>;
    const desired = () => (shadow()?.desired ?? {}) as Record<string, unknown>;
    const setDesired = (values: Record<string, unknown>) =>
      f.cloud.broker.aedes.publish({ cmd: "publish", topic: shadowTopics.request(thing, shadowName, "update"), payload: Buffer.from(JSON.stringify({ state: { desired: values } })), qos: 1, retain: false, dup: false }, () => {});
    const log = () => f.logOf(thing);

    const { jobId } = await f.cloud.deploy(build);
    await f.startDevice(thing, { gracePeriodMs: 1500 });
    await waitFor("v1 installed", () => f.execution(thing, jobId!)?.status === "SUCCEEDED", 30_000);

    // The first get finds no shadow (404): the device reports every value, which creates it; its
    // own set() then reports "eco" and clears that desired key.
    await waitFor("the device's values in the shadow", () => reported().interval === 1000 && reported().mode === "eco", 20_000);
    assert.match(log(), /start interval 1000 mode auto/);
    // set(5) in device code: refused in settingDecl.ts's words, nothing changed or reported.
    let setRefusal = "";
    try {
      assertSettingValue(decl("interval"), 5);
    } catch (error) {
      setRefusal = (error as Error).message;
    }
    assert.ok(setRefusal, "settingDecl.ts refuses 5");
    await waitFor("set(5) refused", () => log().includes(`[app] error: timer #1 (setTimeout) failed: ${setRefusal}`));
    assert.equal(reported().interval, 1000);

    // A desired value while online: applied (the change listener runs), reported.
    setDesired({ interval: 250 });
    await waitFor("applied on the device", () => log().includes("[app] interval now 250"));
    await waitFor("reported 250", () => reported().interval === 250);

    // A desired value out of range: refused in the TypeScript device's words, cleared from desired.
    setDesired({ interval: 5, ghost: true });
    const refusal = `settings: refused the desired value of setting "interval": ${settingValueProblem(decl("interval"), 5)}; keeping 250`;
    await waitFor("refusal on the log", () => log().includes(refusal));
    await waitFor("unknown setting refused", () => /settings: refused the desired value of unknown setting "ghost": this app declares "interval", "mode"; keeping null/.test(log()));
    await waitFor("refused values cleared from desired", () => desired().interval === undefined && desired().ghost === undefined);
    assert.equal(reported().interval, 250);

    // Saved beside the OTA state, in the TypeScript device's format.
    const saved = JSON.parse(fs.readFileSync(path.join(f.deviceStateDir(thing), "settings.json"), "utf8")) as { values: Record<string, unknown>; localChanges: string[] };
    assert.deepEqual(saved.values, { interval: 250, mode: "eco" });
    assert.deepEqual(saved.localChanges, [], "the shadow acknowledged the device's own set()");

    // Offline: the dashboard asks for 500; the restarted device starts with its saved values
    // (before any answer), then applies the desired one at connect.
    await f.devices.get(thing)!.stop();
    f.logs.get(thing)!.length = 0;
    setDesired({ interval: 500 });
    await f.startDevice(thing, { gracePeriodMs: 1500 });
    await waitFor("restarted with the saved values", () => /start interval 250 mode eco/.test(log()), 30_000);
    await waitFor("the offline change applied at connect", () => log().includes("[app] interval now 500"), 20_000);
    await waitFor("reported 500", () => reported().interval === 500);
    assert.equal(reported().mode, "eco");
    assert.doesNotMatch(log(), /start interval 1000/);
  });

  it("starts from its saved file: a saved value this version refuses falls back to the default (said), a saved local change wins over an older desired value, values of settings it no longer has are kept", async () => {
    const f = (fleet = await NativeFleet.start(build));
    const thing = "nset-2";
    const shadowName = settingsShadowName(f.cloud.app);
    const shadow = () => f.cloud.shadows.store.get(thing, shadowName);
    const reported = () => (shadow()?.reported ?? {}) as Record<string, unknown>;
    const desired = () => (shadow()?.desired ?? {}) as Record<string, unknown>;
    const file = path.join(f.deviceStateDir(thing), "settings.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ values: { interval: 5, mode: "night", retired: 7 }, localChanges: ["mode", "retired"] }));
    // The dashboard asked for another mode while the device was away; the device's own set() is newer.
    f.cloud.broker.aedes.publish({ cmd: "publish", topic: shadowTopics.request(thing, shadowName, "update"), payload: Buffer.from(JSON.stringify({ state: { desired: { mode: "day" } } })), qos: 1, retain: false, dup: false }, () => {});
    await waitFor("desired stored", () => desired().mode === "day");

    const { jobId } = await f.cloud.deploy(build);
    await f.startDevice(thing, { gracePeriodMs: 1500 });
    await waitFor("v1 installed", () => f.execution(thing, jobId!)?.status === "SUCCEEDED", 30_000);
    const dropped = `setting "interval": the saved value is not valid for this app version (${settingValueProblem(decl("interval"), 5)}); using the default 1000`;
    await waitFor("the dropped saved value said", () => f.logOf(thing).includes(dropped));
    assert.match(f.logOf(thing), /start interval 1000 mode night/);
    await waitFor("the local change reported and the older desired value cleared", () => reported().mode === "night" && reported().interval === 1000 && desired().mode === undefined, 20_000);
    await waitFor("acknowledged: no local change left", () => (JSON.parse(fs.readFileSync(file, "utf8")) as { localChanges: string[] }).localChanges.length === 0);
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as { values: Record<string, unknown> };
    assert.deepEqual(saved.values, { interval: 1000, mode: "night", retired: 7 });
  });
});
