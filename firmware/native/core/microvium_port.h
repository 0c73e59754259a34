/*
 * Microvium port configuration for the native device (the WebAssembly engine's is
 * core/engine/glue/microvium_port.h). The same engine settings as there, so a snapshot behaves
 * the same on both: floats on, every safety check on, a heap capped just under 32 KB, a 2 KB
 * virtual stack, the instruction budget, the chain-walk bound of the build-time patches
 * (scripts/enginePatches.mjs) and the same number formatting (core/engine/glue/numberFormat.c).
 *
 * Differences, and why: memory comes from the port (hal_malloc, tracked per VM by vmMemory.c so
 * a VM stopped by a fatal error can be freed whole), and a fatal error jumps back to the call
 * that entered the engine (vmHost.c) instead of throwing to JavaScript. Freestanding: compiler
 * builtins instead of <string.h> and <math.h>.
 */
#ifndef SF_MICROVIUM_PORT_H
#define SF_MICROVIUM_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MVM_PORT_VERSION 1

#define MVM_STACK_SIZE 2048
#define MVM_ALLOCATION_BUCKET_SIZE 1024
#define MVM_MAX_HEAP_SIZE 0x7FFE

#define MVM_NATIVE_POINTER_IS_16_BIT 0
#define MVM_USE_SINGLE_RAM_PAGE 0

#define MVM_SUPPORT_FLOAT 1
#define MVM_FLOAT64 double
#define MVM_FLOAT64_NAN (__builtin_nan(""))
#define MVM_PORT_INT32_OVERFLOW_CHECKS 1

#define MVM_SAFE_MODE 1
#define MVM_DONT_TRUST_BYTECODE 1
#define MVM_VERY_EXPENSIVE_MEMORY_CHECKS 0
#define MVM_ALL_ERRORS_FATAL 0

/* The instruction budget per call (mvm_stopAfterNInstructions, set by vmHost.c). */
#define MVM_GAS_COUNTER 1

/* See core/engine/glue/microvium_port.h: the bound on chain walks no budget can stop. */
#define SNAPFLEET_MAX_CHAIN_LINKS 0x8000

#define MVM_LONG_PTR_TYPE const void*
#define MVM_LONG_PTR_NEW(p) ((MVM_LONG_PTR_TYPE)(p))
#define MVM_LONG_PTR_TRUNCATE(p) ((void*)(p))
#define MVM_LONG_PTR_ADD(p, s) ((MVM_LONG_PTR_TYPE)((const uint8_t*)(p) + (intptr_t)(s)))
#define MVM_LONG_PTR_SUB(p2, p1) ((int16_t)((const uint8_t*)(p2) - (const uint8_t*)(p1)))
#define MVM_READ_LONG_PTR_1(lpSource) (*((const uint8_t*)(lpSource)))
#define MVM_READ_LONG_PTR_2(lpSource) (*((const uint16_t*)(lpSource)))
#define MVM_LONG_MEM_CMP(p1, p2, size) __builtin_memcmp(p1, p2, size)
#define MVM_LONG_MEM_CPY(target, source, size) __builtin_memcpy(target, source, size)

/* Never returns: unwinds to the engine call in progress (vmHost.c), which stops the VM. */
__attribute__((noreturn)) void sf_vmFatalError(void* vm, int error);
#define MVM_FATAL_ERROR(vm, e) sf_vmFatalError(vm, e)

#define MVM_SWITCH(tag, upper) switch (tag)
#define MVM_CASE(value) case value

/* The fuzz harness (ports/posix/fuzzRestore.c) restores mutated snapshots without the checksum,
 * so the mutations reach the engine's decoding instead of all failing at the CRC. */
#ifdef SF_FUZZ_SKIP_CRC
#define MVM_CHECK_CRC16_CCITT(lpData, size, expected) ((void)(lpData), (void)(size), (void)(expected), 1)
#endif

/* The WebAssembly engine's formatting (exact "%" PRId32 and "%.15g"), shared so numbers print
 * the same on both. */
int glue_formatInt32(char* buf, size_t size, int32_t value);
int glue_formatFloat64(char* buf, size_t size, double value);
#define MVM_SNPRINTF(buf, size, format, value) \
  _Generic((value), double: glue_formatFloat64, default: glue_formatInt32)(buf, size, value)

#define MVM_INCLUDE_SNAPSHOT_CAPABILITY 0
#define MVM_INCLUDE_DEBUG_CAPABILITY 0

/* Makes getProperty() linkable, to read `message` from a thrown object. */
#define MVM_EXPOSE_INTERNALS 1

void* sf_vmMalloc(size_t size);
void sf_vmFree(void* pointer);
#define MVM_MALLOC(size) sf_vmMalloc(size)
#define MVM_FREE(ptr) sf_vmFree(ptr)
#define MVM_CONTEXTUAL_MALLOC(size, context) MVM_MALLOC(size)
#define MVM_CONTEXTUAL_FREE(ptr, context) MVM_FREE(ptr)

#endif
