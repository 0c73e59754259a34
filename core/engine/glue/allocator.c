/*
 * malloc/free for the engine, on top of WebAssembly memory.grow.
 *
 * Why not wasi-libc's dlmalloc: it is ~12 KB of the module for a workload of a
 * few dozen live blocks (VM core, heap buckets, the per-call stack, the
 * snapshot). A first-fit list over one contiguous region is enough, and the
 * whole region is dropped with the instance.
 */
#include <stddef.h>
#include <stdint.h>

#include "microvium.h"

/* Every block starts with this header; sizes include it and are multiples of
 * 8, so payloads are 8-byte aligned (Microvium needs even addresses). */
typedef struct Block {
  uint32_t size;
  uint32_t requested; /* bytes asked for; 0 = free */
} Block;

#define PAGE_SIZE 65536u
#define MIN_SPLIT 64u /* don't leave free fragments smaller than this */

extern unsigned char __heap_base; /* first free byte after stack and data */

static Block* first; /* lowest block; blocks tile [first, end) */
static Block* end;
static size_t allocatedBytes;

static Block* nextBlock(Block* b) {
  return (Block*)((uint8_t*)b + b->size);
}

/* Extends the tiled region by `bytes`, growing linear memory as needed. */
static Block* extend(uint32_t bytes) {
  uintptr_t newEnd = (uintptr_t)end + bytes;
  uintptr_t available = __builtin_wasm_memory_size(0) * PAGE_SIZE;
  if (newEnd < (uintptr_t)end) return NULL;
  if (newEnd > available) {
    uintptr_t pages = (newEnd - available + PAGE_SIZE - 1) / PAGE_SIZE;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return NULL;
  }
  Block* b = end;
  b->size = bytes;
  b->requested = 0;
  end = (Block*)newEnd;
  return b;
}

void* glue_malloc(size_t size) {
  if (!first) first = end = (Block*)(((uintptr_t)&__heap_base + 7) & ~(uintptr_t)7);
  if (size > 0x4000000) return NULL; /* 64 MB: far beyond any Microvium need */
  if (size == 0) size = 1;
  uint32_t needed = (uint32_t)((size + sizeof(Block) + 7) & ~(size_t)7);

  Block* found = NULL;
  Block* lastFree = NULL; /* free block touching `end`, if any */
  for (Block* b = first; b < end; b = nextBlock(b)) {
    if (b->requested) continue;
    /* Coalesce lazily: absorb the free blocks that follow. */
    for (Block* n = nextBlock(b); n < end && !n->requested; n = nextBlock(b)) b->size += n->size;
    if (b->size >= needed) {
      found = b;
      break;
    }
    if (nextBlock(b) == end) lastFree = b;
  }

  if (!found) {
    if (lastFree) {
      if (!extend(needed - lastFree->size)) return NULL;
      lastFree->size = needed;
      found = lastFree;
    } else {
      found = extend(needed);
      if (!found) return NULL;
    }
  }

  if (found->size - needed >= MIN_SPLIT) {
    Block* rest = (Block*)((uint8_t*)found + needed);
    rest->size = found->size - needed;
    rest->requested = 0;
    found->size = needed;
  }
  found->requested = (uint32_t)size;
  allocatedBytes += size;
  return found + 1;
}

void glue_free(void* p) {
  if (!p) return;
  Block* b = (Block*)p - 1;
  if (b < first || b >= end || !b->requested) glue_fatalError(MVM_E_HEAP_CORRUPT);
  allocatedBytes -= b->requested;
  b->requested = 0;
}

size_t glue_allocatedBytes(void) {
  return allocatedBytes;
}
