/** The binary interface of microvium.wasm, as defined by core/engine/glue/glue.c. Kept in one
 * place so that the C and TS sides can be checked against each other. */

/** Exports of the module. Pointers are byte offsets into `memory`. */
export interface GlueExports {
  memory: WebAssembly.Memory;
  /** Call once, right after instantiation. */
  _initialize(): void;
  glue_snapshot_buffer(size: number): number;
  glue_restore(size: number): number;
  glue_dispose(): void;
  /** Index of the export (>= 0) or -errorCode. */
  glue_resolve_export(exportId: number): number;
  glue_scratch(): number;
  glue_pending_count(): number;
  glue_drop_pending(count: number): void;
  glue_put_undefined(target: Target): number;
  glue_put_null(target: Target): number;
  glue_put_bool(target: Target, value: number): number;
  glue_put_number(target: Target, value: number): number;
  /** The UTF-8 bytes are in the scratch buffer. */
  glue_put_string(target: Target, length: number): number;
  /** Instructions each outermost glue_call may run from now on; -1: no limit. */
  glue_set_instruction_budget(budget: number): void;
  glue_call(exportIndex: number, argCount: number): number;
  glue_type(slot: number): number;
  glue_bool(slot: number): number;
  glue_number(slot: number): number;
  /** Pointer to UTF-8 (length from glue_string_length), valid until the next VM call. */
  glue_string(slot: number): number;
  glue_string_length(): number;
  /** Like glue_string, for the `message` property of an object; 0 if it has none. */
  glue_message(slot: number): number;
  glue_memory_stats(): number;
  /** Snapshot of the VM now (pointer, 0 if it failed); its size through glue_string_length. */
  glue_create_snapshot(): number;
  glue_free_snapshot(pointer: number): void;
}

/** Imports the module needs (module "env"). */
export interface GlueImports {
  /** Must throw: the engine cannot continue. */
  fatal_error(code: number): never;
  /** Non-zero if the host provides this host function. */
  resolve_import(hostFunctionId: number): number;
  /** Runs a host function; non-zero if it threw. */
  host_call(hostFunctionId: number, argCount: number): number;
}

/** Where a value built from JS goes. */
export const Target = { Argument: 0, HostResult: 1 } as const;
export type Target = (typeof Target)[keyof typeof Target];

/** Slot of the last call's result (or thrown value); host argument i is slot i. */
export const SLOT_RESULT = -1;

/** Size of the scratch buffer strings pass through, and so the longest string (UTF-8 bytes)
 * the engine can allocate (a 4 KB Microvium allocation minus the terminator). */
export const MAX_STRING_BYTES = 0xffe;

/** glue_set_instruction_budget's "no limit" (Microvium's mvm_stopAfterNInstructions(-1)), and
 * the largest budget it takes (an int32 countdown). */
export const NO_INSTRUCTION_LIMIT = -1;
export const MAX_INSTRUCTION_BUDGET = 0x7fffffff;

/** Microvium's limit on arguments per call. */
export const MAX_ARGUMENTS = 126;

/** mvm_TeType values; the names index VM_TYPE_NAMES. */
export const VmType = { Undefined: 0, Null: 1, Boolean: 2, Number: 3, String: 4, Object: 6 } as const;
export const VM_TYPE_NAMES = ["undefined", "null", "boolean", "number", "string", "function", "object", "array", "Uint8Array", "class"];

/** Byte offsets of the mvm_TsMemoryStats fields we report (twelve 32-bit size_t). */
export const MemoryStatsOffset = {
  totalSize: 0,
  stackHighWaterMark: 32,
  virtualHeapUsed: 36,
  virtualHeapHighWaterMark: 40,
} as const;
