import type { Target } from "../contracts/manifest";
import { VmBudgetExceeded, VmException } from "../engine/errors";
import type { HostFunction, MicroviumEngine, RestoreOptions, VmInstance, VmMemoryStats, VmPrimitive } from "../engine/types";
import type { WireValue } from "../contracts/wireValue";
import { EXPORT_DISPATCH, HostId, Notification, TOKENS_MARKER, VmEvent } from "./hostIds";
import { formatRuntimeError } from "./runtimeErrors";
import { stdlibHostFunctions } from "./stdlib/hostFunctions";
import type { UiOp } from "./uiOps";
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
  sendToDevice?(channelIndex: number, value: WireValue): void;
  /** Dashboard widgets (uiOps.ts); Gauge and Chart return a widget id. */
  ui?(controlIndex: number, op: UiOp, args: VmPrimitive[]): VmPrimitive | void;
}

/** An error a feature raised at run time (API misuse or an exception in its callback). */
export class FeatureRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FeatureRuntimeError";
  }
}

export interface FeatureVmOptions {
  /** Bytecode instructions each callback may run (see RestoreOptions: default
   * DEFAULT_INSTRUCTION_BUDGET, 0 or Infinity for no limit). A callback that runs out throws a
   * FeatureRuntimeError; the app takes the next event. */
  instructionBudget?: RestoreOptions["instructionBudget"];
}

/** A restored feature snapshot and the bridge between its runtime library and a host: it
 * serves the VM's imports (values as token streams, errors as codes) and turns host events
 * into calls of the single exported dispatcher. */
export class FeatureVm {
  private readonly writer = new TokenWriter();
  private readonly reader = new TokenReader();
  private readonly dispatch: (event: number, a: VmPrimitive, b: VmPrimitive) => VmPrimitive;
  private readonly instance: VmInstance;

  constructor(engine: MicroviumEngine, snapshot: Uint8Array, readonly target: Target, private readonly host: FeatureHost, options: FeatureVmOptions = {}) {
    const functions = this.hostFunctions();
    this.instance = engine.restore(snapshot, (id) => functions[id], options);
    const dispatch = this.instance.resolveExport(EXPORT_DISPATCH);
    // A feature callback's uncaught exception is the feature's run-time error, like the ones
    // the runtime raises; the snapshot carries no try/catch for it (size).
    this.dispatch = (event, a, b) => {
      try {
        return dispatch(event, a, b);
      } catch (e) {
        this.writer.reset(); // a value half streamed out when the error came is dropped
        if (e instanceof VmBudgetExceeded) throw new FeatureRuntimeError(budgetMessage(e.budget));
        throw e instanceof VmException ? new FeatureRuntimeError(e.message) : e;
      }
    };
  }

  /** Device boot: opens channels, starts the timers App declared, runs onStart callbacks. */
  start(): void {
    this.dispatch(VmEvent.Start, undefined, undefined);
  }

  timerFired(slot: number): void {
    this.dispatch(VmEvent.Timer, slot, undefined);
  }

  /** A message for channel `channelIndex` (manifest order) reaches the feature's listeners. */
  deliver(channelIndex: number, value: WireValue): void {
    this.dispatch(VmEvent.Message, channelIndex, this.incoming(value));
  }

  render(controlIndex: number): void {
    this.dispatch(VmEvent.Render, controlIndex, undefined);
  }

  /** A widget's callback (slot from the ui op that created it) gets a value from the user. */
  uiEvent(slot: number, value: WireValue): void {
    this.dispatch(VmEvent.UiEvent, slot, this.incoming(value));
  }

  handleClosed(handle: number): void {
    this.dispatch(VmEvent.Notify, Notification.HandleClosed, handle);
  }

  memoryStats(): VmMemoryStats {
    return this.instance.getMemoryStats();
  }

  dispose(): void {
    this.instance.dispose();
  }

  private incoming(value: WireValue): VmPrimitive {
    if (typeof value !== "object" || value === null) return value;
    this.reader.load(value);
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
    const buildOnly = (what: string) => () => {
      throw new FeatureRuntimeError(`${what} is only possible while App(api) runs at build time`);
    };
    return {
      ...stdlibHostFunctions(),
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
      [HostId.NetworkRequest]: () => networkRequest(),
      [HostId.ChannelOpen]: (network, index) => channelOpen(network as number, index as number),
      [HostId.ChannelSend]: (handle, value) => channelSend(handle as number, this.outgoing(value)),
      [HostId.PinOpen]: (kind, name) => pinOpen(kind === 0 ? "analog" : "digital", String(name)),
      [HostId.PinRead]: (handle) => pinRead(handle as number),
      [HostId.PinWrite]: (handle, value) => pinWrite(handle as number, value === 1 || value === true),
      [HostId.TimerStart]: (slot, ms, repeat) => timerStart(slot as number, ms as number, repeat === 1),
      [HostId.TimerStop]: (slot) => timerStop(slot as number),
      [HostId.SendToDevice]: (index, value) => sendToDevice(index as number, this.outgoing(value)),
      [HostId.Ui]: (control, op, ...args) => ui(control as number, op as UiOp, args),
    };
  }
}

function budgetMessage(budget: number): string {
  return `the callback ran out of its instruction budget (${budget.toLocaleString("en-US")} instructions per call) and was stopped: a loop that never ends? If the work is real, raise instructionBudget`;
}
