#include "vmMemory.h"

#include "../hal/platform.h"

typedef struct Block {
  struct Block* previous;
  struct Block* next;
  size_t size;
  size_t padding; /* keeps the payload 16-byte aligned (Microvium needs even addresses) */
} Block;

static Block* blocks;
static size_t used, peak;

void* sf_vmMalloc(size_t size) {
  Block* b = hal_malloc(sizeof(Block) + size);
  if (!b) return 0;
  b->previous = 0;
  b->next = blocks;
  b->size = size;
  if (blocks) blocks->previous = b;
  blocks = b;
  used += size;
  if (used > peak) peak = used;
  return b + 1;
}

void sf_vmFree(void* pointer) {
  if (!pointer) return;
  Block* b = (Block*)pointer - 1;
  if (b->previous) b->previous->next = b->next;
  else blocks = b->next;
  if (b->next) b->next->previous = b->previous;
  used -= b->size;
  hal_free(b);
}

void sf_vmMemory_releaseAll(void) {
  while (blocks) sf_vmFree(blocks + 1);
}

size_t sf_vmMemory_used(void) {
  return used;
}

size_t sf_vmMemory_peak(void) {
  return peak;
}

void sf_vmMemory_resetPeak(void) {
  peak = used;
}
