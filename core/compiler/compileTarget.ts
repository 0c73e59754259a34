import { Microvium } from "microvium";
import type { Declarations, Target } from "../contracts/manifest";
import type { SnapshotIL } from "microvium/dist/lib/snapshot-il";
import { EXPORT_API_OBJECTS, HostId } from "../runtime/hostIds";
import { formatRuntimeError } from "../runtime/runtimeErrors";
import { DeclarationRecorder } from "./declarationRecorder";
import { FeatureCompileError, type SourceLocation } from "./errors";
import { runtimeSourceFor } from "./runtimeSource";
import { pruneSnapshot } from "./snapshotPruning";
import { FULL_CODEC, type DeviceChannelCodec } from "./primitiveChannels";
import type { SourceMapper } from "./sourceMapper";

/** Debug file names inside the compile-time VM; errors in FEATURE_FILE are mapped back to the
 * author's sources, errors in RUNTIME_FILE are ours. */
export const FEATURE_FILE = "feature.js";
const RUNTIME_FILE = "snapfleet-runtime.js";

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
  /** Host functions of the in-VM standard library (core/runtime/stdlib). */
  stdlibHost: Record<number, (...args: any[]) => any>;
  /** Installs standard library pieces into the fresh VM before the feature is evaluated. */
  prepareVm?: (vm: Microvium) => void;
  /** Which halves of the object/array codec the snapshot keeps (default both; the device's
   * come from deviceChannelCodec). A half left out refuses objects with a clear error instead. */
  channelCodec?: DeviceChannelCodec;
  /** Leave out object members no code in the snapshot names (default true). */
  pruneMembers?: boolean;
}

export interface TargetBuild {
  declarations: Declarations;
  snapshot: Uint8Array;
  /** Required secrets without a value (device target). */
  missingSecrets: string[];
  /** What api.log printed while App ran. */
  logs: string[];
}

/** Runs the feature's App(api) in Microvium's compile-time VM for one target and snapshots the
 * result. Only this target's callbacks stay reachable, so only they are in the snapshot. */
export function compileTarget(input: TargetBuildInput): TargetBuild {
  const recorder = new DeclarationRecorder();
  const missingSecrets: string[] = [];
  const logs: string[] = [];
  let vm: Microvium;

  const locate = (): SourceLocation | undefined => innermostFeatureLocation(vm, input.mapper);
  const raiseAtFeature = (message: string): never => {
    throw new FeatureCompileError(message, locate());
  };
  const notAtBuildTime = (what: string) => () => {
    throw new FeatureCompileError(`${what} is not available while App(api) runs at build time`, locate(), "do it in a callback: api.mcu.onStart/setInterval on the device, a UI control on the web");
  };

  const hostFunctions: Record<number, Function> = {
    ...input.stdlibHost,
    [HostId.Raise]: (code: number, api: unknown, name: unknown) => raiseAtFeature(formatRuntimeError(code, api, name, input.target)),
    [HostId.Log]: (text: string) => {
      logs.push(text);
    },
    [HostId.TokenOut]: notAtBuildTime("sending a value"),
    [HostId.TokenInKind]: notAtBuildTime("receiving a value"),
    [HostId.TokenInPayload]: notAtBuildTime("receiving a value"),
    [HostId.Declare]: (kind: number, name: unknown, a: unknown, b: unknown, c: unknown) => {
      try {
        recorder.declare(kind, name, a, b, c);
      } catch (e) {
        raiseAtFeature((e as Error).message);
      }
    },
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
    [HostId.Now]: () => Date.now(),
  };

  vm = Microvium.create((id) => {
    const fn = hostFunctions[id];
    if (!fn) throw new Error(`internal: no host function ${id}`);
    return fn;
  });
  vm.globalThis.vmImport = vm.vmImport;
  vm.globalThis.vmExport = vm.vmExport;

  const runtime = vm.evaluateModule({ sourceText: runtimeSourceFor(input.target), debugFilename: RUNTIME_FILE });
  vm.globalThis.__sf_readValue = runtime.guardedValueRead;
  input.prepareVm?.(vm);

  const feature = withFeatureLocations(input.mapper, () => vm.evaluateModule({ sourceText: input.code, debugFilename: FEATURE_FILE }));
  const app = feature.App;
  if (typeof app !== "function") {
    const exported = input.exports.filter((k) => k !== "App");
    throw new FeatureCompileError(
      `the feature entry does not export a function named App${exported.length ? ` (it exports ${exported.join(", ")})` : ""}`,
      undefined,
      "add `export function App(api: FeatureApi) { ... }` to the entry file; it declares every feature of the app",
    );
  }
  withFeatureLocations(input.mapper, () => runtime.runApp(app));
  const codec = input.channelCodec ?? FULL_CODEC;
  runtime.finishBuild(codec.encode, codec.decode);
  const snapshot = vm.createSnapshot({ optimizationHook: (il) => leaveOutUnnamedMembers(uncollected(vm, il), input.pruneMembers !== false) }).data;
  return { declarations: recorder.declarations, snapshot: new Uint8Array(snapshot), missingSecrets, logs };
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

const MICROVIUM_LOCATION = new RegExp(`\\n?\\s*at [^\\n]*\\((?:${FEATURE_FILE.replace(".", "\\.")}):(\\d+):(\\d+)\\)`);

/** Microvium's own errors (unsupported syntax it found, runtime type errors) carry
 * `(feature.js:line:col)`; turn them into FeatureCompileErrors at the author's location. */
function withFeatureLocations<T>(mapper: SourceMapper, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof FeatureCompileError) throw e;
    const message = String((e as Error)?.message ?? e);
    const m = MICROVIUM_LOCATION.exec(message);
    if (!m) throw e;
    const location = mapper.toOriginal(Number(m[1]), Number(m[2]));
    const problem = message.slice(0, m.index).replace(/^VM runtime error: /, "").trim();
    const hint = /not supported/i.test(problem)
      ? "Microvium runs a subset of JavaScript; see README \"What feature code may use\""
      : "this error happened while App(api) ran at build time";
    throw new FeatureCompileError(problem, location, hint);
  }
}
