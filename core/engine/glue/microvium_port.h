/*
 * Microvium port configuration for snapfleet's WebAssembly engine (see glue.c).
 *
 * Why our own port file: the engine runs one VM per WebAssembly instance, in
 * Node (device host) and in the browser (dashboard), on snapshots that arrived
 * over the network. The settings every port shares (floats on, every safety
 * check on, the heap, the instruction budget) are in engineSettings.h; here:
 * fatal errors abort the WebAssembly call instead of exit()ing the process,
 * bytecode and RAM share one linear memory, and our own allocator.
 */
#pragma once

#include <math.h>
#include <string.h>

/* The server host snapshots a running VM after each event batch, so its state (a feature's
 * closures and globals) survives a restart (glue_create_snapshot). Devices don't: the shared
 * settings leave it out of the native build. */
#define MVM_INCLUDE_SNAPSHOT_CAPABILITY 1
#include "engineSettings.h"

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

/* The snapshot's CRC16-CCITT (the compiler's checksum), implemented in glue.c. */
uint16_t glue_crc16ccitt(const void* data, uint16_t size);
#define MVM_CHECK_CRC16_CCITT(lpData, size, expected) (glue_crc16ccitt(lpData, size) == (expected))

/* Our own small allocator (allocator.c) instead of wasi-libc's dlmalloc. */
void* glue_malloc(size_t size);
void glue_free(void* ptr);
size_t glue_allocatedBytes(void); /* live bytes, as requested */
#define MVM_MALLOC(size) glue_malloc(size)
#define MVM_FREE(ptr) glue_free(ptr)
