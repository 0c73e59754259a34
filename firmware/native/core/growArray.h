/* Room for one more item in an array from hal_malloc (the HAL has no realloc). */
#ifndef SF_GROW_ARRAY_H
#define SF_GROW_ARRAY_H

#include <stddef.h>
#include <stdint.h>

/* Returns `items` when it has room for item `count` (count < *capacity); else a copy twice the
 * size (`initial` items the first time), with `items` freed and *capacity updated; NULL when out
 * of memory (`items` and *capacity unchanged). */
void* sf_growArray(void* items, uint32_t count, uint32_t* capacity, size_t itemSize, uint32_t initial);

#endif
