/* The engine's memory: hal_malloc blocks, each linked into one list, so a VM stopped by a fatal
 * engine error (whose own structures can't be trusted to free) is released whole, and the heap
 * in use can be reported. One engine instance at a time per process. */
#ifndef SF_VM_MEMORY_H
#define SF_VM_MEMORY_H

#include <stddef.h>

void* sf_vmMalloc(size_t size);
void sf_vmFree(void* pointer);
/* Frees every block still allocated. */
void sf_vmMemory_releaseAll(void);
/* Bytes in use now and at most since the last reset. */
size_t sf_vmMemory_used(void);
size_t sf_vmMemory_peak(void);
void sf_vmMemory_resetPeak(void);

#endif
