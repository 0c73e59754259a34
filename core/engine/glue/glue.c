/*
 * Bridge between the Microvium engine (microvium.c) and wasmEngine.ts.
 *
 * Why our own glue: the native binding in the microvium npm package hands JS a
 * handle-backed object per value, released only when V8 collects it: calls get
 * slower with every handle, and the pinned values grow the live heap past 32 KB,
 * where the GC fails an assertion (see MVM_MAX_HEAP_SIZE in microvium_port.h).
 * Upstream's @microvium/runtime is marked not ready and reserves 256 KB per
 * instance.
 *
 * The rule here: JS never holds a VM value across calls. Arguments are passed
 * in by kind and rooted in handles until the call returns; results and host
 * arguments are read out by kind immediately. One WebAssembly instance holds
 * exactly one VM, so this file keeps its state in plain globals.
 */
#include "microvium.h"

#define EXPORT(name) __attribute__((export_name(#name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* Asked once per host function id while restoring: non-zero if JS has it. */
IMPORT(resolve_import) int32_t js_resolveImport(uint32_t hostFunctionId);
/* Runs a host function; reads its arguments and sets its result through the
 * exports below. Returns non-zero if it threw (JS keeps the error object). */
IMPORT(host_call) int32_t js_hostCall(uint32_t hostFunctionId, uint32_t argCount);

/* Internal engine function, linkable because of MVM_EXPOSE_INTERNALS. */
mvm_TeError getProperty(mvm_VM* vm, mvm_Value* pObject, mvm_Value* pPropertyName, mvm_Value* out_value);

/* Where a value built from JS goes (must match wasmVm.ts). */
enum { TARGET_ARGUMENT = 0, TARGET_HOST_RESULT = 1 };
/* Slot read by the getters: the last call's result, or host argument i >= 0. */
#define SLOT_RESULT (-1)

/* Longest string Microvium can allocate (4 KB allocation incl. terminator). */
#define MAX_STRING_BYTES 0xFFE
/* Microvium's limit on arguments per call (127 slots including `this`). */
#define MAX_ARGUMENTS 126
/* Arguments pending for calls, nested ones included. */
#define MAX_PENDING 256
/* Host -> VM re-entry depth; bounds the C stack (each level is an mvm_call). */
#define MAX_NESTING 16

static mvm_VM* vm;
static void* snapshot; /* must outlive the VM: Microvium runs from it in place */
static uint32_t snapshotSize;

/* Strings travel through here in both directions (JS encodes into it). */
static uint8_t scratch[MAX_STRING_BYTES + 2];

/* Arguments built by JS for the next call, rooted against GC until it returns. */
static mvm_Handle pending[MAX_PENDING];
static uint16_t pendingCount;

/* Result (or thrown exception) of the latest call, rooted so that reading it
 * as a string may allocate. */
static mvm_Handle result;

/* The host call in progress: its arguments and result slot sit on the VM stack,
 * which the GC scans and never moves. Saved and restored around nested calls. */
static mvm_Value* hostArgs;
static uint8_t hostArgCount;
static mvm_Value* hostResult;

static uint32_t nesting;

/* Instructions an outermost call may run; -1: no limit. A nested call (host ->
 * VM -> host -> VM) spends from its outer call's budget instead of starting a
 * new one, so a loop through the host runs out too. */
static int32_t instructionBudget = -1;

/* Exports resolved so far; JS refers to them by index. Export values are
 * immutable, so they need no handle. */
static mvm_Value* exportTable;
static uint32_t exportCount;

static size_t stringLength;
static mvm_TsMemoryStats stats;

uint16_t glue_crc16ccitt(const void* data, uint16_t size) {
  /* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as the compiler computes it. */
  const uint8_t* p = data;
  uint16_t crc = 0xFFFF;
  while (size--) {
    crc ^= (uint16_t)(*p++ << 8);
    for (int bit = 0; bit < 8; bit++) {
      crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
  }
  return crc;
}

/* ------------------------------- Lifecycle ------------------------------- */

/* WASI "reactor" entry point, called once by JS after instantiation. Running
 * the constructors here (instead of leaving no caller) also stops the linker
 * from wrapping every export in a constructor call. */
void __wasm_call_ctors(void);
EXPORT(_initialize) void glue_initialize(void) {
  __wasm_call_ctors();
}

static mvm_TeError hostTrampoline(mvm_VM* vm_, mvm_HostFunctionID id, mvm_Value* out_result, mvm_Value* args, uint8_t argCount) {
  (void)vm_;
  mvm_Value* savedArgs = hostArgs;
  uint8_t savedCount = hostArgCount;
  mvm_Value* savedResult = hostResult;
  hostArgs = args;
  hostArgCount = argCount;
  hostResult = out_result;
  int32_t threw = js_hostCall(id, argCount);
  hostArgs = savedArgs;
  hostArgCount = savedCount;
  hostResult = savedResult;
  /* Not MVM_E_UNCAUGHT_EXCEPTION: a host error must not be catchable by the
   * script; it ends the whole export call and JS rethrows the original. */
  return threw ? MVM_E_HOST_ERROR : MVM_E_SUCCESS;
}

static mvm_TeError resolveImport(mvm_HostFunctionID id, void* context, mvm_TfHostFunction* out_hostFunction) {
  (void)context;
  *out_hostFunction = js_resolveImport(id) ? hostTrampoline : NULL;
  return MVM_E_SUCCESS;
}

EXPORT(glue_snapshot_buffer) void* glue_snapshotBuffer(uint32_t size) {
  glue_free(snapshot);
  snapshot = glue_malloc(size);
  snapshotSize = snapshot ? size : 0;
  return snapshot;
}

EXPORT(glue_restore) int32_t glue_restore(uint32_t size) {
  if (vm || !snapshot) return MVM_E_UNEXPECTED;
  mvm_TeError err = mvm_restore(&vm, snapshot, size, NULL, resolveImport);
  if (err != MVM_E_SUCCESS) {
    vm = NULL;
    return err;
  }
  mvm_initializeHandle(vm, &result);
  return MVM_E_SUCCESS;
}

EXPORT(glue_dispose) void glue_dispose(void) {
  if (vm) mvm_free(vm);
  vm = NULL;
  glue_free(snapshot);
  snapshot = NULL;
  snapshotSize = 0;
  glue_free(exportTable);
  exportTable = NULL;
  exportCount = 0;
}

/* Index of the export (>= 0), or -error: unknown id or not a function. */
EXPORT(glue_resolve_export) int32_t glue_resolveExport(uint32_t exportId) {
  if (!vm) return -(int32_t)MVM_E_UNEXPECTED;
  mvm_Value value;
  mvm_VMExportID id = (mvm_VMExportID)exportId;
  mvm_TeError err = mvm_resolveExports(vm, &id, &value, 1);
  if (err != MVM_E_SUCCESS) return -(int32_t)err;
  mvm_TeType type = mvm_typeOf(vm, value);
  if (type != VM_T_FUNCTION && type != VM_T_CLASS) return -(int32_t)MVM_E_TARGET_NOT_CALLABLE;
  mvm_Value* grown = glue_malloc((exportCount + 1) * sizeof *exportTable);
  if (!grown) return -(int32_t)MVM_E_MALLOC_FAIL;
  if (exportCount) memcpy(grown, exportTable, exportCount * sizeof *exportTable);
  glue_free(exportTable);
  exportTable = grown;
  exportTable[exportCount] = value;
  return (int32_t)exportCount++;
}

/* ---------------------------- Values from JS ----------------------------- */

EXPORT(glue_scratch) uint8_t* glue_scratch(void) {
  return scratch;
}

EXPORT(glue_pending_count) uint32_t glue_pendingCount(void) {
  return pendingCount;
}

/* Drops pending arguments down to `count` (after a call, or a failed build). */
EXPORT(glue_drop_pending) void glue_dropPending(uint32_t count) {
  while (pendingCount > count) {
    mvm_releaseHandle(vm, &pending[--pendingCount]);
  }
}

static mvm_TeError put(int32_t target, mvm_Value value) {
  if (target == TARGET_HOST_RESULT) {
    if (!hostResult) return MVM_E_UNEXPECTED;
    *hostResult = value; /* a VM stack slot: rooted from here on */
    return MVM_E_SUCCESS;
  }
  if (pendingCount >= MAX_PENDING) return MVM_E_TOO_MANY_ARGUMENTS;
  mvm_Handle* handle = &pending[pendingCount++];
  mvm_initializeHandle(vm, handle);
  mvm_handleSet(handle, value);
  return MVM_E_SUCCESS;
}

EXPORT(glue_put_undefined) int32_t glue_putUndefined(int32_t target) {
  return put(target, mvm_undefined);
}

EXPORT(glue_put_null) int32_t glue_putNull(int32_t target) {
  return put(target, mvm_null);
}

EXPORT(glue_put_bool) int32_t glue_putBool(int32_t target, int32_t value) {
  return put(target, mvm_newBoolean(value != 0));
}

/* May allocate (and so collect): every value built earlier is in a handle. */
EXPORT(glue_put_number) int32_t glue_putNumber(int32_t target, double value) {
  return put(target, mvm_newNumber(vm, value));
}

/* The UTF-8 bytes are in `scratch`. */
EXPORT(glue_put_string) int32_t glue_putString(int32_t target, uint32_t length) {
  /* Checked here because an oversized allocation is fatal inside the engine. */
  if (length > MAX_STRING_BYTES) return MVM_E_ALLOCATION_TOO_LARGE;
  return put(target, mvm_newString(vm, (const char*)scratch, length));
}

/* ------------------------------- Calling --------------------------------- */

EXPORT(glue_set_instruction_budget) void glue_setInstructionBudget(int32_t budget) {
  instructionBudget = budget;
}

/* Calls export `exportIndex` with the last `argCount` pending arguments, which
 * are released when it returns (whatever the outcome). The result (or the
 * thrown value when the error is MVM_E_UNCAUGHT_EXCEPTION) is then readable at
 * SLOT_RESULT. MVM_E_INSTRUCTION_COUNT_REACHED: the budget ran out; the engine
 * unwound the call and the VM takes the next one. */
EXPORT(glue_call) int32_t glue_call(uint32_t exportIndex, uint32_t argCount) {
  if (argCount > pendingCount) return MVM_E_INVALID_ARGUMENTS;
  uint32_t base = pendingCount - argCount;
  mvm_TeError err;
  if (!vm || exportIndex >= exportCount) {
    err = MVM_E_INVALID_ARGUMENTS;
  } else if (argCount > MAX_ARGUMENTS) {
    /* Checked here: mvm_call returns this error without restoring its state. */
    err = MVM_E_TOO_MANY_ARGUMENTS;
  } else if (nesting >= MAX_NESTING) {
    err = MVM_E_STACK_OVERFLOW;
  } else {
    mvm_Value args[MAX_ARGUMENTS];
    for (uint32_t i = 0; i < argCount; i++) args[i] = mvm_handleGet(&pending[base + i]);
    mvm_Value value = mvm_undefined;
    if (nesting == 0) mvm_stopAfterNInstructions(vm, instructionBudget);
    nesting++;
    err = mvm_call(vm, exportTable[exportIndex], &value, args, (uint8_t)argCount);
    nesting--;
    mvm_handleSet(&result, value);
  }
  glue_dropPending(base);
  return err;
}

/* ----------------------------- Values to JS ------------------------------ */

static mvm_Value* slotAt(int32_t slot) {
  if (slot == SLOT_RESULT) return mvm_handleAt(&result);
  if (slot >= 0 && slot < hostArgCount) return &hostArgs[slot];
  return NULL;
}

/* mvm_TeType of the slot's value (VM_T_UNDEFINED for an absent slot). */
EXPORT(glue_type) int32_t glue_type(int32_t slot) {
  mvm_Value* p = slotAt(slot);
  return p ? (int32_t)mvm_typeOf(vm, *p) : VM_T_UNDEFINED;
}

EXPORT(glue_bool) int32_t glue_bool(int32_t slot) {
  mvm_Value* p = slotAt(slot);
  return p ? mvm_toBool(vm, *p) : 0;
}

EXPORT(glue_number) double glue_number(int32_t slot) {
  mvm_Value* p = slotAt(slot);
  return p ? mvm_toFloat64(vm, *p) : 0;
}

/* The slot's value as UTF-8 (converted if it is not a string); the length is
 * then at glue_string_length(). Valid only until the next call into the VM. */
EXPORT(glue_string) const char* glue_string(int32_t slot) {
  mvm_Value* p = slotAt(slot);
  if (!p) return NULL;
  return mvm_toStringUtf8(vm, *p, &stringLength);
}

EXPORT(glue_string_length) uint32_t glue_stringLength(void) {
  return (uint32_t)stringLength;
}

/* The `message` property of the object in the slot, if it is a string: how a
 * thrown error object explains itself. NULL otherwise. */
EXPORT(glue_message) const char* glue_message(int32_t slot) {
  mvm_Value* p = slotAt(slot);
  if (!p || mvm_typeOf(vm, *p) != VM_T_OBJECT) return NULL;
  mvm_Handle name, message;
  mvm_initializeHandle(vm, &name);
  mvm_initializeHandle(vm, &message);
  mvm_handleSet(&name, mvm_newString(vm, "message", 7));
  mvm_handleSet(&message, mvm_undefined);
  /* `p` stays valid across the allocations: it is a handle or a VM stack slot,
   * both of which the GC updates in place. */
  mvm_TeError err = getProperty(vm, p, mvm_handleAt(&name), mvm_handleAt(&message));
  const char* text = NULL;
  if (err == MVM_E_SUCCESS && mvm_typeOf(vm, mvm_handleGet(&message)) == VM_T_STRING) {
    text = mvm_toStringUtf8(vm, mvm_handleGet(&message), &stringLength);
  }
  mvm_releaseHandle(vm, &message);
  mvm_releaseHandle(vm, &name);
  return text;
}

/* ------------------------------ Diagnostics ------------------------------ */

/* mvm_TsMemoryStats: twelve 32-bit size_t fields, in header order. */
/* A snapshot of the VM as it is now (globals and heap), for the server host to store and restore
 * later. Only between calls: the engine's stack is not part of a snapshot. Returns a buffer the
 * caller frees with glue_free_snapshot, or 0 (allocation failed); its size via glue_string_length. */
EXPORT(glue_create_snapshot) void* glue_createSnapshot(void) {
  if (!vm || nesting) return 0;
  size_t size = 0;
  void* bytes = mvm_createSnapshot(vm, &size);
  stringLength = bytes ? size : 0;
  return bytes;
}

EXPORT(glue_free_snapshot) void glue_freeSnapshot(void* bytes) {
  glue_free(bytes);
}

EXPORT(glue_memory_stats) const mvm_TsMemoryStats* glue_memoryStats(void) {
  if (!vm) return &stats;
  mvm_getMemoryStats(vm, &stats);
  /* Microvium 8 sums totalSize from 16-bit truncated addresses (wrong once a
   * bucket straddles a 64 KB boundary). Count what the engine really holds
   * from the allocator instead: everything but our snapshot copy and table. */
  stats.totalSize = glue_allocatedBytes() - snapshotSize - exportCount * sizeof *exportTable;
  return &stats;
}
