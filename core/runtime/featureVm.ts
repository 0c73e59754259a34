import type { Manifest, Target } from "../contracts/manifest";
import type { SettingValue } from "../settings/settingDecl";
import { describeErrorCode, MicroviumError, VmBudgetExceeded } from "../engine/errors";
import type { HostFunction, MicroviumEngine, RestoreOptions, VmInstance, VmMemoryStats, VmPrimitive } from "../engine/types";
import type { WireValue } from "../contracts/wireValue";
import { CallbackNames, type CallbackNamesSource, type NamedCallback } from "./callbackNames";
import { CallbackSiteKind, EXPORT_DISPATCH, HostId, Notification, TOKENS_MARKER, VmEvent } from "./hostIds";
import { formatRuntimeError } from "./runtimeErrors";
import { stdlibHostFunctions } from "./stdlib/hostFunctions";
import { UiOp } from "./uiOps";
import { findUnholdableName, type UnholdableName, unholdableNameProblem } from "./unholdableNames";
import { TokenReader, TokenWriter } from "./valueTokens";

/** What a target's host provides to the feature runtime. Device hosts implement the device
 * part, dashboard and server hosts the web part; a call the host doesn't serve throws. */
export interface FeatureHost {
  log(text: string): void;
  now?(): number;
  networkRequest?(): number;
  channelOpen?(network: number, channelIndex: number): number;
  /** Returns 0 when accepted, else a status code. */
  channelSend?(channelHandle: number, value: WireValue): number;
  pinOpen?(kind: "analog" | "digital", name: string): number;
  pinRead?(pinHandle: number): number | boolean;
  pinWrite?(pinHandle: number, value: boolean): void;
  timerStart?(slot: number, ms: number, repeat: boolean): void;
  timerStop?(slot: number): void;
  /** `device`: the device a fleet handler addressed (api.server.onFleet); undefined elsewhere. */
  sendToDevice?(channelIndex: number, value: WireValue, device?: string): void;
  /** Server: an alert from api.server.notify. */
  notify?(text: string): void;
  /** `setting.set(value)` (core/settings): a device applies, persists and reports it; a dashboard
   * or server host asks the device for it. Throws, saying why, for a refused value. */
  settingSet?(settingIndex: number, value: SettingValue): void;
  /** Dashboard widgets (uiOps.ts); Gauge and Chart return a widget id. */
  ui?(controlIndex: number, op: UiOp, args: VmPrimitive[]): VmPrimitive | void;
}

/** An error a feature raised at run time (API misuse or an exception in its callback). Once it
 * left a dispatch it names the callback (`timer (setInterval at features/a.ts:7:23) failed: ...`);
 * `fatal` means the VM can't run any more callbacks (a fatal engine error). */
export class FeatureRuntimeError extends Error {
  readonly callback: string | undefined;
  readonly fatal: boolean;

  constructor(message: string, options: { callback?: string; fatal?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FeatureRuntimeError";
    this.callback = options.callback;
    this.fatal = options.fatal ?? false;
  }
}

export interface FeatureVmOptions {
  /** Bytecode instructions each callback may run (see RestoreOptions: default
   * DEFAULT_INSTRUCTION_BUDGET, 0 or Infinity for no limit). A callback that runs out throws a
   * FeatureRuntimeError; the app takes the next event. */
  instructionBudget?: RestoreOptions["instructionBudget"];
  /** The build's manifest, whose callback sites name a failing callback with its file:line
   * (without it callbacks are named by kind and number). */
  app?: CallbackNamesSource;
}

/** A restored feature snapshot and the bridge between its runtime library and a host: it
 * serves the VM's imports (values as token streams, errors as codes) and turns host events
 * into calls of the single exported dispatcher. */
export class FeatureVm {
  private readonly writer = new TokenWriter();
  private readonly reader = new TokenReader();
  private readonly dispatchExport: (event: number, a: VmPrimitive, b: VmPrimitive, c?: VmPrimitive) => VmPrimitive;
  private readonly instance: VmInstance;
  private readonly names: CallbackNames;
  /** The dispatch in progress (event and its first argument), to name its callback; plain
   * fields rather than a closure per call, because messages and timer ticks are hot paths. */
  private event: VmEvent | undefined;
  private eventArg: VmPrimitive;
  /** Reported for the second callback of a list on; the first's (0) is implied. */
  private position: number | undefined;
  /** Start: whether it is running, whether its start-up work (network, channels, the timers App
   * set) failed, and the next slot a timer App set would start in (when the build's table is
   * missing). */
  private inStart = false;
  private startSetupFailed = false;
  private nextBootSlot = 0;
  /** Set when a fatal engine error stopped the VM: why, naming the callback. */
  private stoppedBecause: string | undefined;

  /** Setting names by index, to name a failing "change" listener. */
  private readonly settingNames: string[] | undefined;

  constructor(engine: MicroviumEngine, snapshot: Uint8Array, readonly target: Target, private readonly host: FeatureHost, options: FeatureVmOptions = {}) {
    this.names = new CallbackNames(target, options.app);
    this.settingNames = (options.app as Partial<Manifest> | undefined)?.settings?.map((s) => s.name);
    const functions = this.hostFunctions();
    this.instance = engine.restore(snapshot, (id) => functions[id], { instructionBudget: options.instructionBudget });
    this.dispatchExport = this.instance.resolveExport(EXPORT_DISPATCH);
  }

  /** Device boot: opens channels, starts the timers App declared, runs onStart callbacks. */
  start(): void {
    this.inStart = true;
    this.startSetupFailed = false;
    try {
      this.dispatch(VmEvent.Start, undefined, undefined);
    } finally {
      this.inStart = false;
    }
  }

  timerFired(slot: number): void {
    this.dispatch(VmEvent.Timer, slot, undefined);
  }

  /** A message for channel `channelIndex` (manifest order) reaches the feature's listeners. */
  deliver(channelIndex: number, value: WireValue): void {
    this.dispatch(VmEvent.Message, channelIndex, this.incoming(value, () => `message on ${this.names.channel(channelIndex)}`));
  }

  render(controlIndex: number): void {
    this.dispatch(VmEvent.Render, controlIndex, undefined);
  }

  /** A widget's callback (slot from the ui op that created it) gets a value from the user. */
  uiEvent(slot: number, value: WireValue): void {
    this.dispatch(VmEvent.UiEvent, slot, this.incoming(value, () => `input for ${this.names.widget(slot).text}`));
  }

  // --- server VMs (core/server): one per device, plus one for the fleet ----------------------

  /** A device's server VM starts: runs the api.server.onDevice handlers for `device`. */
  startDevice(device: string): void {
    this.dispatch(VmEvent.DeviceStart, device, undefined);
  }

  /** The fleet VM starts: runs the api.server.onFleet handlers with the fleet's devices. */
  startFleet(devices: string[]): void {
    this.dispatch(VmEvent.FleetStart, undefined, this.incoming(devices, FLEET_DEVICES));
  }

  fleetChanged(devices: string[]): void {
    this.dispatch(VmEvent.FleetDevices, undefined, this.incoming(devices, FLEET_DEVICES));
  }

  /** In the fleet VM: a message from `device` reaches the onFleet listeners as (value, device). */
  deliverFrom(channelIndex: number, value: WireValue, device: string): void {
    this.dispatch(VmEvent.Message, channelIndex, this.incoming(value, () => `message from device ${JSON.stringify(device)} on ${this.names.channel(channelIndex)}`), device);
  }

  /** The VM's state now (what its callbacks built), restorable in place of the build's snapshot. */
  snapshot(): Uint8Array {
    return this.instance.createSnapshot();
  }

  /** Setting `settingIndex` (manifest order) is now `value`: its "change" listeners run when it
   * differs from what the VM had. */
  settingChanged(settingIndex: number, value: SettingValue): void {
    this.dispatch(VmEvent.SettingChanged, settingIndex, value);
  }

  /** Sets a setting's value without running listeners (boot, or a card before it renders). */
  settingRestored(settingIndex: number, value: SettingValue): void {
    this.dispatch(VmEvent.SettingRestored, settingIndex, value);
  }

  handleClosed(handle: number): void {
    this.dispatch(VmEvent.Notify, Notification.HandleClosed, handle);
  }

  /** Why the VM stopped (a fatal engine error), or undefined while it runs. */
  get stopped(): string | undefined {
    return this.stoppedBecause;
  }

  memoryStats(): VmMemoryStats {
    return this.instance.getMemoryStats();
  }

  dispose(): void {
    this.instance.dispose();
  }

  /** Calls the VM's dispatcher. Whatever fails in there (the feature's own exception, an engine
   * error, an API error the runtime raised, a host or budget error) leaves as one
   * FeatureRuntimeError naming the callback; the snapshot carries no try/catch for it (size). */
  private dispatch(event: VmEvent, a: VmPrimitive, b: VmPrimitive, c?: VmPrimitive): VmPrimitive {
    if (this.stoppedBecause) {
      const callback = this.callbackOf(event, a, undefined).text;
      throw new FeatureRuntimeError(`${callback} not run: the app stopped after ${this.stoppedBecause}`, { callback, fatal: true });
    }
    const outerEvent = this.event;
    const outerArg = this.eventArg;
    const outerPosition = this.position;
    this.event = event;
    this.eventArg = a;
    this.position = undefined;
    try {
      return c === undefined ? this.dispatchExport(event, a, b) : this.dispatchExport(event, a, b, c);
    } catch (e) {
      this.writer.reset(); // a value half streamed out when the error came is dropped
      throw this.callbackFailed(this.callbackOf(event, a, this.position).text, e);
    } finally {
      this.event = outerEvent;
      this.eventArg = outerArg;
      this.position = outerPosition;
    }
  }

  /** The callback an event runs; `position` as the runtime reported it for list events. */
  private callbackOf(event: VmEvent, a: VmPrimitive, position: number | undefined): NamedCallback {
    const index = a as number;
    switch (event) {
      case VmEvent.Start:
        return this.names.onStart(position ?? (this.startSetupFailed ? undefined : 0));
      case VmEvent.Timer:
        return this.names.timer(index);
      case VmEvent.Message:
        return this.names.listener(index, position ?? 0);
      case VmEvent.Render:
        return this.names.render(index);
      case VmEvent.UiEvent:
        return this.names.widget(index);
      case VmEvent.DeviceStart:
        return { text: `api.server.onDevice handler #${position ?? 0} (device "${String(a)}")`, origin: `api.server.onDevice handler #${position ?? 0}` };
      case VmEvent.FleetStart:
        return { text: `api.server.onFleet handler #${position ?? 0}`, origin: `api.server.onFleet handler #${position ?? 0}` };
      case VmEvent.FleetDevices:
        return { text: "fleet.devices update", origin: "fleet.devices update" };
      case VmEvent.SettingChanged:
      case VmEvent.SettingRestored: {
        const text = `"change" listener of setting "${this.settingNames?.[index] ?? `#${index}`}"`;
        return { text, origin: text };
      }
      default:
        return this.names.notification(index);
    }
  }

  private callbackFailed(callback: string, error: unknown): FeatureRuntimeError {
    if (error instanceof FeatureRuntimeError && error.callback !== undefined) return error; // named by a nested dispatch
    const problem = error instanceof VmBudgetExceeded ? budgetMessage(error.budget) : error instanceof MicroviumError ? describeErrorCode(error.code) : error instanceof Error ? error.message : String(error);
    const fatal = !this.usable();
    const message = `${callback} failed: ${problem}`;
    if (fatal) this.stoppedBecause = message;
    return new FeatureRuntimeError(fatal ? `${message}; the app's VM stopped and runs no more callbacks` : message, { callback, fatal, cause: error });
  }

  /** False once a fatal engine error stopped the instance (every call on it then throws). */
  private usable(): boolean {
    try {
      this.instance.getMemoryStats();
      return true;
    } catch {
      return false;
    }
  }

  /** In Start, before the runtime reported a position: a timer App set, starting with the app. */
  private isBootTimer(slot: number): boolean {
    if (!this.inStart || this.position !== undefined) return false;
    const count = this.names.bootTimerCount;
    if (count !== undefined) return slot < count;
    if (slot !== this.nextBootSlot) return false;
    this.nextBootSlot++;
    return true;
  }

  /** Runs the host side of Start's own work; a failure there is not an onStart callback's. */
  private startWork<T>(run: () => T): T {
    try {
      return run();
    } catch (e) {
      if (this.inStart && this.position === undefined) this.startSetupFailed = true;
      throw e;
    }
  }

  /** The callback running now, to name callbacks it registers. */
  private runningCallback(): NamedCallback | undefined {
    return this.event === undefined ? undefined : this.callbackOf(this.event, this.eventArg, this.position);
  }

  /** A value with a property name the engine can't hold (`found`, unholdableNames.ts) goes no
   * further: the app's error says which name and what to send instead, in the words `sentence`
   * gives for where the value was going; the app takes the next event. Incoming values and those
   * for a device are refused alike. */
  private refuseUnholdable(found: UnholdableName | undefined, sentence: (problem: string) => string): void {
    if (found !== undefined) throw new FeatureRuntimeError(sentence(unholdableNameProblem(found)));
  }

  /** A value for a device, refused here when the device's engine couldn't hold it: a name of
   * digits comes from a number key (`o[n] = v` on an object) and would be dropped on every device.
   * It makes no tokens here (it leaves the VM), so its names take a walk of their own. */
  private toDevice(channelIndex: number, value: WireValue): WireValue {
    this.refuseUnholdable(findUnholdableName(value), (problem) => `sendToDevice on ${this.names.channel(channelIndex)} refused: ${problem}; nothing was sent`);
    return value;
  }

  /** An object or array from outside, queued as tokens for the VM. The walk that makes the tokens
   * checks the names too (TokenReader.load), so the value is walked once; one the engine can't hold
   * is dropped before the VM reads any of it. `what` names the value: `message on channel "cmd"`. */
  private incoming(value: WireValue, what: () => string): VmPrimitive {
    if (typeof value !== "object" || value === null) return value;
    this.refuseUnholdable(this.reader.load(value), (problem) => `${what()} dropped: ${problem}`);
    return TOKENS_MARKER;
  }

  private outgoing(value: VmPrimitive): WireValue {
    if (value === TOKENS_MARKER) return this.writer.take();
    return value === undefined ? null : value;
  }

  private hostFunctions(): Record<number, HostFunction> {
    const host = this.host;
    // Resolved once: these run on every message and timer tick.
    const need = <K extends keyof FeatureHost>(name: K): NonNullable<FeatureHost[K]> => {
      const fn = host[name] as Function | undefined;
      if (fn) return fn.bind(host) as NonNullable<FeatureHost[K]>;
      return (() => {
        throw new FeatureRuntimeError(`the ${this.target} host does not provide ${name}; this call belongs to another target`);
      }) as unknown as NonNullable<FeatureHost[K]>;
    };
    const networkRequest = need("networkRequest");
    const channelOpen = need("channelOpen");
    const channelSend = need("channelSend");
    const pinOpen = need("pinOpen");
    const pinRead = need("pinRead");
    const pinWrite = need("pinWrite");
    const timerStart = need("timerStart");
    const timerStop = need("timerStop");
    const sendToDevice = need("sendToDevice");
    const ui = need("ui");
    const notify = need("notify");
    const settingSet = need("settingSet");
    const buildOnly = (what: string) => () => {
      throw new FeatureRuntimeError(`${what} is only possible while App(api) runs at build time`);
    };
    return {
      ...stdlibHostFunctions(this.reader),
      [HostId.Raise]: (code, api, name) => {
        this.writer.reset();
        throw new FeatureRuntimeError(formatRuntimeError(code, api, name, this.target));
      },
      [HostId.Log]: (text) => host.log(String(text)),
      [HostId.TokenOut]: (kind, payload) => this.writer.token(kind as number, payload),
      [HostId.TokenInKind]: () => this.reader.nextKind(),
      [HostId.TokenInPayload]: () => this.reader.payload(),
      [HostId.Declare]: buildOnly("declaring"),
      [HostId.SecretValue]: buildOnly("reading a secret's configured value"),
      [HostId.Now]: () => (host.now ? host.now() : Date.now()),
      [HostId.NetworkRequest]: () => this.startWork(() => networkRequest()),
      [HostId.ChannelOpen]: (network, index) => this.startWork(() => channelOpen(network as number, index as number)),
      [HostId.ChannelSend]: (handle, value) => channelSend(handle as number, this.outgoing(value)),
      [HostId.PinOpen]: (kind, name) => pinOpen(kind === 0 ? "analog" : "digital", String(name)),
      [HostId.PinRead]: (handle) => pinRead(handle as number),
      [HostId.PinWrite]: (handle, value) => pinWrite(handle as number, value === 1 || value === true),
      [HostId.TimerStart]: (slot, ms, repeat) => {
        if (this.isBootTimer(slot as number)) this.names.bootTimer(slot as number, repeat === 1);
        else this.names.timerSet(slot as number, repeat === 1, this.runningCallback());
        this.startWork(() => timerStart(slot as number, ms as number, repeat === 1));
      },
      [HostId.TimerStop]: (slot) => timerStop(slot as number),
      [HostId.SendToDevice]: (index, value, device) => sendToDevice(index as number, this.toDevice(index as number, this.outgoing(value)), device === undefined ? undefined : String(device)),
      [HostId.Notify]: (text) => notify(String(text)),
      [HostId.SettingSet]: (index, value) => settingSet(index as number, value as SettingValue),
      [HostId.Ui]: (control, op, ...args) => {
        if (op === UiOp.Toggle || op === UiOp.Button || op === UiOp.Slider) {
          const slot = op === UiOp.Slider ? args[3] : args[1];
          this.names.widgetAdded(slot as number, control as number, op, op === UiOp.Slider ? undefined : args[0], this.runningCallback());
        }
        return ui(control as number, op as UiOp, args);
      },
      [HostId.CallbackSite]: (kind, a) => {
        if (kind === CallbackSiteKind.Running) this.position = a as number;
        else if (kind === CallbackSiteKind.Listener) this.names.listenerAdded(a as number, this.runningCallback());
      },
    };
  }
}

/** Names the fleet's device list should it ever be refused (a list of strings has no names). */
const FLEET_DEVICES = () => "the fleet's device list";

function budgetMessage(budget: number): string {
  return `the callback ran out of its instruction budget (${budget.toLocaleString("en-US")} instructions per call) and was stopped: a loop that never ends? If the work is real, raise instructionBudget`;
}
