/* hal/platform.h's C-library functions, from the POSIX C library. */
#include "../../hal/platform.h"

#include <stdio.h>
#include <stdlib.h>

void* hal_malloc(size_t size) {
  return malloc(size ? size : 1);
}

void hal_free(void* pointer) {
  free(pointer);
}

/* Not measured here: the host's allocator and 64-bit sizes say nothing of a board's heap (the
 * Cortex-M33 image's scripted mode measures it: firmware/native/README.md). */
bool hal_heapUsage(hal_HeapUsage* usage) {
  *usage = (hal_HeapUsage){0, 0, 0};
  return false;
}

int hal_formatDouble(char* buffer, size_t size, int precision, double value) {
  return snprintf(buffer, size, "%.*e", precision > 0 ? precision - 1 : 0, value);
}

double hal_parseDouble(const char* text, size_t* consumed) {
  char* end;
  double value = strtod(text, &end); /* the "C" locale: main never calls setlocale */
  *consumed = (size_t)(end - text);
  return value;
}
