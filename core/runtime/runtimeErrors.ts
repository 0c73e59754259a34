/** Error texts of the feature runtime. The VM raises numeric codes with the API and the name
 * involved (raise(code, api, name)); the host formats the text. Keeping the texts out of the
 * snapshot saves about a kilobyte per device snapshot, which has a 2 KB budget. Add codes,
 * never renumber: deployed snapshots carry the numbers. */
import type { Target } from "../contracts/manifest";

export enum RuntimeError {
  /** A feature callback threw; `api` is the thrown message. */
  Thrown = 0,
  WrongTarget = 1,
  RunTimeDeclaration = 2,
  BuildTimeAction = 3,
  NotAFunction = 4,
  UnknownEvent = 5,
  UnsendableFunction = 6,
  UnsendableCycle = 7,
  SendRefused = 8,
  NoSuchPin = 9,
  BadDelay = 10,
  MissingTitle = 11,
  SecretOnWrongTarget = 12,
  /** A widget option or value is not a number; `name` is the option. */
  BadNumber = 13,
  /** An object or array sent or received by a device whose build found only primitives on its
   * channels in that direction (core/compiler/primitiveChannels.ts), so it left that half of the
   * object codec out; `api` is the channel name, if known. */
  ObjectOnPrimitiveChannel = 14,
  /** setting.addEventListener with an event other than "change"; `api` is the setting name. */
  UnknownSettingEvent = 15,
}

/** API ids the VM passes instead of names. */
export const API_NAMES: Record<number, string> = {
  1: "api.newCommsChannel",
  2: "api.defineSecret",
  3: "api.registerUiControl",
  4: "api.mcu.getAnalogPin",
  5: "api.mcu.getDigitalPin",
  6: "api.mcu.onStart",
  7: "api.mcu.setInterval",
  8: "api.mcu.setTimeout",
  9: "api.mcu.clearTimer",
  10: "pushMessageToServer",
  11: "sendToDevice",
  12: "addEventListener",
  13: "read",
  14: "write",
  15: "el.toggle",
  16: "el.button",
  17: "el.slider",
  18: "el.gauge",
  19: "el.chart",
  20: "set",
  30: "api.server.onDevice",
  31: "api.server.onFleet",
  32: "api.server.notify",
  21: "api.defineSetting",
  22: "set",
};

/** Which target serves each API id (for WrongTarget). */
export const SERVED_BY: Record<number, string> = {
  6: "device", 7: "device", 8: "device", 9: "device", 10: "device", 13: "device", 14: "device",
  11: "web or server",
  32: "server",
};

function apiBase(api: unknown): string {
  return API_NAMES[api as number] ?? `api #${api}`;
}

function apiText(api: unknown, name: unknown): string {
  const base = apiBase(api);
  if (name === undefined) return base;
  if (api === 10 || api === 11 || api === 12) return `channel "${name}".${base}`;
  if (api === 13 || api === 14) return `pin "${name}".${base}()`;
  if (api === 22) return `setting "${name}".set`;
  return `${base}("${name}")`;
}

function servedBy(api: unknown): string {
  return SERVED_BY[api as number] ?? "device";
}

/** The parts of a text that depend on the API id. scripts/runtimeErrorsHeader.mjs passes markers
 * instead, to take the texts apart into the native device's C tables (one source of truth). */
export interface RuntimeErrorParts {
  apiText(api: unknown, name: unknown): string;
  apiBase(api: unknown): string;
  servedBy(api: unknown): string;
}
export const RUNTIME_ERROR_PARTS: RuntimeErrorParts = { apiText, apiBase, servedBy };

export function formatRuntimeError(code: unknown, api: unknown, name: unknown, target: Target): string {
  return formatRuntimeErrorWith(RUNTIME_ERROR_PARTS, code, api, name, target);
}

export function formatRuntimeErrorWith({ apiText, apiBase, servedBy }: RuntimeErrorParts, code: unknown, api: unknown, name: unknown, target: Target | string): string {
  switch (code) {
    case RuntimeError.Thrown:
      return String(api);
    case RuntimeError.WrongTarget:
      return `${apiText(api, name)} can only be called on the ${servedBy(api)} target; this is the ${target} target. Call it from a callback that runs there (api.mcu.onStart/setInterval on the device, a UI control on the web, api.server.onDevice/onFleet on the server)`;
    case RuntimeError.RunTimeDeclaration:
      return `${apiText(api, name)} was called at run time. Declare channels, secrets, settings, pins and UI controls while App(api) runs (at build time), keep the returned objects and use them in callbacks`;
    case RuntimeError.BuildTimeAction:
      return `${apiText(api, name)} was called while App(api) runs at build time; call it from a callback (api.mcu.onStart/setInterval on the device, a UI control on the web, api.server.onDevice/onFleet on the server)`;
    case RuntimeError.NotAFunction:
      return `${apiText(api, name)}: the callback must be a function`;
    case RuntimeError.UnknownEvent:
      return `channel "${api}".addEventListener: unknown event "${name}"; use "messageFromServer" (device end) or "messageFromDevice" (web/server end)`;
    case RuntimeError.UnsendableFunction:
      return `a function can't be sent over a channel: send numbers, strings, booleans, null, arrays or plain objects`;
    case RuntimeError.UnsendableCycle:
      return `a value with a cycle (an object that contains itself) can't be sent over a channel`;
    case RuntimeError.SendRefused:
      return `channel "${api}": the supervisor refused the message (status ${name})`;
    case RuntimeError.NoSuchPin:
      return `the board has no pin "${api}" of that kind; check the pin label against the board`;
    case RuntimeError.BadDelay:
      return `${apiText(api, undefined)}: the delay must be a number of milliseconds >= 0`;
    case RuntimeError.MissingTitle:
      return `api.registerUiControl(render, { title }): give the control a title string`;
    case RuntimeError.SecretOnWrongTarget:
      return `secret "${api}".value is only available on the device target; it was read on the ${target} target. Secrets never reach dashboard or server snapshots: use the value in device code only`;
    case RuntimeError.BadNumber:
      return `${apiBase(api)}: ${name} must be a number`;
    case RuntimeError.ObjectOnPrimitiveChannel:
      return `${api === undefined ? "a channel" : `channel "${api}"`}: an object or array can't be sent or received here, because the values this app's code sends on its channels are all numbers, strings or booleans (by their declared types, or by the types of the values passed), so the device build leaves the object codec out. Declare the channel with the object type it carries, e.g. newCommsChannel<{ level: number }>("${api ?? "name"}"), or give the value its real type instead of a cast`;
    case RuntimeError.UnknownSettingEvent:
      return `setting "${api}".addEventListener: unknown event "${name}"; a setting has one event, "change"`;
    default:
      return `feature runtime error ${code} (${api}, ${name})`;
  }
}
