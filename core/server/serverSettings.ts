/** Settings in server code (README "Settings"): in an api.server.onDevice handler `setting.value`
 * is the device's reported value and `set(v)` asks the device for `v` through the desired state of
 * its settings shadow, as on the dashboard. The cloud provides the shadow: the local shadow service
 * (local/server/shadowSettings.ts) or AWS IoT's (lambda/featureServer, GetThingShadow and
 * UpdateThingShadow on the named shadow). */
import type { SettingDecl, SettingValue } from "../settings/settingDecl";
import { assertSettingValue, settingValueProblem } from "../settings/settingDecl";

export interface ServerSettings {
  /** The device's reported settings (its shadow's `state.reported`; `{}` without a shadow). Read
   * when the device's VM starts from the build, and after each `ServerHost.settingsChanged`. */
  reported(device: string): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Asks the device for `value` (its shadow's `state.desired`). Called after the batch that set
   * it was stored, like the batch's sends. */
  request(device: string, name: string, value: SettingValue): Promise<void> | void;
}

/** The reported values a VM can take, by manifest index: a value the declaration refuses (an
 * older build's, or one a dashboard wrote into `reported`) is left out. */
export function acceptedReportedValues(decls: readonly SettingDecl[] | undefined, reported: Record<string, unknown>): [number, SettingValue][] {
  const values: [number, SettingValue][] = [];
  (decls ?? []).forEach((decl, index) => {
    const value = reported[decl.name];
    if (value !== undefined && settingValueProblem(decl, value) === undefined) values.push([index, value as SettingValue]);
  });
  return values;
}

/** Checks a `set(value)` from server code; returns the declaration or throws saying why not. */
export function checkServerSettingSet(decls: readonly SettingDecl[] | undefined, index: number, value: unknown, vm: { kind: "device" } | { kind: "fleet" }): SettingDecl {
  const decl = decls?.[index];
  if (!decl) throw new Error(`the server snapshot set setting #${index}, which the manifest does not declare`);
  assertSettingValue(decl, value);
  if (vm.kind === "fleet") {
    throw new Error(`setting "${decl.name}".set(${JSON.stringify(value)}) refused: in api.server.onFleet a setting has no device; set it in api.server.onDevice, where it is that device's; nothing was changed`);
  }
  return decl;
}
