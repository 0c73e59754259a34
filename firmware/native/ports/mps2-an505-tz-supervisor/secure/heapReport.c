/* ports/posix/heapReport.c for the supervisor-secure build: the secure image's heap (the
 * supervisor's queues and copies), then the engine image's own (the VM's memory, a message's
 * copy), which the engine measures and answers on request (SF_ENGINE_HEAP). Each image's heap is
 * sized from its own line (sizeBudget.json "cortex-m33-tz-supervisor" and "cortex-m33-tz-engine"). */
#include "../../posix/heapReport.h"

#include "../../../hal/platform.h"
#include "engineProxy.h"

bool sf_printHeapUsage(FILE* out) {
  hal_HeapUsage usage;
  if (!hal_heapUsage(&usage)) return false;
  fprintf(out, "heap: peak %u B, %u B in use, the C heap's top %u B\n", (unsigned)usage.peak, (unsigned)usage.inUse, (unsigned)usage.top);
  if (sf_engineProxy_heapUsage(&usage)) fprintf(out, "engine heap: peak %u B, %u B in use, the C heap's top %u B\n", (unsigned)usage.peak, (unsigned)usage.inUse, (unsigned)usage.top);
  return true;
}

size_t sf_heapPeaks(void) {
  hal_HeapUsage secure, engine;
  size_t peaks = hal_heapUsage(&secure) ? secure.peak : 0;
  return peaks + (sf_engineProxy_heapUsage(&engine) ? engine.peak : 0);
}
