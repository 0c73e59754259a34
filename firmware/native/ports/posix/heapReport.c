#include "heapReport.h"

#include <stdbool.h>

#include "../../hal/platform.h"

bool sf_printHeapUsage(FILE* out) {
  hal_HeapUsage usage;
  if (!hal_heapUsage(&usage)) return false;
  fprintf(out, "heap: peak %u B, %u B in use, the C heap's top %u B\n", (unsigned)usage.peak, (unsigned)usage.inUse, (unsigned)usage.top);
  return true;
}

size_t sf_heapPeaks(void) {
  hal_HeapUsage usage;
  return hal_heapUsage(&usage) ? usage.peak : 0;
}
