/* The line that reports the device's heap on a board that measures it (hal_heapUsage):
 *
 *   heap: peak 9344 B, 8112 B in use, the C heap's top 10240 B
 *
 * `peak` is what the device's own blocks took at most (each with newlib-nano's header and
 * rounding: the figure sizeBudget.json's heapPeakBytes is measured with), `top` how far the heap
 * was grown (beside the device's blocks what the port's hosted code took, and the free gaps
 * between blocks). Nothing where the port doesn't measure it (the POSIX host). Parsed by
 * firmware/native/heapReport.ts. */
#ifndef SF_HEAP_REPORT_H
#define SF_HEAP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Prints the line to `out`; false (nothing printed) where the heap isn't measured. The
 * supervisor-secure TrustZone build (its secure/heapReport.c) adds the engine image's heap:
 *
 *   engine heap: peak 6120 B, 2080 B in use, the C heap's top 8192 B
 */
bool sf_printHeapUsage(FILE* out);

/* The peaks the lines report, added up: when it changed, one of them rose (0 where the heap
 * isn't measured). */
size_t sf_heapPeaks(void);

#endif
