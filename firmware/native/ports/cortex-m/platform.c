/* hal/platform.h's C-library functions on the Cortex-M ports: newlib-nano's malloc, and numbers
 * as text with decimalConversion.c instead of newlib's printf and strtod (soft-float dtoa and its
 * tables; printf's float support must be linked in on purpose, -u _printf_float). */
#include "../../hal/platform.h"

#include <stdlib.h>

#include "decimalConversion.h"

void* hal_malloc(size_t size) {
  return malloc(size ? size : 1);
}

void hal_free(void* pointer) {
  free(pointer);
}

int hal_formatDouble(char* buffer, size_t size, int precision, double value) {
  return sf_formatExponential(buffer, size, precision, value);
}

double hal_parseDouble(const char* text, size_t* consumed) {
  return sf_parseDecimal(text, consumed);
}
