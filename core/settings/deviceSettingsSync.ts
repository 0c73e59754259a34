/** How a device brings its settings in line with the settings shadow (core/settings/settingDecl.ts):
 * the decisions of firmware/settings/deviceSettings.ts, kept pure so every device runtime makes
 * the same ones. The device owns `reported` (what it applied); the dashboard and the server write
 * `desired`. A desired value is applied when it is valid for the running app; a refused one is
 * taken out of `desired` (so it doesn't come back as a delta at every connect) and reported on the
 * device's log topic. A value the device code set itself (`setting.set(v)` on the device) wins over
 * an older desired one: the device reports it and clears that desired key. */
import { findSetting, settingValueProblem, type SettingDecl, type SettingValue } from "./settingDecl";

export type SettingValues = Record<string, SettingValue>;

export interface DesiredOutcome {
  /** Valid values that differ from what the device has applied: apply them, in this order. */
  apply: SettingValues;
  /** Desired values the device refuses, with why (unknown setting, wrong type, out of range). */
  refused: { name: string; reason: string }[];
  /** The report that follows (a shadow update request's `state`), or undefined when the shadow
   * already says everything. */
  report?: { reported?: Record<string, SettingValue | null>; desired?: Record<string, null> };
}

/** The values a device starts with: each setting's persisted value when the running app still
 * accepts it (an OTA update may have changed its type or range), else its default. */
export function startingValues(settings: readonly SettingDecl[], persisted: Record<string, unknown>): { values: SettingValues; dropped: { name: string; reason: string }[] } {
  const values: SettingValues = {};
  const dropped: { name: string; reason: string }[] = [];
  for (const decl of settings) {
    const saved = persisted[decl.name];
    if (saved === undefined) values[decl.name] = decl.default;
    else {
      const problem = settingValueProblem(decl, saved);
      values[decl.name] = problem ? decl.default : (saved as SettingValue);
      if (problem) dropped.push({ name: decl.name, reason: problem });
    }
  }
  return { values, dropped };
}

/**
 * What to do with the desired state of the shadow.
 * @param desired `state.desired` of a get, or `state` of a delta.
 * @param reported `state.reported` of a get (a full document: the report then also corrects
 *   reported values that differ from the applied ones, and removes those of settings the app no
 *   longer has); undefined for a delta.
 * @param localChanges settings the device code set that the shadow hasn't heard of yet.
 */
export function reconcileDesired(
  settings: readonly SettingDecl[],
  applied: SettingValues,
  desired: Record<string, unknown> | undefined,
  reported: Record<string, unknown> | undefined,
  localChanges: ReadonlySet<string>,
): DesiredOutcome {
  const apply: SettingValues = {};
  const refused: DesiredOutcome["refused"] = [];
  const clear: Record<string, null> = {};
  for (const [name, value] of Object.entries(desired ?? {})) {
    if (localChanges.has(name)) {
      clear[name] = null;
      continue;
    }
    const decl = findSetting(settings, name);
    const problem = typeof decl === "string" ? decl : settingValueProblem(decl, value);
    if (problem) {
      refused.push({ name, reason: problem });
      clear[name] = null;
    } else if (applied[name] !== value) apply[name] = value as SettingValue;
  }
  const after = { ...applied, ...apply };
  const report: Record<string, SettingValue | null> = {};
  for (const name of [...Object.keys(apply), ...localChanges]) if (name in after) report[name] = after[name];
  if (reported !== undefined) {
    for (const decl of settings) if (reported[decl.name] !== after[decl.name]) report[decl.name] = after[decl.name];
    for (const name of Object.keys(reported)) if (!(name in after)) report[name] = null;
  }
  const outcome: DesiredOutcome = { apply, refused };
  if (Object.keys(report).length > 0 || Object.keys(clear).length > 0) {
    outcome.report = {};
    if (Object.keys(report).length > 0) outcome.report.reported = report;
    if (Object.keys(clear).length > 0) outcome.report.desired = clear;
  }
  return outcome;
}

/** The first report of a device whose settings shadow doesn't exist yet: every applied value. */
export function fullReport(applied: SettingValues): NonNullable<DesiredOutcome["report"]> {
  return { reported: { ...applied } };
}
