/** Errors the Microvium engine raises in JS. Two kinds, because hosts treat them differently:
 * a script's own `throw` (VmException, the feature's bug) and an engine error code
 * (MicroviumError: bad snapshot, type error in the script, stack overflow, fatal engine state;
 * VmBudgetExceeded: a call ran out of its instruction budget). */
import type { VmPrimitive } from "./types";

/** mvm_TeError names, in enum order (microvium.h of microvium 8.0.0). */
const ERROR_NAMES = [
  "SUCCESS", "UNEXPECTED", "MALLOC_FAIL", "ALLOCATION_TOO_LARGE", "INVALID_ADDRESS",
  "COPY_ACROSS_BUCKET_BOUNDARY", "FUNCTION_NOT_FOUND", "INVALID_HANDLE", "STACK_OVERFLOW",
  "UNRESOLVED_IMPORT", "ATTEMPT_TO_WRITE_TO_ROM", "INVALID_ARGUMENTS", "TYPE_ERROR",
  "TARGET_NOT_CALLABLE", "HOST_ERROR", "NOT_IMPLEMENTED", "HOST_RETURNED_INVALID_VALUE",
  "ASSERTION_FAILED", "INVALID_BYTECODE", "UNRESOLVED_EXPORT", "RANGE_ERROR", "DETACHED_EPHEMERAL",
  "TARGET_IS_NOT_A_VM_FUNCTION", "FLOAT64", "NAN", "NEG_ZERO", "OPERATION_REQUIRES_FLOAT_SUPPORT",
  "BYTECODE_CRC_FAIL", "BYTECODE_REQUIRES_FLOAT_SUPPORT", "PROTO_IS_READONLY", "SNAPSHOT_TOO_LARGE",
  "MALLOC_MUST_RETURN_POINTER_TO_EVEN_BOUNDARY", "ARRAY_TOO_LONG", "OUT_OF_MEMORY",
  "TOO_MANY_ARGUMENTS", "REQUIRES_LATER_ENGINE", "PORT_FILE_VERSION_MISMATCH",
  "PORT_FILE_MACRO_TEST_FAILURE", "EXPECTED_POINTER_SIZE_TO_BE_16_BIT",
  "EXPECTED_POINTER_SIZE_NOT_TO_BE_16_BIT", "TYPE_ERROR_TARGET_IS_NOT_CALLABLE", "TDZ_ERROR",
  "MALLOC_NOT_WITHIN_RAM_PAGE", "INVALID_ARRAY_INDEX", "UNCAUGHT_EXCEPTION",
  "FATAL_ERROR_MUST_KILL_VM", "OBJECT_KEYS_ON_NON_OBJECT", "INVALID_UINT8_ARRAY_LENGTH",
  "CAN_ONLY_ASSIGN_BYTES_TO_UINT8_ARRAY", "WRONG_BYTECODE_VERSION", "USING_NEW_ON_NON_CLASS",
  "INSTRUCTION_COUNT_REACHED", "REQUIRES_ACTIVE_VM", "ASYNC_START_ERROR", "ASYNC_WITHOUT_AWAIT",
  "TYPE_ERROR_AWAIT_NON_PROMISE", "HEAP_CORRUPT", "CLASS_PROTOTYPE_MUST_BE_NULL_OR_OBJECT",
] as const;

/** The error codes the JS side acts on. */
export const MvmError = {
  SUCCESS: 0,
  UNEXPECTED: 1,
  MALLOC_FAIL: 2,
  ALLOCATION_TOO_LARGE: 3,
  UNRESOLVED_IMPORT: 9,
  TARGET_NOT_CALLABLE: 13,
  HOST_ERROR: 14,
  UNRESOLVED_EXPORT: 19,
  UNCAUGHT_EXCEPTION: 44,
  INSTRUCTION_COUNT_REACHED: 51,
} as const;

export function errorCodeName(code: number): string {
  return `MVM_E_${ERROR_NAMES[code] ?? "UNKNOWN"}`;
}

/** What the engine's error codes mean for the script that ran, in plain words (microvium.h and
 * the places microvium.c raises them). Codes only a host or a corrupt snapshot causes fall back
 * to the code's name. */
const PLAIN_WORDS: Partial<Record<(typeof ERROR_NAMES)[number], string>> = {
  MALLOC_FAIL: "the VM ran out of memory",
  OUT_OF_MEMORY: "the VM ran out of memory (its heap is capped at 32 KB)",
  STACK_OVERFLOW: "the call stack overflowed (unbounded recursion, or JSON.stringify of an object that contains itself?)",
  TYPE_ERROR: "a member of undefined or null was read or written, or a value was used as the wrong type",
  TARGET_NOT_CALLABLE: "something that is not a function was called",
  TYPE_ERROR_TARGET_IS_NOT_CALLABLE: "something that is not a function was called",
  USING_NEW_ON_NON_CLASS: "`new` was used on something that is not a class",
  RANGE_ERROR: "a number was out of the allowed range",
  TDZ_ERROR: "a let/const variable was used before its declaration ran",
  INVALID_ARRAY_INDEX: "an array index was negative, fractional or too large",
  ARRAY_TOO_LONG: "an array grew beyond the engine's limit",
  ALLOCATION_TOO_LARGE: "a string or object grew past the engine's largest block (4,095 bytes; a string of at most 4,094 UTF-8 bytes): keep strings smaller, e.g. send or log long data in parts",
  TOO_MANY_ARGUMENTS: "a function was called with more arguments than the engine supports",
  OBJECT_KEYS_ON_NON_OBJECT: "Object.keys was called on something that is not an object",
  INVALID_UINT8_ARRAY_LENGTH: "a Uint8Array length was invalid",
  CAN_ONLY_ASSIGN_BYTES_TO_UINT8_ARRAY: "a value other than a byte (0-255) was stored in a Uint8Array",
  PROTO_IS_READONLY: "__proto__ can't be assigned",
  CLASS_PROTOTYPE_MUST_BE_NULL_OR_OBJECT: "a class prototype must be an object or null",
  ATTEMPT_TO_WRITE_TO_ROM: "a constant (read-only) value was written",
  ASSERTION_FAILED: "an engine assertion failed: the engine can't run this code (Promise chains are one known cause)",
  ASYNC_START_ERROR: "an async function could not start",
  ASYNC_WITHOUT_AWAIT: "an async function ran without the engine's async support",
  TYPE_ERROR_AWAIT_NON_PROMISE: "await was used on something the engine can't await",
  INSTRUCTION_COUNT_REACHED: "the call ran longer than its instruction budget (an endless loop?)",
  HEAP_CORRUPT: "the VM heap is corrupt",
  FATAL_ERROR_MUST_KILL_VM: "the engine hit a fatal error",
  INVALID_BYTECODE: "the snapshot is not valid bytecode",
  BYTECODE_CRC_FAIL: "the snapshot failed its checksum",
  WRONG_BYTECODE_VERSION: "the snapshot was made for another engine version",
  REQUIRES_LATER_ENGINE: "the snapshot needs a later engine",
};

/** `MVM_E_TYPE_ERROR: a member of undefined or null was read...`: the code's name for searching
 * and its meaning for reading. */
export function describeErrorCode(code: number): string {
  const words = plainWords(code);
  return words ? `${errorCodeName(code)}: ${words}` : `${errorCodeName(code)} (engine error ${code})`;
}

function plainWords(code: number): string | undefined {
  const name = ERROR_NAMES[code];
  return name === undefined ? undefined : PLAIN_WORDS[name];
}

/** An engine error code, e.g. a corrupt snapshot or a type error raised by the engine. */
export class MicroviumError extends Error {
  readonly codeName: string;

  constructor(readonly code: number, context: string, options?: ErrorOptions) {
    const words = plainWords(code);
    super(`${context}: ${errorCodeName(code)} (${code})${words ? `: ${words}` : ""}`, options);
    this.name = "MicroviumError";
    this.codeName = errorCodeName(code);
  }
}

/** A call ran more bytecode instructions than its budget allows (see RestoreOptions): most
 * likely a loop that never ends, in the script or in a corrupt snapshot. The engine unwinds the
 * call like an exception no `catch` can stop; the VM stays usable for the next call. */
export class VmBudgetExceeded extends MicroviumError {
  constructor(readonly budget: number, context: string) {
    super(MvmError.INSTRUCTION_COUNT_REACHED, context);
    this.name = "VmBudgetExceeded";
    this.message = `${context} ran more than ${budget.toLocaleString("en-US")} instructions in one call, its instruction budget: a loop that never ends? (${this.codeName})`;
  }
}

/** A value the script threw and did not catch. The message is the thrown value as a string
 * (the `message` property for error-like objects); `thrown` is the value itself when it is a
 * primitive, undefined when it was an object. */
export class VmException extends Error {
  constructor(message: string, readonly thrown: VmPrimitive) {
    super(message);
    this.name = "VmException";
  }
}
