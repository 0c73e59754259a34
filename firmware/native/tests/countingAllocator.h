/* hal_malloc/hal_free for a C check program that counts what the code under test takes: its
 * allocations, what is held at once and at the most (the C library knows each block's size:
 * malloc_usable_size), and fails every allocation while failAllocations is set. The program
 * defines hal_malloc and hal_free over the allocator beneath (malloc, or a port's through the
 * linker's --wrap):
 *   void* hal_malloc(size_t size) { return countedMalloc(malloc, size); }
 *   void hal_free(void* pointer) { countedFree(free, pointer); }
 * and defines _GNU_SOURCE before its first include (malloc_usable_size). */
#ifndef SF_COUNTING_ALLOCATOR_H
#define SF_COUNTING_ALLOCATOR_H

#include <malloc.h>
#include <stddef.h>

static int failAllocations, allocations;
/* Bytes held now, at the most, and by the last block handed out. */
static size_t live, peakLive, lastSize;

static inline void* countedMalloc(void* (*allocate)(size_t), size_t size) {
  void* block = failAllocations ? 0 : allocate(size);
  if (!block) return 0;
  allocations++;
  lastSize = malloc_usable_size(block);
  live += lastSize;
  if (live > peakLive) peakLive = live;
  return block;
}

static inline void countedFree(void (*release)(void*), void* pointer) {
  if (pointer) live -= malloc_usable_size(pointer);
  release(pointer);
}

#endif
