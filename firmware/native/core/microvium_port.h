/*
 * Microvium port configuration for the native device. The engine settings are the WebAssembly
 * engine's, from one place (core/engine/glue/engineSettings.h, on the include path of the
 * firmware build), so a snapshot behaves the same on both.
 *
 * Differences, and why: memory comes from the port (hal_malloc, tracked per VM by vmMemory.c so
 * a VM stopped by a fatal error can be freed whole), and a fatal error jumps back to the call
 * that entered the engine (vm.c) instead of throwing to JavaScript. Freestanding: compiler
 * builtins instead of <string.h> and <math.h>.
 */
#ifndef SF_MICROVIUM_PORT_H
#define SF_MICROVIUM_PORT_H

#include "engineSettings.h"

#define MVM_LONG_PTR_TYPE const void*
#define MVM_LONG_PTR_NEW(p) ((MVM_LONG_PTR_TYPE)(p))
#define MVM_LONG_PTR_TRUNCATE(p) ((void*)(p))
#define MVM_LONG_PTR_ADD(p, s) ((MVM_LONG_PTR_TYPE)((const uint8_t*)(p) + (intptr_t)(s)))
#define MVM_LONG_PTR_SUB(p2, p1) ((int16_t)((const uint8_t*)(p2) - (const uint8_t*)(p1)))
#define MVM_READ_LONG_PTR_1(lpSource) (*((const uint8_t*)(lpSource)))
#define MVM_READ_LONG_PTR_2(lpSource) (*((const uint16_t*)(lpSource)))
#define MVM_LONG_MEM_CMP(p1, p2, size) __builtin_memcmp(p1, p2, size)
#define MVM_LONG_MEM_CPY(target, source, size) __builtin_memcpy(target, source, size)

/* Never returns: unwinds to the engine call in progress (vm.c), which stops the VM. */
__attribute__((noreturn)) void sf_vmFatalError(void* vm, int error);
#define MVM_FATAL_ERROR(vm, e) sf_vmFatalError(vm, e)

/* The fuzz harness (ports/posix/fuzz/restoreFuzz.c) restores mutated snapshots without the
 * checksum, so the mutations reach the engine's decoding instead of all failing at the CRC. */
#ifdef SF_FUZZ_SKIP_CRC
#define MVM_CHECK_CRC16_CCITT(lpData, size, expected) ((void)(lpData), (void)(size), (void)(expected), 1)
#endif

void* sf_vmMalloc(size_t size);
void sf_vmFree(void* pointer);
#define MVM_MALLOC(size) sf_vmMalloc(size)
#define MVM_FREE(ptr) sf_vmFree(ptr)

#endif
