import assert from "node:assert/strict";
import { checkSettingDeclaration, settingValueProblem, assertSettingValue, findSetting, type SettingDecl } from "./settingDecl";
import { fullReport, reconcileDesired, startingValues } from "./deviceSettingsSync";

const setpoint: SettingDecl = { name: "setpoint", default: 21, min: 5, max: 35 };
const mode: SettingDecl = { name: "mode", default: "auto" };
const heating: SettingDecl = { name: "heating", default: true };

describe("settings: declarations and values (core/settings)", () => {
  it("accepts numbers, strings and booleans with a default, and refuses bad declarations saying what to fix", () => {
    assert.deepEqual(checkSettingDeclaration("setpoint", 21, 5, 35), setpoint);
    assert.deepEqual(checkSettingDeclaration("mode", "auto", undefined, undefined), mode);
    assert.throws(() => checkSettingDeclaration("Setpoint", 21, undefined, undefined), /setting name "Setpoint" is invalid/);
    assert.throws(() => checkSettingDeclaration("setpoint", undefined, undefined, undefined), /give a default value, a number, string or boolean .* got undefined/);
    assert.throws(() => checkSettingDeclaration("setpoint", { a: 1 }, undefined, undefined), /got an object/);
    assert.throws(() => checkSettingDeclaration("mode", "auto", 1, undefined), /min and max are for number settings; this one is a string/);
    assert.throws(() => checkSettingDeclaration("setpoint", 21, 30, 10), /min 30 is above max 10/);
    assert.throws(() => checkSettingDeclaration("setpoint", 40, 5, 35), /the default 40 is above the maximum 35/);
    assert.throws(() => checkSettingDeclaration("setpoint", 21, "5", undefined), /min must be a finite number, got "5"/);
  });

  it("checks a value's type, range and length", () => {
    assert.equal(settingValueProblem(setpoint, 35), undefined);
    assert.match(settingValueProblem(setpoint, 4.5)!, /4\.5 is below the minimum 5 of setting "setpoint" \(accepted: 5 to 35\)/);
    assert.match(settingValueProblem(setpoint, "22")!, /"22" is not a number/);
    assert.match(settingValueProblem(setpoint, Number.NaN)!, /not a finite number/);
    assert.match(settingValueProblem(heating, 1)!, /1 is not a boolean/);
    assert.match(settingValueProblem(mode, "x".repeat(300))!, /300 characters is too long/);
    assert.throws(() => assertSettingValue(setpoint, 99), /setting "setpoint"\.set\(99\) refused: .*; nothing was changed/);
    assert.equal(findSetting([setpoint], "fan"), `unknown setting "fan": this app declares "setpoint"`);
  });

  it("a device starts with saved values the app still accepts, else the default", () => {
    const { values, dropped } = startingValues([setpoint, mode, heating], { setpoint: 40, mode: "eco" });
    assert.deepEqual(values, { setpoint: 21, mode: "eco", heating: true });
    assert.equal(dropped.length, 1);
    assert.match(dropped[0].reason, /40 is above the maximum 35/);
  });

  it("reconciles desired state: applies valid changes, refuses and clears bad ones, local changes win, reported is corrected", () => {
    const applied = { setpoint: 21, mode: "auto", heating: true };
    const outcome = reconcileDesired([setpoint, mode, heating], applied, { setpoint: 25, mode: 3, fan: 1, heating: true }, { setpoint: 21, mode: "auto", old: 5 }, new Set());
    assert.deepEqual(outcome.apply, { setpoint: 25 });
    assert.deepEqual(outcome.refused.map((r) => r.name), ["mode", "fan"]);
    assert.deepEqual(outcome.report, { reported: { setpoint: 25, heating: true, old: null }, desired: { mode: null, fan: null } });
    const local = reconcileDesired([setpoint], { setpoint: 30 }, { setpoint: 25 }, undefined, new Set(["setpoint"]));
    assert.deepEqual(local.apply, {});
    assert.deepEqual(local.report, { reported: { setpoint: 30 }, desired: { setpoint: null } });
    assert.equal(reconcileDesired([setpoint], { setpoint: 21 }, { setpoint: 21 }, { setpoint: 21 }, new Set()).report, undefined, "nothing to say");
  });
});

// Issue 17: each promise at its boundary (README "Settings": numbers within min..max inclusive,
// strings of at most 256 characters, the default's type is the setting's type).
describe("settings: ranges, types and defaults at their boundaries", () => {
  it("a range is inclusive at both ends, and a number setting may have no bounds or only one", () => {
    const exact: SettingDecl = { name: "fixed", default: 7, min: 7, max: 7 };
    assert.deepEqual(checkSettingDeclaration("fixed", 7, 7, 7), exact, "min equal to max is a valid range");
    assert.equal(settingValueProblem(setpoint, 5), undefined, "the minimum itself is accepted");
    assert.equal(settingValueProblem(setpoint, 35), undefined, "the maximum itself is accepted");
    assert.match(settingValueProblem(setpoint, 35.001)!, /35\.001 is above the maximum 35 of setting "setpoint" \(accepted: 5 to 35\)/);
    assert.match(settingValueProblem(setpoint, 4.999)!, /4\.999 is below the minimum 5/);
    assert.deepEqual(checkSettingDeclaration("count", 3, undefined, undefined), { name: "count", default: 3 }, "no bounds: no min or max keys at all");
    const floorOnly = checkSettingDeclaration("level", 0, -10, undefined);
    assert.deepEqual(floorOnly, { name: "level", default: 0, min: -10 });
    assert.equal(settingValueProblem(floorOnly, 1e9), undefined, "no maximum: any finite number above the minimum");
    const below = settingValueProblem(floorOnly, -11)!;
    assert.match(below, /-11 is below the minimum -10 of setting "level"/);
    assert.ok(!below.includes("accepted"), `a one-sided range names no "accepted: a to b": ${below}`);
    const ceilingOnly = checkSettingDeclaration("cap", 0, undefined, 10);
    assert.deepEqual(ceilingOnly, { name: "cap", default: 0, max: 10 });
    assert.equal(settingValueProblem(ceilingOnly, -1e9), undefined);
    assert.match(settingValueProblem(ceilingOnly, 11)!, /11 is above the maximum 10 of setting "cap"$/);
    assert.throws(() => checkSettingDeclaration("setpoint", 4, 5, 35), /the default 4 is below the minimum 5/);
  });

  it("bounds must be finite numbers, and only number settings take them", () => {
    assert.throws(() => checkSettingDeclaration("setpoint", 21, undefined, Number.POSITIVE_INFINITY), /max must be a finite number, got Infinity/);
    assert.throws(() => checkSettingDeclaration("setpoint", 21, Number.NaN, undefined), /min must be a finite number, got NaN/);
    assert.throws(() => checkSettingDeclaration("setpoint", 21, null, undefined), /min must be a finite number, got null/);
    assert.throws(() => checkSettingDeclaration("heating", true, undefined, 1), /min and max are for number settings; this one is a boolean \(its default is true\)/);
    assert.throws(() => checkSettingDeclaration("mode", "auto", undefined, 3), /min and max are for number settings; this one is a string/);
    assert.throws(() => checkSettingDeclaration("setpoint", Number.POSITIVE_INFINITY, undefined, undefined), /the default Infinity is not a finite number/);
  });

  it("the default's type is the setting's type: number, string and boolean defaults are accepted, nothing else", () => {
    assert.deepEqual(checkSettingDeclaration("heating", false, undefined, undefined), { name: "heating", default: false });
    assert.deepEqual(checkSettingDeclaration("label", "", undefined, undefined), { name: "label", default: "" });
    assert.throws(() => checkSettingDeclaration("x", null, undefined, undefined), /got null/);
    assert.throws(() => checkSettingDeclaration("x", [1], undefined, undefined), /got an array/);
    assert.throws(() => checkSettingDeclaration("x", () => 1, undefined, undefined), /got a function/);
    assert.throws(() => checkSettingDeclaration("x", 10n, undefined, undefined), /got a bigint/);
    assert.throws(() => checkSettingDeclaration("label", "x".repeat(257), undefined, undefined), /the default a string of 257 characters is too long for setting "label" \(at most 256\)/);
    assert.match(settingValueProblem(mode, true)!, /^true is not a string: setting "mode" holds strings \(its default is "auto"\)$/);
    assert.match(settingValueProblem(heating, "on")!, /^"on" is not a boolean/);
    assert.match(settingValueProblem(setpoint, undefined)!, /^undefined is not a number/);
    assert.match(settingValueProblem(setpoint, {})!, /^an object is not a number/);
  });

  it("a string holds at most 256 characters; a long refused value is quoted shortened, a short one whole", () => {
    assert.equal(settingValueProblem(mode, "x".repeat(256)), undefined);
    assert.match(settingValueProblem(mode, "x".repeat(257))!, /a string of 257 characters is too long for setting "mode" \(at most 256\)/);
    assert.equal(settingValueProblem(mode, ""), undefined);
    // A refused value is quoted in the error, cut after 40 characters so the log line stays short.
    const forty = "y".repeat(40);
    assert.match(settingValueProblem(setpoint, forty)!, new RegExp(`^"${forty}" is not a number`));
    assert.match(settingValueProblem(setpoint, `${forty}z`)!, new RegExp(`^"${forty}…" is not a number`));
  });

  it("set(value) passes a valid value and refuses an invalid one with what was refused", () => {
    assert.doesNotThrow(() => assertSettingValue(setpoint, 5));
    assert.doesNotThrow(() => assertSettingValue(mode, "eco"));
    assert.doesNotThrow(() => assertSettingValue(heating, false));
    assert.throws(() => assertSettingValue(heating, "false"), /^Error: setting "heating"\.set\("false"\) refused: "false" is not a boolean: setting "heating" holds booleans \(its default is true\); nothing was changed$/);
  });

  it("an unknown setting's error names the declared ones, or none", () => {
    assert.equal(findSetting([setpoint, mode], "mode"), mode);
    assert.equal(findSetting([setpoint, mode], "fan"), `unknown setting "fan": this app declares "setpoint", "mode"`);
    assert.equal(findSetting([], "fan"), `unknown setting "fan": this app declares none`);
    assert.equal(findSetting(undefined, "fan"), `unknown setting "fan": this app declares none`);
  });

  it("a device starts with its defaults when nothing is saved, keeps saved values of every type, and drops each one the app no longer accepts", () => {
    assert.deepEqual(startingValues([setpoint, mode, heating], {}), { values: { setpoint: 21, mode: "auto", heating: true }, dropped: [] });
    assert.deepEqual(startingValues([setpoint, mode, heating], { setpoint: 5, mode: "", heating: false }), { values: { setpoint: 5, mode: "", heating: false }, dropped: [] });
    const changed = startingValues([setpoint, mode, heating], { setpoint: "21", mode: 1, heating: false, removed: 3 });
    assert.deepEqual(changed.values, { setpoint: 21, mode: "auto", heating: false }, "a setting the app no longer has is not started");
    assert.deepEqual(changed.dropped.map((d) => d.name), ["setpoint", "mode"]);
    assert.match(changed.dropped[0].reason, /"21" is not a number/);
    assert.match(changed.dropped[1].reason, /1 is not a string/);
  });
});

describe("settings: the device reconciles the settings shadow", () => {
  const settings = [setpoint, mode, heating];
  const applied = { setpoint: 21, mode: "auto", heating: true };

  it("a delta (no reported state) of valid changes applies them in order and reports only them", () => {
    const outcome = reconcileDesired(settings, applied, { mode: "eco", setpoint: 30 }, undefined, new Set());
    assert.deepEqual(Object.entries(outcome.apply), [["mode", "eco"], ["setpoint", 30]]);
    assert.deepEqual(outcome.refused, []);
    assert.deepEqual(outcome.report, { reported: { mode: "eco", setpoint: 30 } }, "nothing to clear: no desired key in the report");
  });

  it("a delta of only refused values clears them and reports nothing else; the reason says why", () => {
    const outcome = reconcileDesired(settings, applied, { setpoint: 99, fan: true }, undefined, new Set());
    assert.deepEqual(outcome.apply, {});
    assert.deepEqual(outcome.refused, [
      { name: "setpoint", reason: `99 is above the maximum 35 of setting "setpoint" (accepted: 5 to 35)` },
      { name: "fan", reason: `unknown setting "fan": this app declares "setpoint", "mode", "heating"` },
    ]);
    assert.deepEqual(outcome.report, { desired: { setpoint: null, fan: null } });
  });

  it("no desired state and a reported state that matches: nothing to do", () => {
    const outcome = reconcileDesired(settings, applied, undefined, { ...applied }, new Set());
    assert.deepEqual(outcome, { apply: {}, refused: [] });
    assert.ok(!("report" in outcome), "no report key at all");
  });

  it("a full document corrects a stale reported value, adds a missing one and removes one the app no longer has", () => {
    const outcome = reconcileDesired(settings, applied, {}, { setpoint: 20, mode: "auto", gone: 1 }, new Set());
    assert.deepEqual(outcome.apply, {});
    assert.deepEqual(outcome.report, { reported: { setpoint: 21, heating: true, gone: null } });
  });

  it("a local change is reported even without desired state, and one for a setting the app doesn't have is not", () => {
    const outcome = reconcileDesired(settings, { ...applied, mode: "manual" }, undefined, undefined, new Set(["mode", "nonexistent"]));
    assert.deepEqual(outcome.apply, {});
    assert.deepEqual(outcome.report, { reported: { mode: "manual" } });
  });

  it("a desired value equal to the applied one is not applied again, but is still cleared when a local change overrides another", () => {
    const outcome = reconcileDesired(settings, applied, { heating: true, setpoint: 25 }, undefined, new Set(["setpoint"]));
    assert.deepEqual(outcome.apply, {});
    assert.deepEqual(outcome.refused, []);
    assert.deepEqual(outcome.report, { reported: { setpoint: 21 }, desired: { setpoint: null } });
  });

  it("the first report holds every applied value, as a copy", () => {
    const values = { setpoint: 21, mode: "auto" };
    const report = fullReport(values);
    assert.deepEqual(report, { reported: { setpoint: 21, mode: "auto" } });
    values.setpoint = 30;
    assert.equal(report.reported!.setpoint, 21);
  });
});
