/* hal/platform.h's C-library functions on the Cortex-M ports: newlib-nano's malloc, and numbers
 * as text with decimalConversion.c instead of newlib's printf and strtod (soft-float dtoa and its
 * tables; printf's float support must be linked in on purpose, -u _printf_float). */
#include "../../hal/platform.h"

#include <malloc.h>
#include <stdlib.h>

#include "decimalConversion.h"

/* newlib-nano's chunk header before each block (its size field): malloc_usable_size gives the
 * chunk less this, so a block takes usable + CHUNK_HEADER bytes of the heap. */
#define CHUNK_HEADER sizeof(long)

/* hal_malloc's blocks in the allocator's terms: what the device itself takes of the heap, apart
 * from what a port's hosted code (stdio buffers, the QEMU board's simulated pins) takes beside it
 * on the M33, which the M0+ has not. */
static size_t inUse, peak;

size_t sf_heapTop(void); /* newlibSyscalls.c */

void* hal_malloc(size_t size) {
  void* block = malloc(size ? size : 1);
  if (block) {
    inUse += malloc_usable_size(block) + CHUNK_HEADER;
    if (inUse > peak) peak = inUse;
  }
  return block;
}

void hal_free(void* pointer) {
  if (pointer) inUse -= malloc_usable_size(pointer) + CHUNK_HEADER;
  free(pointer);
}

bool hal_heapUsage(hal_HeapUsage* usage) {
  *usage = (hal_HeapUsage){peak, inUse, sf_heapTop()};
  return true;
}

int hal_formatDouble(char* buffer, size_t size, int precision, double value) {
  return sf_formatExponential(buffer, size, precision, value);
}

double hal_parseDouble(const char* text, size_t* consumed) {
  return sf_parseDecimal(text, consumed);
}
