#include "engineErrors.h"

/* mvm_TeError names in enum order (microvium.h of microvium 8.0.0), as in errors.ts. */
static const char* const NAMES[] = {
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
};
#define NAME_COUNT ((int)(sizeof NAMES / sizeof NAMES[0]))

static const struct {
  const char* name;
  const char* words;
} PLAIN_WORDS[] = {
  {"MALLOC_FAIL", "the VM ran out of memory"},
  {"OUT_OF_MEMORY", "the VM ran out of memory (its heap is capped at 32 KB)"},
  {"STACK_OVERFLOW", "the call stack overflowed (unbounded recursion?)"},
  {"TYPE_ERROR", "a member of undefined or null was read or written, or a value was used as the wrong type"},
  {"TARGET_NOT_CALLABLE", "something that is not a function was called"},
  {"TYPE_ERROR_TARGET_IS_NOT_CALLABLE", "something that is not a function was called"},
  {"USING_NEW_ON_NON_CLASS", "`new` was used on something that is not a class"},
  {"RANGE_ERROR", "a number was out of the allowed range"},
  {"TDZ_ERROR", "a let/const variable was used before its declaration ran"},
  {"INVALID_ARRAY_INDEX", "an array index was negative, fractional or too large"},
  {"ARRAY_TOO_LONG", "an array grew beyond the engine's limit"},
  {"TOO_MANY_ARGUMENTS", "a function was called with more arguments than the engine supports"},
  {"OBJECT_KEYS_ON_NON_OBJECT", "Object.keys was called on something that is not an object"},
  {"INVALID_UINT8_ARRAY_LENGTH", "a Uint8Array length was invalid"},
  {"CAN_ONLY_ASSIGN_BYTES_TO_UINT8_ARRAY", "a value other than a byte (0-255) was stored in a Uint8Array"},
  {"PROTO_IS_READONLY", "__proto__ can't be assigned"},
  {"CLASS_PROTOTYPE_MUST_BE_NULL_OR_OBJECT", "a class prototype must be an object or null"},
  {"ATTEMPT_TO_WRITE_TO_ROM", "a constant (read-only) value was written"},
  {"ASSERTION_FAILED", "an engine assertion failed: the engine can't run this code (Promise chains are one known cause)"},
  {"ASYNC_START_ERROR", "an async function could not start"},
  {"ASYNC_WITHOUT_AWAIT", "an async function ran without the engine's async support"},
  {"TYPE_ERROR_AWAIT_NON_PROMISE", "await was used on something the engine can't await"},
  {"INSTRUCTION_COUNT_REACHED", "the call ran longer than its instruction budget (an endless loop?)"},
  {"HEAP_CORRUPT", "the VM heap is corrupt"},
  {"FATAL_ERROR_MUST_KILL_VM", "the engine hit a fatal error"},
  {"INVALID_BYTECODE", "the snapshot is not valid bytecode"},
  {"BYTECODE_CRC_FAIL", "the snapshot failed its checksum"},
  {"WRONG_BYTECODE_VERSION", "the snapshot was made for another engine version"},
  {"REQUIRES_LATER_ENGINE", "the snapshot needs a later engine"},
};

void sf_describeErrorCode(int code, sf_Text* out) {
  const char* name = code >= 0 && code < NAME_COUNT ? NAMES[code] : 0;
  sf_text_appendString(out, "MVM_E_");
  sf_text_appendString(out, name ? name : "UNKNOWN");
  const char* words = 0;
  for (unsigned i = 0; name && i < sizeof PLAIN_WORDS / sizeof PLAIN_WORDS[0]; i++)
    if (sf_streq(PLAIN_WORDS[i].name, name)) words = PLAIN_WORDS[i].words;
  if (words) {
    sf_text_appendString(out, ": ");
    sf_text_appendString(out, words);
  } else {
    sf_text_appendString(out, " (engine error ");
    sf_text_appendInt(out, code);
    sf_text_appendChar(out, ')');
  }
}
