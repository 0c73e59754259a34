// The feature runtime: the in-VM side of FeatureApi (core/api/featureApi.ts).
// Runs inside Microvium, so it is written in Microvium's JS subset: `===` only, no spread,
// destructuring, for-of, default parameters or method shorthand, no standard library.
// The compiler prepends `const TARGET = "device" | "web" | "server";` and evaluates this module
// once per target. Functions a target can't use are never assigned there, so they are not
// reachable from its snapshot and cost nothing (Microvium keeps only what is reachable).
// Size matters (device snapshot budget 2 KB): errors are raised as numeric codes with the API
// id and name (core/runtime/runtimeErrors.ts), and the host formats the text.
// Host ids: core/runtime/hostIds.ts — keep the numbers below in step with it.

// vmImport is a build-time function: every import is resolved here, at module level, because
// calling vmImport at run time hits Microvium's "detached" stub.
const raise = vmImport(1);
const hostLog = vmImport(2);
const tokenOut = vmImport(3);
const tokenInKind = vmImport(4);
const tokenInPayload = vmImport(5);
const declare = vmImport(6);
const secretValue = vmImport(7);
const callbackSite = vmImport(8);
const channelSend = vmImport(10);
const pinOpen = vmImport(11);
const pinRead = vmImport(12);
const pinWrite = vmImport(13);
const timerStart = vmImport(14);
const timerStop = vmImport(15);
const networkRequest = vmImport(16);
const channelOpen = vmImport(17);
const hostSendToDevice = vmImport(20);
const ui = vmImport(21);
const hostNotify = vmImport(30);
const settingSet = vmImport(40);

// RuntimeError codes (runtimeErrors.ts)
const E_WRONG_TARGET = 1;
const E_RUN_TIME_DECLARATION = 2;
const E_BUILD_TIME_ACTION = 3;
const E_NOT_A_FUNCTION = 4;
const E_UNKNOWN_EVENT = 5;
const E_SEND_FUNCTION = 6;
const E_SEND_CYCLE = 7;
const E_SEND_REFUSED = 8;
const E_NO_SUCH_PIN = 9;
const E_BAD_DELAY = 10;
const E_MISSING_TITLE = 11;
const E_SECRET = 12;
const E_BAD_NUMBER = 13;
const E_OBJECT_ON_PRIMITIVE_CHANNEL = 14;
const E_UNKNOWN_SETTING_EVENT = 15;

// Marker meaning "the value travels as a token stream" (TOKENS_MARKER in hostIds.ts).
const TOKENS = "\u0000sf-tokens";
const arrayPush = [].push;
const END = {};

let building = true;
const controls = [];
const startCallbacks = [];
const buildTimerDelays = [];
const timerSlots = [];
const timerRepeats = [];
const uiCallbacks = [];
// The objects this runtime hands to feature code (api, api.mcu, channels, pins, secrets). The
// compiler reads them through export 2 while snapshotting, to leave out the members no code in
// the snapshot names (core/compiler/snapshotPruning.ts); the export is not in the snapshot.
const apiObjects = [];
vmExport(2, apiObjects);
function apiObject(o) {
  apiObjects.push(o);
  return o;
}

function atBuildOnly(api, name) {
  if (!building) raise(E_RUN_TIME_DECLARATION, api, name);
}

// Members that only work at run time (sending, pin reads and writes): while App runs they are
// stubs that raise E_BUILD_TIME_ACTION, and finishBuild puts the real functions in, so the
// snapshot's run-time code carries no "still building?" test. Flat: object, member, function.
const runTimeMembers = [];
function runTimeMember(o, member, fn, api, name) {
  o[member] = function () {
    raise(E_BUILD_TIME_ACTION, api, name);
  };
  // One item per push: Microvium's push takes one argument.
  runTimeMembers.push(o);
  runTimeMembers.push(member);
  runTimeMembers.push(fn);
}

function requireFunction(f, api) {
  if (typeof f !== "function") raise(E_NOT_A_FUNCTION, api);
}

// --- values: objects and arrays cross the VM boundary as a token stream -----------------

// Only objects and arrays reach emitValue (outgoing passes primitives straight to the host).
// Arrays and objects share one loop: for an array the "keys" are the array itself and no key
// token is sent. `ancestors` holds the containers being streamed, to refuse cycles.
function emitValue(v, ancestors) {
  for (let i = 0; i < ancestors.length; i = i + 1) {
    if (ancestors[i] === v) raise(E_SEND_CYCLE);
  }
  ancestors.push(v);
  const isArray = v.push === arrayPush;
  tokenOut(isArray ? 1 : 2);
  const keys = isArray ? v : Reflect.ownKeys(v);
  for (let i = 0; i < keys.length; i = i + 1) {
    const key = isArray ? i : keys[i];
    if (!isArray) tokenOut(3, key);
    const item = v[key];
    if (typeof item === "object" && item !== null) emitValue(item, ancestors);
    else tokenOut(0, checkSendable(item));
  }
  tokenOut(4);
  ancestors.length = ancestors.length - 1;
}

function checkSendable(v) {
  if (typeof v === "function") raise(E_SEND_FUNCTION);
  return v;
}

// What a host send function receives: the primitive itself, or TOKENS after streaming it.
function outgoingAny(v) {
  if (typeof v !== "object" || v === null) return checkSendable(v);
  emitValue(v, []);
  return TOKENS;
}

// When the compiler finds that the device only sends, or only receives, primitives
// (core/compiler/primitiveChannels.ts), finishBuild puts these in place of that half of the
// codec, which is then unreachable and left out of the snapshot.
function outgoingPrimitive(v, channelName) {
  if (typeof v === "object" && v !== null) raise(E_OBJECT_ON_PRIMITIVE_CHANNEL, channelName);
  return checkSendable(v);
}

function refuseTokens() {
  raise(E_OBJECT_ON_PRIMITIVE_CHANNEL);
}

let outgoing = outgoingAny;
let readIncoming = readTokens;

function readTokens() {
  const kind = tokenInKind();
  if (kind === 0) return tokenInPayload();
  if (kind === 4) return END;
  if (kind === 1) {
    const a = [];
    let item = readTokens();
    while (item !== END) {
      a.push(item);
      item = readTokens();
    }
    return a;
  }
  const o = {};
  while (tokenInKind() === 3) {
    // Key first, in its own statement: Microvium evaluates the right side of `o[k()] = v()` first.
    const key = tokenInPayload();
    o[key] = readTokens();
  }
  return o;
}

// The standard library's JSON.parse reads the host's parse result with this (the compiler makes
// it the global __sf_readTokens). A separate name: an exported binding is read through the
// module's namespace object, which readTokens' own calls would then keep in every snapshot.
export const valueReader = readTokens;

function incoming(v) {
  if (v === TOKENS) return readTokens();
  return v;
}

// Loop counters and temporaries of the run-time functions are extra parameters (`i`, `x`): a
// `let` costs 3 bytes more per variable in Microvium bytecode (its slot starts as "deleted").
// The host hears which callback of the list runs (CallbackSiteKind.Running), so that it can
// name the one that fails without a try/catch in the snapshot. Not for the first: a message for
// a channel with one listener then costs no extra host call (the host takes 0 when not told).
function callAll(list, value, i) {
  for (i = 0; i < list.length; i = i + 1) {
    if (i) callbackSite(4, i);
    list[i](value);
  }
}

// --- channels ----------------------------------------------------------------------------

// Per-channel run-time state lives in arrays indexed by channel number rather than on the
// channel object: the object then carries only the public members, and the internal ones
// cost no closures or interned property names in the snapshot.
const channelListeners = [];
// The event this target receives; listening to the other one is allowed and never fires.
// Chosen here, once, so the channel code carries no target test at run time.
const INBOUND_EVENT = TARGET === "device" ? "messageFromServer" : "messageFromDevice";
const OUTBOUND_EVENT = TARGET === "device" ? "messageFromDevice" : "messageFromServer";
const channelHandles = [];

// The `history` option as a number for declare(): its days, undefined when absent, NaN when it
// is not `{ days }` (the recorder says what is wrong). Build time only.
function historyDays(history) {
  if (history === undefined) return undefined;
  if (typeof history !== "object" || history === null || history.days === undefined) return NaN;
  return history.days;
}

// The names of the options a declaration was given, comma-separated, for the recorder to name
// one it doesn't know (a misspelled option would leave its default in place unsaid). Build time only.
function optionNames(options) {
  if (typeof options !== "object" || options === null) return "";
  const keys = Reflect.ownKeys(options);
  let names = "";
  for (let i = 0; i < keys.length; i = i + 1) names = names + (i ? "," : "") + keys[i];
  return names;
}

function newCommsChannel(name, options) {
  atBuildOnly(1, name);
  if (options === undefined) options = {};
  declare(1, name, options.qos, options.direction, options.replay, historyDays(options.history), optionNames(options));
  const index = channelListeners.length;
  channelListeners.push([]);
  channelHandles.push(0);
  const channel = apiObject({ name: name });
  // Microvium keeps a scope's variables in the first closure made in it, so that closure's
  // function stays in the snapshot whenever a sibling does. The send this target uses comes
  // first; the siblings no code names can then be left out (core/compiler/snapshotPruning.ts).
  if (TARGET === "device") {
    runTimeMember(channel, "pushMessageToServer", function (value) {
      if (channelHandles[index] === 0) channelHandles[index] = channelOpen(ensureNetwork(), index);
      const status = channelSend(channelHandles[index], outgoing(value, name));
      if (status !== 0) raise(E_SEND_REFUSED, name, status);
    }, 10, name);
  } else if (TARGET === "server") {
    // `device`: the device a fleet handler (api.server.onFleet) addresses, by name or as the
    // device its listener got; a per-device server VM's host ignores it (it addresses its own).
    runTimeMember(channel, "sendToDevice", function (value, device) {
      hostSendToDevice(index, outgoing(value, name), typeof device === "object" && device !== null ? device.name : device);
    }, 11, name);
  } else {
    // A dashboard card addresses its own device.
    runTimeMember(channel, "sendToDevice", function (value) {
      hostSendToDevice(index, outgoing(value, name));
    }, 11, name);
  }
  channel.addEventListener = function (event, listener) {
    requireFunction(listener, 12);
    if (event === INBOUND_EVENT) {
      callbackSite(2, index);
      channelListeners[index].push(listener);
    } else if (event !== OUTBOUND_EVENT) raise(E_UNKNOWN_EVENT, name, event);
  };
  if (TARGET === "device") {
    channel.sendToDevice = function () {
      raise(E_WRONG_TARGET, 11, name);
    };
  } else {
    channel.pushMessageToServer = function () {
      raise(E_WRONG_TARGET, 10, name);
    };
  }
  return channel;
}

// --- device: network, pins, timers ---------------------------------------------------------

let network = 0;
function ensureNetwork() {
  if (network === 0) network = networkRequest();
  return network;
}

// Pin handles by pin slot; a pin opens on first use. One shared opener instead of a closure per pin.
const pinHandles = [];
function openPin(slot, kind, name) {
  if (pinHandles[slot] === 0) pinHandles[slot] = pinOpen(kind, name);
  if (pinHandles[slot] === 0) raise(E_NO_SUCH_PIN, name);
  return pinHandles[slot];
}

function makePin(kind, name) {
  atBuildOnly(kind + 4, name);
  declare(kind + 3, name);
  const pin = apiObject({});
  if (TARGET === "device") {
    const slot = pinHandles.length;
    pinHandles.push(0);
    runTimeMember(pin, "read", function () {
      return pinRead(openPin(slot, kind, name));
    }, 13, name);
    if (kind === 1) {
      runTimeMember(pin, "write", function (value) {
        pinWrite(openPin(slot, kind, name), value ? 1 : 0);
      }, 14, name);
    }
  } else {
    pin.read = function () {
      raise(E_WRONG_TARGET, 13, name);
    };
    pin.write = function () {
      raise(E_WRONG_TARGET, 14, name);
    };
  }
  return pin;
}

// One variant per target, picked here so the run-time code carries no target test.
const addTimer =
  TARGET === "device"
    ? function (api, callback, ms, repeat) {
        requireFunction(callback, api);
        if (typeof ms !== "number" || !(ms >= 0)) raise(E_BAD_DELAY, api);
        let slot = 0;
        while (slot < timerSlots.length && timerSlots[slot] !== undefined) slot = slot + 1;
        timerSlots[slot] = callback;
        timerRepeats[slot] = repeat;
        if (building) {
          // Timers set while App runs keep their slot and start with the app (VmEvent.Start);
          // their handle is 0. No slot is freed at build time, so these are slots 0, 1, 2, ...
          callbackSite(1, slot, repeat);
          buildTimerDelays[slot] = ms;
          return 0;
        }
        timerStart(slot, ms, repeat);
        return slot + 1;
      }
    : function (api, callback, ms) {
        requireFunction(callback, api);
        if (typeof ms !== "number" || !(ms >= 0)) raise(E_BAD_DELAY, api);
        if (!building) raise(E_WRONG_TARGET, api);
        return 0;
      };

const mcu = apiObject({
  getAnalogPin: function (name) {
    return makePin(0, name);
  },
  getDigitalPin: function (name) {
    return makePin(1, name);
  },
  setInterval: function (callback, ms) {
    return addTimer(7, callback, ms, 1);
  },
  setTimeout: function (callback, ms) {
    return addTimer(8, callback, ms, 0);
  },
  clearTimer:
    TARGET === "device"
      ? function (handle) {
          const slot = handle - 1;
          // Past the end reads undefined; a negative index (handle 0 or not a handle) would throw.
          if (!(slot >= 0) || timerSlots[slot] === undefined) return;
          timerSlots[slot] = undefined;
          timerStop(slot);
        }
      : function () {
          raise(E_WRONG_TARGET, 9);
        },
  onStart: function (callback) {
    requireFunction(callback, 6);
    atBuildOnly(6);
    if (TARGET === "device") {
      callbackSite(3);
      startCallbacks.push(callback);
    }
  },
});

// --- secrets -----------------------------------------------------------------------------

function defineSecret(name, options) {
  atBuildOnly(2, name);
  declare(2, name, options !== undefined && options.optional === true ? 1 : 0, optionNames(options));
  if (TARGET === "device") return apiObject({ name: name, value: secretValue(name) });
  // Web and server get a stub without the value; the compiler rewrites their `.value` reads
  // into guardedValueRead, which throws for stubs.
  return apiObject({ name: name, sfSecretStub: name });
}

export function guardedValueRead(o) {
  if (typeof o === "object" && o !== null && o.sfSecretStub !== undefined) raise(E_SECRET, o.sfSecretStub);
  return o.value;
}

// --- settings (core/settings) ----------------------------------------------------------------

// A setting's value is a plain member of its object, written here when the host says it changed
// (VmEvent 20/21): on the device the applied value, on web and server the device's reported one.
// Validation, persistence and the shadow are the host's (settingSet throws for a refused value).
const settingObjects = [];
const settingListeners = [];

function defineSetting(name, options) {
  atBuildOnly(21, name);
  if (options === undefined) options = {};
  declare(6, name, options.default, options.min, options.max, optionNames(options));
  const index = settingObjects.length;
  settingListeners.push([]);
  const setting = apiObject({ name: name, value: options.default });
  settingObjects.push(setting);
  runTimeMember(setting, "set", TARGET === "device"
    ? function (value) {
        settingSet(index, value);
        settingChanged(index, value);
      }
    : function (value) {
        settingSet(index, value);
      }, 22, name);
  setting.addEventListener = function (event, listener) {
    requireFunction(listener, 12);
    if (event !== "change") raise(E_UNKNOWN_SETTING_EVENT, name, event);
    settingListeners[index].push(listener);
  };
  return setting;
}

function settingHostEvent(event, index, value) {
  if (event === 20) settingChanged(index, value);
  else settingObjects[index].value = value;
}

function settingChanged(index, value) {
  if (settingObjects[index].value === value) return;
  settingObjects[index].value = value;
  callAll(settingListeners[index], value);
}

// --- UI controls -------------------------------------------------------------------------

function registerUiControl(render, options) {
  atBuildOnly(3);
  requireFunction(render, 3);
  if (options === undefined || typeof options.title !== "string") raise(E_MISSING_TITLE);
  declare(5, options.title);
  controls.push(TARGET === "web" ? render : undefined);
}

// UI operations (web host), ui(control, op, ...args); ids in uiOps.ts. Gauges and charts get a
// widget id from the host and are fed through SetValue.
function makeElement(index) {
  function callback(f, api) {
    requireFunction(f, api);
    uiCallbacks.push(f);
    return uiCallbacks.length - 1;
  }
  function indicator(id) {
    return {
      set: function (value) {
        ui(index, 7, id, numberOption(value, undefined, 20, "value"));
      },
    };
  }
  return {
    setText: function (text) {
      ui(index, 1, "" + text);
    },
    gauge: function (o) {
      o = o === undefined ? {} : o;
      return indicator(ui(index, 3, numberOption(o.min, 0, 18, "min"), numberOption(o.max, 100, 18, "max"), textOption(o.unit)));
    },
    chart: function (o) {
      o = o === undefined ? {} : o;
      return indicator(ui(index, 4, textOption(o.unit), numberOption(o.window, 60, 19, "window")));
    },
    toggle: function (label, onChange, o) {
      // The state to show (undefined: a plain toggle, usable only while the device is online).
      const id = ui(index, 2, "" + label, callback(onChange, 15), o === undefined || o.on === undefined ? undefined : o.on === true);
      return {
        set: function (on) {
          ui(index, 7, id, on === true);
        },
      };
    },
    button: function (label, onClick) {
      ui(index, 5, "" + label, callback(onClick, 16));
    },
    slider: function (o, onChange) {
      o = o === undefined ? {} : o;
      const slot = callback(onChange, 17);
      const min = numberOption(o.min, 0, 17, "min");
      return indicator(ui(index, 6, min, numberOption(o.max, 100, 17, "max"), numberOption(o.step, 1, 17, "step"), slot, o.value === undefined ? undefined : numberOption(o.value, 0, 17, "value")));
    },
  };
}

function numberOption(v, fallback, api, name) {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || v !== v) raise(E_BAD_NUMBER, api, name);
  return v;
}

function textOption(v) {
  return v === undefined ? "" : "" + v;
}

// --- server: per-device and fleet handlers (core/server, local/server, lambda/featureServer) ---

// Handlers run once per VM: a device's VM runs the onDevice ones with that device, the fleet VM
// the onFleet ones. Kept only in the server snapshot.
const deviceHandlers = [];
const fleetHandlers = [];
// Set in the fleet VM when it starts: the object its handlers got (`devices` kept current by the
// host), and where each channel's listeners added by them begin.
let fleet;
const fleetListenersFrom = [];

function addServerHandler(list, kind, handler) {
  atBuildOnly(kind);
  requireFunction(handler, kind);
  declare(20, kind === 30 ? "device" : "fleet");
  if (TARGET === "server") list.push(handler);
}

const server = apiObject({
  onDevice: function (handler) {
    addServerHandler(deviceHandlers, 30, handler);
  },
  onFleet: function (handler) {
    addServerHandler(fleetHandlers, 31, handler);
  },
  notify:
    TARGET === "server"
      ? function (text) {
          if (building) raise(E_BUILD_TIME_ACTION, 32);
          hostNotify("" + text);
        }
      : function () {
          raise(building ? E_BUILD_TIME_ACTION : E_WRONG_TARGET, 32);
        },
});

// --- the api object and the build protocol -------------------------------------------------

const api = apiObject({
  target: TARGET,
  newCommsChannel: newCommsChannel,
  defineSecret: defineSecret,
  registerUiControl: registerUiControl,
  defineSetting: defineSetting,
  mcu: mcu,
  server: server,
  log: function (message) {
    hostLog("" + message);
  },
});

// Called by the compiler before App runs when the feature may log an object or array
// (core/compiler/logValues.ts; always on web and server): api.log prints those as JSON, with
// the standard library's JSON.stringify, where the engine's "" + message gives "[Object]".
// Without the call neither this function nor JSON.stringify is in the snapshot.
export function logObjectsAsJson(stringify) {
  api.log = function (message) {
    hostLog(typeof message === "object" && message !== null ? stringify(message) : "" + message);
  };
}

// Called by the compiler: runs the feature's App at build time. An async App returns a promise;
// watchApp follows it while Microvium's job queue runs the awaits that can finish during the
// build, and the compiler then asks appStillWaiting: App still waiting means it stopped at an
// await the build can't finish, and what follows that await would never be declared.
let appOutcome = { waiting: false, failed: false, error: undefined };
export function runApp(app) {
  const result = app(api);
  if (typeof result === "object" && result !== null && result.__proto__ === Promise.prototype) watchApp(result);
}

// Whole object literals on purpose: they give this function the stack room Microvium 8's
// compile-time VM needs to resume an await inside try (with less it fails an internal
// assertion; core/compiler/microviumErrors.ts, isBuildTimeAsyncResume).
async function watchApp(result) {
  appOutcome = { waiting: true, failed: false, error: undefined };
  try {
    await result;
    appOutcome = { waiting: false, failed: false, error: undefined };
  } catch (e) {
    appOutcome = { waiting: false, failed: true, error: e };
  }
}

// Throws what an async App threw after an await, as App's own throw is thrown; else whether
// App is still waiting.
export function appStillWaiting() {
  if (appOutcome.failed) throw appOutcome.error;
  return appOutcome.waiting;
}

// Declaring after the build is an error; the stub that says so replaces the declaring
// function, so the build-time code (and its strings) is unreachable from the snapshot even
// when a feature keeps `api` in a callback.
function lateDeclaration(apiId) {
  return function (name) {
    raise(E_RUN_TIME_DECLARATION, apiId, typeof name === "string" ? name : undefined);
  };
}

// Called by the compiler after App returned: from now on declarations are errors.
// encodeObjects / decodeObjects: whether this snapshot may send / receive objects and arrays
// (core/compiler/primitiveChannels.ts); false leaves that half of the codec out.
export function finishBuild(encodeObjects, decodeObjects) {
  building = false;
  for (let i = 0; i < runTimeMembers.length; i = i + 3) {
    // Separate statements: Microvium evaluates the right side of `o[k] = v` before `o` and `k`.
    const o = runTimeMembers[i];
    const member = runTimeMembers[i + 1];
    o[member] = runTimeMembers[i + 2];
  }
  if (!encodeObjects) outgoing = outgoingPrimitive;
  if (!decodeObjects) readIncoming = refuseTokens;
  api.newCommsChannel = lateDeclaration(1);
  api.defineSecret = lateDeclaration(2);
  api.registerUiControl = lateDeclaration(3);
  api.defineSetting = lateDeclaration(21);
  mcu.getAnalogPin = lateDeclaration(4);
  mcu.getDigitalPin = lateDeclaration(5);
  mcu.onStart = lateDeclaration(6);
  server.onDevice = lateDeclaration(30);
  server.onFleet = lateDeclaration(31);
  if (TARGET === "server") vmExport(1, settingObjects.length === 0 ? serverEvent : serverEventWithSettings);
  else if (settingObjects.length === 0) vmExport(1, TARGET === "device" ? deviceEvent : webEvent);
  else vmExport(1, TARGET === "device" ? deviceEventWithSettings : webEventWithSettings);
}

// --- run time: the single export the host calls (events: VmEvent in hostIds.ts) -----------

function deviceEvent(event, a, b, i, x) {
  if (event === 3) callAll(channelListeners[a], b === TOKENS ? readIncoming() : b);
  else if (event === 2) {
    x = timerSlots[a];
    if (x === undefined) return;
    if (!timerRepeats[a]) timerSlots[a] = undefined;
    x();
  } else if (event === 1) {
    x = ensureNetwork();
    for (i = 0; i < channelHandles.length; i = i + 1) channelHandles[i] = channelOpen(x, i);
    for (i = 0; i < buildTimerDelays.length; i = i + 1) timerStart(i, buildTimerDelays[i], timerRepeats[i]);
    callAll(startCallbacks);
  } else if (event === 6 && a === 1) {
    if (b === network) network = 0;
    // A closed channel or pin opens again on its next use (pushMessageToServer, openPin).
    forgetHandle(channelHandles, b);
    forgetHandle(pinHandles, b);
  }
}

function forgetHandle(list, handle, i) {
  i = list.length;
  while (i) {
    i = i - 1;
    if (list[i] === handle) list[i] = 0;
  }
}

function webEvent(event, a, b) {
  if (event === 3) callAll(channelListeners[a], incoming(b));
  else if (event === 4) controls[a](makeElement(a));
  else if (event === 5) uiCallbacks[a](incoming(b));
}

// Server VMs (VmEvent 10-12 in hostIds.ts): a device's VM hears its device's messages; the fleet
// VM hears every device's, and its listeners get the device as a second argument.
function serverEvent(event, a, b, c, i, x) {
  if (event === 3) {
    x = incoming(b);
    if (fleet === undefined) return callAll(channelListeners[a], x);
    const list = channelListeners[a];
    const device = { name: c };
    for (i = fleetListenersFrom[a]; i < list.length; i = i + 1) {
      callbackSite(4, i);
      list[i](x, device);
    }
  } else if (event === 10) {
    x = { name: a };
    for (i = 0; i < deviceHandlers.length; i = i + 1) {
      callbackSite(4, i);
      deviceHandlers[i](x);
    }
  } else if (event === 11) {
    fleet = { devices: incoming(b) };
    for (i = 0; i < channelListeners.length; i = i + 1) fleetListenersFrom[i] = channelListeners[i].length;
    for (i = 0; i < fleetHandlers.length; i = i + 1) {
      callbackSite(4, i);
      fleetHandlers[i](fleet);
    }
  } else if (event === 12) fleet.devices = incoming(b);
}

// An app with settings gets these as its dispatcher (finishBuild): the events of apps without
// settings cost nothing for them.
function deviceEventWithSettings(event, a, b) {
  if (event > 19) settingHostEvent(event, a, b);
  else deviceEvent(event, a, b);
}

function webEventWithSettings(event, a, b) {
  if (event > 19) settingHostEvent(event, a, b);
  else webEvent(event, a, b);
}

function serverEventWithSettings(event, a, b, c) {
  if (event > 19) settingHostEvent(event, a, b);
  else serverEvent(event, a, b, c);
}

// The dispatcher is exported by finishBuild, once App has run: picked per target and by whether
// the app has settings, so it carries no test for either at run time. An exception a feature
// callback throws leaves the VM uncaught; the host turns it into an error carrying its message
// (core/runtime/featureVm.ts), so the snapshot needs no try/catch for it.
