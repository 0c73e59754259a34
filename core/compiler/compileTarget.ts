import { Microvium } from "microvium";
import type { CallbackSites, Declarations, Target } from "../contracts/manifest";
import type { BoardDefinition } from "../boards";
import type { SnapshotIL } from "microvium/dist/lib/snapshot-il";
import type * as IL from "microvium/dist/lib/il";
import { EXPORT_API_OBJECTS, HostId } from "../runtime/hostIds";
import { formatRuntimeError } from "../runtime/runtimeErrors";
import { DEFAULT_BUILD_INSTRUCTION_LIMIT, limitBuildInstructions } from "./buildInstructionLimit";
import { installStdlib } from "../runtime/stdlib";
import { stdlibHostFunctions } from "../runtime/stdlib/hostFunctions";
import { TokenReader } from "../runtime/valueTokens";
import { CallbackSiteRecorder } from "./callbackSiteRecorder";
import { DeclarationRecorder, DeclareKind } from "./declarationRecorder";
import { FeatureCompileError, type SourceLocation } from "./errors";
import { withFeatureLocations } from "./microviumErrors";
import { watchFeatureAwaits } from "./featureAwaits";
import { watchFeatureThrows } from "./featureThrows";
import { runtimeSourceFor } from "./runtimeSource";
import { pruneSnapshot } from "./snapshotPruning";
import { FULL_CODEC, type DeviceChannelCodec } from "./primitiveChannels";
import type { SourceMapper } from "./sourceMapper";

/** Debug file names inside the compile-time VM; errors in FEATURE_FILE are mapped back to the
 * author's sources, errors in RUNTIME_FILE are ours. */
export const FEATURE_FILE = "feature.js";
const RUNTIME_FILE = "snapfleet-runtime.js";

/** The standard library piece api.log formats objects and arrays with. */
const LOG_FORMATTER = "JSON.stringify";

/** An async App may await only what finishes during the build (README "The feature API"): the
 * build can't see what runs after an await that waits for the device (a timer, a message,
 * onStart), so it refuses that App rather than lose its declarations and errors silently. */
const ASYNC_APP_HINT =
  "declare everything before the first `await` that waits for the device, and do async work in a callback: api.mcu.onStart(async () => { ... }), a timer or a listener";

export interface TargetBuildInput {
  target: Target;
  /** The lowered bundle for this target. */
  code: string;
  /** What the entry exports, for the "no App" error. */
  exports: string[];
  /** Maps FEATURE_FILE positions to the author's files. */
  mapper: SourceMapper;
  /** Secret values; consulted on the device target only. */
  secrets: Record<string, string | undefined>;
  /** The standard library pieces the feature uses (lowerForMicrovium's usedStdlib), installed
   * into the fresh VM before the feature is evaluated. */
  stdlib?: readonly string[];
  /** api.log may be given an object or array, to print as JSON (default true; the device's
   * comes from deviceLogsObjects). False leaves the formatter out of the snapshot. */
  logObjects?: boolean;
  /** Which halves of the object/array codec the snapshot keeps (default both; the device's
   * come from deviceChannelCodec). A half left out refuses objects with a clear error instead. */
  channelCodec?: DeviceChannelCodec;
  /** Leave out object members no code in the snapshot names (default true). */
  pruneMembers?: boolean;
  /** Most operations the module code and App(api) may run (default
   * DEFAULT_BUILD_INSTRUCTION_LIMIT; 0: no limit). */
  instructionLimit?: number;
  /** Pins are checked against it (default: the simulated board). */
  board?: BoardDefinition;
}

export interface TargetBuild {
  declarations: Declarations;
  /** Where each callback this target runs was registered (for run-time errors). */
  callbackSites: CallbackSites;
  snapshot: Uint8Array;
  /** Required secrets without a value (device target). */
  missingSecrets: string[];
  /** What api.log printed while App ran. */
  logs: string[];
}

/** Runs the feature's App(api) in Microvium's compile-time VM for one target and snapshots the
 * result. Only this target's callbacks stay reachable, so only they are in the snapshot. */
export function compileTarget(input: TargetBuildInput): TargetBuild {
  const recorder = new DeclarationRecorder(input.board);
  const sites = new CallbackSiteRecorder();
  const missingSecrets: string[] = [];
  const logs: string[] = [];
  let vm: Microvium;

  const locate = (): SourceLocation | undefined => innermostFeatureLocation(vm, input.mapper);
  const locateCallback = (): SourceLocation | undefined => registeredCallbackLocation(vm, input.mapper) ?? locate();
  const raiseAtFeature = (message: string): never => {
    throw new FeatureCompileError(message, locate());
  };
  const notAtBuildTime = (what: string) => () => {
    throw new FeatureCompileError(`${what} is not available while App(api) runs at build time`, locate(), "do it in a callback: api.mcu.onStart/setInterval on the device, a UI control on the web");
  };

  // At build time only JSON.parse (core/runtime/stdlib) feeds values to the VM: no messages arrive.
  const values = new TokenReader();
  const hostFunctions: Record<number, Function> = {
    ...stdlibHostFunctions(values),
    [HostId.Raise]: (code: number, api: unknown, name: unknown) => raiseAtFeature(formatRuntimeError(code, api, name, input.target)),
    [HostId.Log]: (text: string) => {
      logs.push(text);
    },
    [HostId.TokenOut]: notAtBuildTime("sending a value"),
    [HostId.TokenInKind]: () => values.nextKind(),
    [HostId.TokenInPayload]: () => values.payload(),
    [HostId.Declare]: (kind: number, name: unknown, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => {
      try {
        recorder.declare(kind, name, a, b, c, d, e);
      } catch (e) {
        raiseAtFeature((e as Error).message);
      }
      if (kind === DeclareKind.Control) sites.control(locateCallback());
    },
    [HostId.CallbackSite]: (kind: number, a: unknown, b: unknown) => sites.callbackSite(kind, a, b, locateCallback()),
    [HostId.SecretValue]: (name: string) => {
      const value = input.secrets[name];
      if (value === undefined) {
        const decl = recorder.declarations.secrets.find((s) => s.name === name);
        if (!decl?.optional) missingSecrets.push(name);
      }
      return value;
    },
    [HostId.ChannelSend]: notAtBuildTime("sending on a channel"),
    [HostId.PinOpen]: notAtBuildTime("opening a pin"),
    [HostId.PinRead]: notAtBuildTime("reading a pin"),
    [HostId.PinWrite]: notAtBuildTime("writing a pin"),
    [HostId.TimerStart]: notAtBuildTime("starting a timer"),
    [HostId.TimerStop]: notAtBuildTime("stopping a timer"),
    [HostId.NetworkRequest]: notAtBuildTime("requesting the network"),
    [HostId.ChannelOpen]: notAtBuildTime("opening a channel"),
    [HostId.SendToDevice]: notAtBuildTime("sending to a device"),
    [HostId.Ui]: notAtBuildTime("updating a UI control"),
    [HostId.SettingSet]: notAtBuildTime("setting a setting's value"),
    [HostId.Now]: () => Date.now(),
    [HostId.Notify]: notAtBuildTime("api.server.notify"),
  };

  vm = Microvium.create((id) => {
    const fn = hostFunctions[id];
    if (!fn) throw new Error(`internal: no host function ${id}`);
    return fn;
  });
  const limit = input.instructionLimit ?? DEFAULT_BUILD_INSTRUCTION_LIMIT;
  limitBuildInstructions(vm, limit, () =>
    raiseAtFeature(`App(api) ran more than ${limit.toLocaleString("en-US")} instructions at build time without returning (here when stopped): a loop that never ends?`),
  );
  const lastAwait = watchFeatureAwaits(vm, FEATURE_FILE);
  const lastThrow = watchFeatureThrows(vm, locate);
  vm.globalThis.vmImport = vm.vmImport;
  vm.globalThis.vmExport = vm.vmExport;

  const runtime = vm.evaluateModule({ sourceText: runtimeSourceFor(input.target), debugFilename: RUNTIME_FILE });
  vm.globalThis.__sf_readValue = runtime.guardedValueRead;
  vm.globalThis.__sf_readTokens = runtime.valueReader;
  const logObjects = input.logObjects !== false;
  installStdlib(vm, logObjects ? [...(input.stdlib ?? []), LOG_FORMATTER] : (input.stdlib ?? []));
  if (logObjects) runtime.logObjectsAsJson(vm.globalThis.JSON.stringify);

  const feature = withFeatureLocations(input.mapper, FEATURE_FILE, "module", () => vm.evaluateModule({ sourceText: input.code, debugFilename: FEATURE_FILE }), locate, lastThrow);
  const app = feature.App;
  if (typeof app !== "function") {
    const exported = input.exports.filter((k) => k !== "App");
    throw new FeatureCompileError(
      `the feature entry does not export a function named App${exported.length ? ` (it exports ${exported.join(", ")})` : ""}`,
      undefined,
      "add `export function App(api: FeatureApi) { ... }` to the entry file; it declares every feature of the app",
    );
  }
  withFeatureLocations(input.mapper, FEATURE_FILE, "app", () => runtime.runApp(app), locate, lastThrow);
  // Microvium ran the awaits that could finish when runApp returned (its job queue).
  if (withFeatureLocations(input.mapper, FEATURE_FILE, "app", () => runtime.appStillWaiting() as boolean, locate, lastThrow)) {
    const at = lastAwait();
    throw new FeatureCompileError(
      "App(api) was still waiting at this `await` when the build ended: what follows it is never declared at build time (a channel, secret, pin or control declared there is missing from the app, and declaring it later fails unreported)",
      at ? input.mapper.toOriginal(at.line, at.column) : undefined,
      ASYNC_APP_HINT,
    );
  }
  const codec = input.channelCodec ?? FULL_CODEC;
  runtime.finishBuild(codec.encode, codec.decode);
  const snapshot = vm.createSnapshot({ optimizationHook: (il) => leaveOutUnnamedMembers(uncollected(vm, il), input.pruneMembers !== false) }).data;
  return { declarations: recorder.declarations, callbackSites: sites.finish(recorder.declarations.channels.length), snapshot: new Uint8Array(snapshot), missingSecrets, logs };
}

/** The compile-time VM's state as snapshot IL before Microvium's own collection: Microvium 8's
 * collector doesn't follow an object's prototype, so a class instance made while App runs lost
 * its prototype and methods and the encoder failed with a bare "Internal error". pruneSnapshot
 * collects instead, following prototypes. Reads the VM's internal tables (microvium 8.0.0; the
 * encoder only reads them), as innermostFeatureLocation reads its frames. */
function uncollected(vm: Microvium, collected: SnapshotIL): SnapshotIL {
  const inner = (vm as any).vm;
  if (!(inner?.allocations instanceof Map) || !(inner.functions instanceof Map) || !(inner.globalSlots instanceof Map)) {
    throw new Error("internal: this microvium version's VM tables are not where snapfleet reads them (core/compiler/compileTarget.ts)");
  }
  return { ...collected, globalSlots: inner.globalSlots, functions: inner.functions, exports: inner.exports, allocations: inner.allocations, builtins: inner.builtins };
}

/** Takes the runtime's API object registry out of the exports and prunes the snapshot with it
 * (with `prune` false only what the registry alone kept goes). */
function leaveOutUnnamedMembers(il: SnapshotIL, prune: boolean): SnapshotIL {
  const registry = il.exports.get(EXPORT_API_OBJECTS);
  const array = registry?.type === "ReferenceValue" ? il.allocations.get(registry.value) : undefined;
  if (array?.type !== "ArrayAllocation") throw new Error("internal: the runtime's API object registry is missing");
  const apiObjects = new Set(array.items.flatMap((v) => (v?.type === "ReferenceValue" ? [v.value] : [])));
  const exports = new Map([...il.exports].filter(([id]) => id !== EXPORT_API_OBJECTS));
  return pruneSnapshot({ ...il, exports }, { apiObjects, trustedFiles: new Set([RUNTIME_FILE, "<builtin>"]), keepAllMembers: !prune }).il;
}

/** The innermost VM stack frame in feature code, mapped to the author's source. Reads the
 * compile-time VM's frame chain, which Microvium keeps on its internal VirtualMachine. */
function innermostFeatureLocation(vm: Microvium | undefined, mapper: SourceMapper): SourceLocation | undefined {
  let frame = (vm as any)?.vm?.frame;
  while (frame) {
    const loc = frame.operationBeingExecuted?.sourceLoc;
    if (frame.filename === FEATURE_FILE && loc) return mapper.toOriginal(loc.line, loc.column);
    frame = frame.callerFrame;
  }
  return undefined;
}

/** Where the callback the feature is registering was written: the API function the feature
 * called (the runtime frame just above the innermost feature frame) got it as an argument, and
 * the feature code that made that function value (the `Literal` operation naming the function,
 * at the arrow or function expression) carries its source position. That is the registration
 * line for an inline arrow, the definition for a named function. (The call operation's own
 * position is that of its last argument, e.g. the `1000` of `setInterval(fn, 1000)`.) */
function registeredCallbackLocation(vm: Microvium | undefined, mapper: SourceMapper): SourceLocation | undefined {
  const inner = (vm as any)?.vm;
  let frame = inner?.frame;
  while (frame && frame.callerFrame && frame.callerFrame.filename !== FEATURE_FILE) frame = frame.callerFrame;
  if (!frame?.callerFrame || !Array.isArray(frame.args) || !(inner.functions instanceof Map)) return undefined;
  for (const arg of frame.args as IL.Value[]) {
    let target: IL.Value | undefined = arg;
    if (target.type === "ReferenceValue") {
      const allocation = inner.dereference(target) as IL.Allocation;
      target = allocation.type === "ClosureAllocation" ? allocation.slots[0] : undefined;
    }
    if (target?.type !== "FunctionValue") continue;
    const loc = functionLiteralLocation(inner.functions as Map<string, IL.Function>, target.value);
    return loc ? mapper.toOriginal(loc.line, loc.column) : undefined;
  }
  return undefined;
}

function functionLiteralLocation(functions: Map<string, IL.Function>, id: string): IL.OperationSourceLoc | undefined {
  for (const fn of functions.values()) {
    if (fn.sourceFilename !== FEATURE_FILE) continue;
    for (const block of Object.values(fn.blocks)) {
      for (const op of block.operations) {
        const operand = op.operands[0];
        if (op.opcode === "Literal" && operand?.type === "LiteralOperand" && operand.literal.type === "FunctionValue" && operand.literal.value === id) return op.sourceLoc;
      }
    }
  }
  return undefined;
}
