/** Numeric ids of the functions crossing the VM boundary (Microvium's vmImport/vmExport).
 * One table for every host (compile-time VM, device, dashboard, server) so a snapshot built once
 * runs on all of them. Ranges: 1-49 the feature runtime (core/runtime/vm), 50-99 reserved,
 * 100-149 the in-VM standard library's host helpers (core/runtime/stdlib). Changing a number
 * breaks every snapshot already deployed: add, never renumber. */
export const EXPORT_DISPATCH = 1;
/** Build time only: the runtime's array of API objects, read and removed while snapshotting
 * (core/compiler/snapshotPruning.ts); never present in a snapshot. */
export const EXPORT_API_OBJECTS = 2;

export enum HostId {
  /** raise(message): throw a host Error with this message (the VM can't build Error objects). */
  Raise = 1,
  /** log(text) */
  Log = 2,
  /** Value token stream, VM → host: token(kind, payload). */
  TokenOut = 3,
  /** Value token stream, host → VM: nextTokenKind() then tokenPayload(). */
  TokenInKind = 4,
  TokenInPayload = 5,
  /** Build time only: declare(kind, name, a, b) records a manifest entry. */
  Declare = 6,
  /** Build time only: secretValue(name) → string | undefined (device target only). */
  SecretValue = 7,
  /** callbackSite(kind, a, b) (CallbackSiteKind): the feature registered a callback, or the
   * runtime is about to run one of a list. At build time the compiler records where callbacks
   * were written (manifest callbackSites); at run time the host notes which callback runs, to
   * name it, and those it registers, in errors (core/runtime/callbackNames.ts). */
  CallbackSite = 8,
  /** Device: channelSend(channelHandle, value) → status (0 ok); value TOKENS_MARKER = token stream. */
  ChannelSend = 10,
  /** Device: pinOpen(kind 0 analog | 1 digital, name) → handle (0 = failed). */
  PinOpen = 11,
  PinRead = 12,
  PinWrite = 13,
  /** timerStart(slot, ms, repeat 0|1); timerStop(slot). Slots are chosen by the VM. */
  TimerStart = 14,
  TimerStop = 15,
  /** Device: networkRequest() → network handle (Microvisor style: the app never owns the network). */
  NetworkRequest = 16,
  /** Device: channelOpen(networkHandle, channelIndex) → channel handle, 0 = failed. */
  ChannelOpen = 17,
  /** Web/server: sendToDevice(channelIndex, value); value TOKENS_MARKER = token stream. */
  SendToDevice = 20,
  /** Web: ui(controlIndex, op, a, b) — widget operations; see web host. */
  Ui = 21,
  /** Build time + run time: nowMs() */
  Now = 22,
  /** Server: notify(text), an alert from api.server.notify (dashboard banner; SNS on AWS). */
  Notify = 30,
  /** settingSet(settingIndex, value): device: apply, persist and report; web/server: ask the
   * device for it (through the settings shadow). The host validates (core/settings) and throws a
   * clear error for a refused value. 40-44: settings (core/settings). */
  SettingSet = 40,
  /** 100-149: standard library helpers (core/runtime/stdlib). */
  StdlibBase = 100,
}

/** Events the host delivers through the single exported dispatcher: dispatch(event, a, b). */
export enum VmEvent {
  /** Device boot: run onStart callbacks and start build-time timers. */
  Start = 1,
  /** Timer slot `a` fired. */
  Timer = 2,
  /** Message for channel index `a`; value `b` (or the token stream when b === TOKENS). */
  Message = 3,
  /** Web: render control index `a`. */
  Render = 4,
  /** Web: widget callback slot `a` with value `b`. */
  UiEvent = 5,
  /** Supervisor notification `a` about handle `b` (see Notification). */
  Notify = 6,
  /** Server: a device's VM starts; run the api.server.onDevice handlers for device `a`. On a
   * Message in that VM the listeners hear `a`'s messages only. */
  DeviceStart = 10,
  /** Server: the fleet VM starts with the device names `b` (token stream); run the
   * api.server.onFleet handlers. Its Message events carry the sending device as a third argument. */
  FleetStart = 11,
  /** Server: the fleet's device names changed (`b`, token stream). */
  FleetDevices = 12,
  /** Setting `a` changed to `b` (device: a desired value applied; web/server: the device reported
   * it): its "change" listeners run. 20-21: settings. */
  SettingChanged = 20,
  /** Setting `a` is `b`, without running listeners: a device restoring its persisted values at
   * boot, a dashboard card showing the last reported ones before it renders. */
  SettingRestored = 21,
}

/** What a callbackSite(kind, a, b) call registered. */
export enum CallbackSiteKind {
  /** a = timer slot, b = 1 for setInterval, 0 for setTimeout (build time only). */
  Timer = 1,
  /** a = channel index; a listener for the event this target receives. */
  Listener = 2,
  /** api.mcu.onStart (build time only). */
  OnStart = 3,
  /** Run time: the listener or onStart callback at position a of its list is about to run. */
  Running = 4,
}

/** Supervisor notifications (Microvisor style: status arrives as notifications, not return values). */
export enum Notification {
  /** Handle b was closed by the supervisor; the runtime zeroes it and reopens on next use. */
  HandleClosed = 1,
  NetworkUp = 2,
  NetworkDown = 3,
}

/** Value token kinds for structured values (objects/arrays) crossing the boundary. */
export enum Token {
  Primitive = 0,
  BeginArray = 1,
  BeginObject = 2,
  Key = 3,
  End = 4,
}

/** Marker meaning "the value is in the token stream". A string no feature would send. */
export const TOKENS_MARKER = "\u0000sf-tokens";
