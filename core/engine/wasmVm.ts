/** One restored snapshot running in its own WebAssembly instance of microvium.wasm.
 *
 * Why not the native binding of the microvium package: each value it hands to JS wraps a VM
 * handle released only when V8 collects it; under sustained traffic calls become
 * quadratically slow, and once the pinned values grow the live heap past 32 KB the GC fails
 * with MVM_E_ASSERTION_FAILED. Here JS never holds a VM value: arguments are built inside
 * the VM by kind, results are read out by kind right away.
 *
 * An instance owns its memory and nothing else, so when the engine hits a fatal error (or
 * traps) mid-call the instance is simply abandoned: the VM is "dead" and every later use
 * throws. A call that runs out of its instruction budget is not fatal: the engine unwinds it
 * and the VM takes the next call. */
import { MicroviumError, MvmError, VmBudgetExceeded, VmException } from "./errors";
import {
  MAX_ARGUMENTS,
  MAX_INSTRUCTION_BUDGET,
  NO_INSTRUCTION_LIMIT,
  MAX_STRING_BYTES,
  MemoryStatsOffset,
  SLOT_RESULT,
  Target,
  VM_TYPE_NAMES,
  VmType,
  type GlueExports,
  type GlueImports,
} from "./glueAbi";
import { DEFAULT_INSTRUCTION_BUDGET, type HostFunction, type RestoreOptions, type VmInstance, type VmMemoryStats, type VmPrimitive } from "./types";

// Module-local copies of the constants used per call: an imported binding can compile to a
// getter call per access (CommonJS interop), which showed up in the engine bench.
const { SUCCESS, HOST_ERROR, UNCAUGHT_EXCEPTION, ALLOCATION_TOO_LARGE, INSTRUCTION_COUNT_REACHED } = MvmError;
const { Argument: ARGUMENT, HostResult: HOST_RESULT } = Target;
const { Undefined: T_UNDEFINED, Null: T_NULL, Boolean: T_BOOLEAN, Number: T_NUMBER, String: T_STRING } = VmType;
const RESULT = SLOT_RESULT;
const MAX_ARGS = MAX_ARGUMENTS;
const MAX_STRING = MAX_STRING_BYTES;

/** Thrown through the WebAssembly frames by the fatal_error import. */
class FatalSignal {
  constructor(readonly code: number) {}
}

/** A VM value that has no VmPrimitive equivalent (object, array, function...). */
class Unrepresentable {
  constructor(readonly typeName: string) {}
}

/** host_call's answer when the host function threw. */
const HOST_THREW = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type State = "live" | "dead" | "disposed";

export class WasmVm implements VmInstance {
  private readonly glue: GlueExports;
  private readonly hostFunctions = new Map<number, HostFunction>();
  private readonly exportFunctions = new Map<number, (...args: VmPrimitive[]) => VmPrimitive>();
  private readonly scratch: number;
  /** View of linear memory; replaced when memory grows (the old buffer is detached). */
  private bytes: Uint8Array;
  private state: State = "live";
  private deathCause: Error | undefined;
  /** The error a host function threw, until the export call that led to it rethrows it. */
  private hostError: { error: unknown } | undefined;
  private activeCalls = 0;
  /** Instructions per call; 0 when unlimited. */
  private readonly instructionBudget: number;

  constructor(module: WebAssembly.Module, snapshot: Uint8Array, imports: (id: number) => HostFunction | undefined, options: RestoreOptions = {}) {
    this.instructionBudget = checkBudget(options.instructionBudget ?? DEFAULT_INSTRUCTION_BUDGET);
    let missingImport: number | undefined;
    const env: GlueImports = {
      fatal_error: (code) => {
        throw new FatalSignal(code);
      },
      resolve_import: (id) => {
        const fn = imports(id);
        if (typeof fn !== "function") {
          missingImport = id;
          return 0;
        }
        this.hostFunctions.set(id, fn);
        return 1;
      },
      host_call: (id, argCount) => this.hostCall(id, argCount),
    };
    const instance = new WebAssembly.Instance(module, { env: env as unknown as WebAssembly.ModuleImports });
    this.glue = instance.exports as unknown as GlueExports;
    this.glue._initialize();
    this.bytes = new Uint8Array(this.glue.memory.buffer);
    this.scratch = this.glue.glue_scratch();

    let status: number;
    try {
      const buffer = this.glue.glue_snapshot_buffer(snapshot.length);
      if (!buffer) throw new FatalSignal(ALLOCATION_TOO_LARGE);
      this.memory().set(snapshot, buffer);
      status = this.glue.glue_restore(snapshot.length);
      if (status === SUCCESS) this.glue.glue_set_instruction_budget(this.instructionBudget || NO_INSTRUCTION_LIMIT);
    } catch (error) {
      this.state = "dead";
      if (error instanceof FatalSignal) throw new MicroviumError(error.code, "cannot restore the snapshot (fatal engine error)");
      throw error; // from imports()
    }
    if (status === MvmError.UNRESOLVED_IMPORT && missingImport !== undefined) {
      this.state = "dead";
      throw new MicroviumError(status, `cannot restore the snapshot: it imports host function ${missingImport}, which the host does not provide`);
    }
    if (status !== SUCCESS) {
      this.state = "dead";
      throw new MicroviumError(status, "cannot restore the snapshot");
    }
  }

  resolveExport(exportId: number): (...args: VmPrimitive[]) => VmPrimitive {
    this.assertUsable();
    let fn = this.exportFunctions.get(exportId);
    if (fn) return fn;
    let index: number;
    try {
      index = this.glue.glue_resolve_export(exportId);
    } catch (error) {
      throw this.die(error);
    }
    if (index < 0) {
      const code = -index;
      const what = code === MvmError.TARGET_NOT_CALLABLE ? "is not a function" : "does not exist";
      throw new MicroviumError(code, `export ${exportId} of the snapshot ${what}`);
    }
    fn = (...args: VmPrimitive[]) => this.call(index, exportId, args);
    this.exportFunctions.set(exportId, fn);
    return fn;
  }

  getMemoryStats(): VmMemoryStats {
    this.assertUsable();
    let pointer: number;
    try {
      pointer = this.glue.glue_memory_stats();
    } catch (error) {
      throw this.die(error);
    }
    const view = new DataView(this.memory().buffer, pointer, 48);
    const field = (offset: number) => view.getUint32(offset, true);
    return {
      heapUsed: field(MemoryStatsOffset.virtualHeapUsed),
      heapHighWaterMark: field(MemoryStatsOffset.virtualHeapHighWaterMark),
      totalSize: field(MemoryStatsOffset.totalSize),
      stackHighWaterMark: field(MemoryStatsOffset.stackHighWaterMark),
    };
  }

  createSnapshot(): Uint8Array {
    this.assertUsable();
    if (this.activeCalls > 0) throw new Error("a VM cannot be snapshotted from inside one of its own calls");
    let pointer: number;
    try {
      pointer = this.glue.glue_create_snapshot();
    } catch (error) {
      throw this.die(error);
    }
    if (!pointer) throw new MicroviumError(MvmError.MALLOC_FAIL, "cannot snapshot the VM: out of memory");
    const copy = this.memory().slice(pointer, pointer + this.glue.glue_string_length());
    this.glue.glue_free_snapshot(pointer);
    return copy;
  }

  dispose(): void {
    if (this.activeCalls > 0) throw new Error("a VM cannot be disposed from inside one of its own calls");
    if (this.state === "live") {
      this.glue.glue_dispose();
    }
    this.state = "disposed";
    this.hostFunctions.clear();
    this.exportFunctions.clear();
  }

  private call(exportIndex: number, exportId: number, args: VmPrimitive[]): VmPrimitive {
    this.assertUsable();
    if (args.length > MAX_ARGS) throw new RangeError(`export ${exportId}: at most ${MAX_ARGS} arguments`);
    for (const arg of args) {
      if (!isPrimitive(arg)) throw new TypeError(`export ${exportId}: only primitives can be passed to the VM, got ${typeof arg}`);
    }

    const glue = this.glue;
    let status: number;
    let value: VmPrimitive | Unrepresentable = undefined;
    let exception: VmException | undefined;
    if (this.activeCalls === 0) this.hostError = undefined;
    this.activeCalls++;
    try {
      const mark = glue.glue_pending_count();
      status = SUCCESS;
      for (let i = 0; i < args.length && status === SUCCESS; i++) status = this.put(ARGUMENT, args[i]);
      if (status === SUCCESS) {
        status = glue.glue_call(exportIndex, args.length);
        if (status === SUCCESS) value = this.read(RESULT);
        else if (status === UNCAUGHT_EXCEPTION) exception = this.readException();
      } else {
        glue.glue_drop_pending(mark);
      }
    } catch (error) {
      throw this.die(error);
    } finally {
      this.activeCalls--;
    }

    if (status === SUCCESS) {
      if (value instanceof Unrepresentable) {
        throw new TypeError(`export ${exportId} returned ${article(value.typeName)}; only primitives can leave the VM`);
      }
      return value;
    }
    if (exception) throw exception;
    if (status === HOST_ERROR && this.hostError) {
      const { error } = this.hostError;
      this.hostError = undefined;
      throw error;
    }
    if (status === INSTRUCTION_COUNT_REACHED) throw new VmBudgetExceeded(this.instructionBudget, `export ${exportId}`);
    if (status === ALLOCATION_TOO_LARGE) {
      throw new RangeError(`export ${exportId}: a string argument is longer than ${MAX_STRING} UTF-8 bytes`);
    }
    throw new MicroviumError(status, `export ${exportId} failed`);
  }

  /** The host_call import: runs host function `id` for the VM. Returns non-zero if it threw
   * (the VM call then fails with MVM_E_HOST_ERROR and `call` rethrows the error). Errors
   * from the engine itself are not caught here: they must unwind the WebAssembly frames. */
  private hostCall(id: number, argCount: number): number {
    const fn = this.hostFunctions.get(id);
    if (!fn) return this.hostThrew(new Error(`host function ${id} was not resolved`));
    const args = new Array<VmPrimitive>(argCount);
    for (let i = 0; i < argCount; i++) {
      const arg = this.read(i);
      if (arg instanceof Unrepresentable) {
        return this.hostThrew(new TypeError(`host function ${id} received ${article(arg.typeName)} as argument ${i}; only primitives can leave the VM`));
      }
      args[i] = arg;
    }

    let result: VmPrimitive | void;
    try {
      result = fn(...args);
    } catch (error) {
      if (this.state !== "live") throw this.deathCause; // a nested call died: keep unwinding
      return this.hostThrew(error);
    }
    // A nested call may have died and the host function swallowed the error.
    if (this.state !== "live") throw this.deathCause;

    if (!isPrimitive(result)) {
      return this.hostThrew(new TypeError(`host function ${id} returned ${typeof result}; only primitives can enter the VM`));
    }
    if (this.put(HOST_RESULT, result) !== SUCCESS) {
      return this.hostThrew(new RangeError(`host function ${id} returned a string longer than ${MAX_STRING} UTF-8 bytes`));
    }
    return 0;
  }

  private hostThrew(error: unknown): number {
    this.hostError = { error };
    return HOST_THREW;
  }

  /** Builds `value` inside the VM as a call argument or a host result; returns an error code. */
  private put(target: Target, value: VmPrimitive): number {
    const glue = this.glue;
    switch (typeof value) {
      case "undefined":
        return glue.glue_put_undefined(target);
      case "boolean":
        return glue.glue_put_bool(target, value ? 1 : 0);
      case "number":
        return glue.glue_put_number(target, value);
      case "string": {
        const length = this.encode(value);
        return length < 0 ? ALLOCATION_TOO_LARGE : glue.glue_put_string(target, length);
      }
      default:
        return glue.glue_put_null(target); // null: the only other VmPrimitive
    }
  }

  /** Reads slot `slot` (RESULT or host argument i) as a JS value. */
  private read(slot: number): VmPrimitive | Unrepresentable {
    const glue = this.glue;
    const type = glue.glue_type(slot);
    switch (type) {
      case T_UNDEFINED:
        return undefined;
      case T_NULL:
        return null;
      case T_BOOLEAN:
        return glue.glue_bool(slot) !== 0;
      case T_NUMBER:
        return glue.glue_number(slot);
      case T_STRING:
        return this.decode(glue.glue_string(slot), glue.glue_string_length());
      default:
        return new Unrepresentable(VM_TYPE_NAMES[type] ?? "unknown value");
    }
  }

  /** The uncaught exception of the last call, as a JS error. */
  private readException(): VmException {
    const glue = this.glue;
    const thrown = this.read(RESULT);
    if (!(thrown instanceof Unrepresentable)) {
      // Converted by the VM, so a thrown number reads as the script would print it.
      return new VmException(this.decode(glue.glue_string(RESULT), glue.glue_string_length()), thrown);
    }
    const message = glue.glue_type(RESULT) === VmType.Object ? glue.glue_message(RESULT) : 0;
    if (message) return new VmException(this.decode(message, glue.glue_string_length()), undefined);
    return new VmException(`the script threw ${article(thrown.typeName)} without a message`, undefined);
  }

  /** Writes `text` as UTF-8 into the scratch buffer; returns its length, or -1 if too long. */
  private encode(text: string): number {
    const bytes = this.memory();
    const start = this.scratch;
    const length = text.length;
    if (length <= MAX_STRING) {
      // ASCII fast path: most strings crossing the boundary are short and ASCII.
      let i = 0;
      for (; i < length; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[start + i] = c;
      }
      if (i === length) return length;
    }
    const { read, written } = encoder.encodeInto(text, bytes.subarray(start, start + MAX_STRING));
    return read === length ? written : -1;
  }

  private decode(pointer: number, length: number): string {
    const bytes = this.memory();
    if (length <= 32) {
      // ASCII fast path: cheaper than TextDecoder for short strings.
      let text = "";
      for (let i = 0; i < length; i++) {
        const c = bytes[pointer + i];
        if (c >= 0x80) return decoder.decode(bytes.subarray(pointer, pointer + length));
        text += String.fromCharCode(c);
      }
      return text;
    }
    return decoder.decode(bytes.subarray(pointer, pointer + length));
  }

  private memory(): Uint8Array {
    if (this.bytes.byteLength === 0) this.bytes = new Uint8Array(this.glue.memory.buffer);
    return this.bytes;
  }

  private assertUsable(): void {
    if (this.state === "disposed") throw new Error("the VM instance has been disposed");
    if (this.state === "dead") {
      throw new Error("the VM instance stopped after a fatal engine error; restore the snapshot again", { cause: this.deathCause });
    }
  }

  /** Something escaped the WebAssembly code (fatal error, trap): the instance is unusable. */
  private die(error: unknown): Error {
    if (this.state === "dead" && this.deathCause) return this.deathCause;
    this.state = "dead";
    this.deathCause =
      error instanceof FatalSignal
        ? new MicroviumError(error.code, "fatal engine error; the VM instance is stopped")
        : new MicroviumError(MvmError.UNEXPECTED, "the engine aborted; the VM instance is stopped", { cause: error });
    return this.deathCause;
  }
}

/** The budget as the engine takes it (0: unlimited), or a RangeError saying what is allowed. */
function checkBudget(budget: number): number {
  if (budget === 0 || budget === Infinity) return 0;
  if (Number.isInteger(budget) && budget > 0 && budget <= MAX_INSTRUCTION_BUDGET) return budget;
  throw new RangeError(`instructionBudget must be a whole number of instructions from 1 to ${MAX_INSTRUCTION_BUDGET}, or 0 or Infinity for no limit; got ${budget}`);
}

function isPrimitive(value: unknown): value is VmPrimitive {
  const type = typeof value;
  return value === null || type === "undefined" || type === "boolean" || type === "number" || type === "string";
}

function article(typeName: string): string {
  return /^[aeiou]/i.test(typeName) ? `an ${typeName}` : `a ${typeName}`;
}
