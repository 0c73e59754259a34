/*
 * Microvium port configuration for snapfleet's WebAssembly engine (see glue.c).
 *
 * Why our own port file: the engine runs one VM per WebAssembly instance, in
 * Node (device host) and in the browser (dashboard), on snapshots that arrived
 * over the network. So: floats on (JS semantics), every safety check on, the
 * largest heap the engine handles in safe mode, and fatal errors that abort the
 * WebAssembly call instead of exit()ing the process.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#define MVM_PORT_VERSION 1

/* Virtual stack, shared by nested (host -> VM -> host -> VM) calls. 2 KB is
 * generous for device-sized scripts and still catches runaway recursion. */
#define MVM_STACK_SIZE 2048

/* Heap grows in 1 KB steps up to just under 32 KB. Not the 16-bit 64 KB: in safe
 * mode pointerOffsetInHeap() asserts that offsets within a bucket are below
 * 0x8000, and the GC compacts the live heap into one bucket, so a live heap over
 * 32 KB fails with MVM_E_ASSERTION_FAILED (what the native binding of the
 * microvium package hits once its leaked handles pile up). Snapshots of 64 KB
 * are mostly bytecode (ROM); their RAM heap must fit in this. */
#define MVM_ALLOCATION_BUCKET_SIZE 1024
#define MVM_MAX_HEAP_SIZE 0x7FFE

#define MVM_NATIVE_POINTER_IS_16_BIT 0
#define MVM_USE_SINGLE_RAM_PAGE 0

#define MVM_SUPPORT_FLOAT 1
#define MVM_FLOAT64 double
#define MVM_FLOAT64_NAN ((MVM_FLOAT64)NAN)
#define MVM_PORT_INT32_OVERFLOW_CHECKS 1

/* Defense in depth: snapshots are sha256-checked before they get here, but a
 * bug in the compiler or the pipeline must end in an error, not in undefined
 * behaviour. Measured cost: a call with one host call takes ~25% longer. */
#define MVM_SAFE_MODE 1
#define MVM_DONT_TRUST_BYTECODE 1
#define MVM_VERY_EXPENSIVE_MEMORY_CHECKS 0
#define MVM_ALL_ERRORS_FATAL 0

/* Instruction budget (mvm_stopAfterNInstructions, set per call by glue.c): a
 * loop that never ends, in a feature or in a corrupt snapshot, stops with
 * MVM_E_INSTRUCTION_COUNT_REACHED instead of hanging the host, which cannot
 * interrupt a WebAssembly call. Costs one countdown per instruction. */
#define MVM_GAS_COUNTER 1

/* Longest chain the engine follows without running bytecode, which the
 * instruction budget can't stop (scripts/build-engine.mjs patches property
 * reads and writes, key listing and the GC): property-list segments,
 * prototypes, array and class delegates. More links than a 64 KB snapshot and a
 * 32 KB heap can hold means a loop, which only a corrupt snapshot makes; the
 * operation fails with MVM_E_INVALID_BYTECODE. */
#define SNAPFLEET_MAX_CHAIN_LINKS 0x8000

/* Bytecode lives in the same linear memory as RAM: long pointers are plain. */
#define MVM_LONG_PTR_TYPE void*
#define MVM_LONG_PTR_NEW(p) ((MVM_LONG_PTR_TYPE)(p))
#define MVM_LONG_PTR_TRUNCATE(p) ((void*)(p))
#define MVM_LONG_PTR_ADD(p, s) ((MVM_LONG_PTR_TYPE)((uint8_t*)(p) + (intptr_t)(s)))
#define MVM_LONG_PTR_SUB(p2, p1) ((int16_t)((uint8_t*)(p2) - (uint8_t*)(p1)))
#define MVM_READ_LONG_PTR_1(lpSource) (*((uint8_t*)(lpSource)))
#define MVM_READ_LONG_PTR_2(lpSource) (*((uint16_t*)(lpSource)))
#define MVM_LONG_MEM_CMP(p1, p2, size) memcmp(p1, p2, size)
#define MVM_LONG_MEM_CPY(target, source, size) memcpy(target, source, size)

/* A fatal error calls a JS import that throws: the throw unwinds every
 * WebAssembly frame (control never returns to the engine) and the JS side
 * discards the instance, which owns nothing else. */
__attribute__((import_module("env"), import_name("fatal_error"), noreturn))
void glue_fatalError(int error);
#define MVM_FATAL_ERROR(vm, e) glue_fatalError(e)

#define MVM_SWITCH(tag, upper) switch (tag)
#define MVM_CASE(value) case value

/* The snapshot's CRC16-CCITT (the compiler's checksum), implemented in glue.c. */
uint16_t glue_crc16ccitt(const void* data, uint16_t size);
#define MVM_CHECK_CRC16_CCITT(lpData, size, expected) (glue_crc16ccitt(lpData, size) == (expected))

/* snprintf replacement (numberFormat.c). microvium.c 8.0.0 formats only int32
 * with "%" PRId32 and doubles with "%.15g", so the value's type selects. */
#include "numberFormat.h"
#define MVM_SNPRINTF(buf, size, format, value) \
  _Generic((value), double: glue_formatFloat64, default: glue_formatInt32)(buf, size, value)

/* The server host snapshots a running VM after each event batch, so its state (a feature's
 * closures and globals) survives a restart (glue_create_snapshot). */
#define MVM_INCLUDE_SNAPSHOT_CAPABILITY 1
#define MVM_INCLUDE_DEBUG_CAPABILITY 0

/* Makes getProperty() linkable, to read `message` from a thrown object. */
#define MVM_EXPOSE_INTERNALS 1

/* Our own small allocator (allocator.c) instead of wasi-libc's dlmalloc. */
void* glue_malloc(size_t size);
void glue_free(void* ptr);
size_t glue_allocatedBytes(void); /* live bytes, as requested */
#define MVM_MALLOC(size) glue_malloc(size)
#define MVM_FREE(ptr) glue_free(ptr)
#define MVM_CONTEXTUAL_MALLOC(size, context) MVM_MALLOC(size)
#define MVM_CONTEXTUAL_FREE(ptr, context) MVM_FREE(ptr)
