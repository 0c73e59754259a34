#include "growArray.h"

#include "../hal/platform.h"

void* sf_growArray(void* items, uint32_t count, uint32_t* capacity, size_t itemSize, uint32_t initial) {
  if (count < *capacity) return items;
  uint32_t grownCapacity = *capacity ? *capacity * 2 : initial;
  void* grown = hal_malloc(grownCapacity * itemSize);
  if (!grown) return 0;
  if (count) __builtin_memcpy(grown, items, count * itemSize);
  hal_free(items);
  *capacity = grownCapacity;
  return grown;
}
