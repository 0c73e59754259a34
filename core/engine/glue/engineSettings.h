/*
 * The engine settings every snapfleet port of Microvium shares, so that a snapshot behaves the
 * same on each: the WebAssembly engine (core/engine/glue/microvium_port.h) and the native device
 * (firmware/native/core/microvium_port.h) include this, then add what differs (memory, fatal
 * errors, long pointers). Freestanding: compiler builtins only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
#define MVM_FLOAT64_NAN (__builtin_nan(""))
#define MVM_PORT_INT32_OVERFLOW_CHECKS 1

/* Defense in depth: snapshots are sha256-checked before they get here, but a
 * bug in the compiler or the pipeline must end in an error, not in undefined
 * behaviour. Measured cost: a call with one host call takes ~25% longer. */
#define MVM_SAFE_MODE 1
#define MVM_DONT_TRUST_BYTECODE 1
#define MVM_VERY_EXPENSIVE_MEMORY_CHECKS 0
#define MVM_ALL_ERRORS_FATAL 0

/* Instruction budget (mvm_stopAfterNInstructions, set per call by the host): a
 * loop that never ends, in a feature or in a corrupt snapshot, stops with
 * MVM_E_INSTRUCTION_COUNT_REACHED instead of hanging the host, which cannot
 * interrupt the call. Costs one countdown per instruction. */
#define MVM_GAS_COUNTER 1

/* Longest chain the engine follows without running bytecode, which the
 * instruction budget can't stop (scripts/enginePatches.mjs patches property
 * reads and writes, key listing and the GC): property-list segments,
 * prototypes, array and class delegates. More links than a 64 KB snapshot and a
 * 32 KB heap can hold means a loop, which only a corrupt snapshot makes; the
 * operation fails with MVM_E_INVALID_BYTECODE. */
#define SNAPFLEET_MAX_CHAIN_LINKS 0x8000

#define MVM_SWITCH(tag, upper) switch (tag)
#define MVM_CASE(value) case value

/* snprintf replacement (numberFormat.c). microvium.c 8.0.0 formats only int32
 * with "%" PRId32 and doubles with "%.15g", so the value's type selects. */
#include "numberFormat.h"
#define MVM_SNPRINTF(buf, size, format, value) \
  _Generic((value), double: glue_formatFloat64, default: glue_formatInt32)(buf, size, value)

/* Not needed by a host that only restores and runs snapshots. */
#ifndef MVM_INCLUDE_SNAPSHOT_CAPABILITY
#define MVM_INCLUDE_SNAPSHOT_CAPABILITY 0
#endif
#define MVM_INCLUDE_DEBUG_CAPABILITY 0

/* Makes getProperty() linkable, to read `message` from a thrown object. */
#define MVM_EXPOSE_INTERNALS 1

#define MVM_CONTEXTUAL_MALLOC(size, context) MVM_MALLOC(size)
#define MVM_CONTEXTUAL_FREE(ptr, context) MVM_FREE(ptr)
