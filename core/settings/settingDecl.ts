/** Settings (`api.defineSetting`): what a declaration is, which values it accepts, and where the
 * values live in the cloud. One set of rules for every place a value can come from or go to: the
 * build (the default), the device (a desired value from the shadow, a `set` in device code), the
 * dashboard and the server (`set` requests a change), so a value refused on one is refused on all
 * with the same words. */
import { checkName } from "../contracts/names";

export type SettingValue = number | string | boolean;
export type SettingType = "number" | "string" | "boolean";

export interface SettingDecl {
  name: string;
  /** The value a device applies until it gets another; its type is the setting's type. */
  default: SettingValue;
  /** Numbers only: the smallest and largest accepted value. */
  min?: number;
  max?: number;
}

/** A string setting's longest value (UTF-16 units): the whole settings shadow must stay within
 * AWS's 8 KB state document (core/shadow/shadowDocument.ts), and a device keeps every value. */
export const MAX_SETTING_STRING_LENGTH = 256;
/** The most settings an app may declare: their values share one 8 KB shadow document. */
export const MAX_SETTINGS = 64;

export function settingType(decl: Pick<SettingDecl, "default">): SettingType {
  return typeof decl.default as SettingType;
}

/** The named shadow that holds an app's settings on each thing (desired: what the dashboard or
 * server asked for; reported: what the device applied). AWS names: `[a-zA-Z0-9:_-]`, at most 64
 * characters (an app name has at most 36, core/contracts/names.ts and components/awsNames.ts). */
export function settingsShadowName(app: string): string {
  return `${app}-settings`;
}

/** Checks a declaration as App(api) made it; returns it cleaned, or throws saying what to fix. */
export function checkSettingDeclaration(name: unknown, defaultValue: unknown, min: unknown, max: unknown): SettingDecl {
  const call = `api.defineSetting(${JSON.stringify(name)})`;
  const problem = checkName("setting", name);
  if (problem) throw new Error(`api.defineSetting: ${problem}`);
  if (typeof defaultValue !== "number" && typeof defaultValue !== "string" && typeof defaultValue !== "boolean") {
    throw new Error(`${call}: give a default value, a number, string or boolean (e.g. { default: 21, min: 5, max: 35 }); got ${describe(defaultValue)}`);
  }
  const decl: SettingDecl = { name: name as string, default: defaultValue };
  if (typeof defaultValue !== "number") {
    if (min !== undefined || max !== undefined) throw new Error(`${call}: min and max are for number settings; this one is a ${typeof defaultValue} (its default is ${JSON.stringify(defaultValue)})`);
  } else {
    for (const [key, bound] of [["min", min], ["max", max]] as const) {
      // Number.isFinite is false for anything but a finite number (a typeof check before it was a mutant no test could kill).
      if (bound !== undefined && !Number.isFinite(bound)) throw new Error(`${call}: ${key} must be a finite number, got ${describe(bound)}`);
    }
    if (min !== undefined) decl.min = min as number;
    if (max !== undefined) decl.max = max as number;
    if (decl.min !== undefined && decl.max !== undefined && decl.min > decl.max) throw new Error(`${call}: min ${decl.min} is above max ${decl.max}`);
  }
  const defaultProblem = settingValueProblem(decl, defaultValue);
  if (defaultProblem) throw new Error(`${call}: the default ${defaultProblem}`);
  return decl;
}

/** Why `value` can't be this setting's value, or undefined when it can. */
export function settingValueProblem(decl: SettingDecl, value: unknown): string | undefined {
  const type = settingType(decl);
  if (typeof value !== type) return `${describe(value)} is not a ${type}: setting "${decl.name}" holds ${type}s (its default is ${JSON.stringify(decl.default)})`;
  if (type === "number") {
    const n = value as number;
    if (!Number.isFinite(n)) return `${describe(value)} is not a finite number`;
    if (decl.min !== undefined && n < decl.min) return `${n} is below the minimum ${decl.min} of setting "${decl.name}"${range(decl)}`;
    if (decl.max !== undefined && n > decl.max) return `${n} is above the maximum ${decl.max} of setting "${decl.name}"${range(decl)}`;
  }
  if (typeof value === "string" && value.length > MAX_SETTING_STRING_LENGTH) {
    return `a string of ${value.length} characters is too long for setting "${decl.name}" (at most ${MAX_SETTING_STRING_LENGTH})`;
  }
  return undefined;
}

/** The declaration named `name`, or an error text naming the settings there are. */
export function findSetting(settings: readonly SettingDecl[] | undefined, name: string): SettingDecl | string {
  const decl = settings?.find((s) => s.name === name);
  if (decl) return decl;
  const known = settings?.length ? settings.map((s) => `"${s.name}"`).join(", ") : "none";
  return `unknown setting ${JSON.stringify(name)}: this app declares ${known}`;
}

/** Throws the text a `set(value)` call shows when the value is refused. */
export function assertSettingValue(decl: SettingDecl, value: unknown): asserts value is SettingValue {
  const problem = settingValueProblem(decl, value);
  if (problem) throw new Error(`setting "${decl.name}".set(${describe(value)}) refused: ${problem}; nothing was changed`);
}

function range(decl: SettingDecl): string {
  if (decl.min !== undefined && decl.max !== undefined) return ` (accepted: ${decl.min} to ${decl.max})`;
  return "";
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return `a${Array.isArray(value) ? "n array" : typeof value === "object" ? "n object" : ` ${typeof value}`}`;
}
