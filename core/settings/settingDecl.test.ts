import assert from "node:assert/strict";
import { checkSettingDeclaration, settingValueProblem, assertSettingValue, findSetting, type SettingDecl } from "./settingDecl";
import { reconcileDesired, startingValues } from "./deviceSettingsSync";

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
