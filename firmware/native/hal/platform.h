/*
 * Everything the core, the supervisor and the OTA agent get from a port, plus the few C-library
 * functions they need. The core is freestanding (no libc headers), so these are declared here
 * and every port provides them: a hosted port from its C library, a microcontroller port from
 * newlib/picolibc. The build checks that core/, supervisor/ and ota/ include nothing else.
 */
#ifndef SF_HAL_PLATFORM_H
#define SF_HAL_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "clock.h"
#include "net.h"
#include "random.h"
#include "storage.h"

typedef struct hal_Platform {
  hal_Clock* clock;
  hal_Board* board;
  hal_Net* net;
  hal_Storage* storage;
  hal_Random* random;
} hal_Platform;

/* Memory for the engine and the supervisor's queues (malloc/free semantics; NULL when out). */
void* hal_malloc(size_t size);
void hal_free(void* pointer);

/* What hal_malloc's blocks take of the C heap, each with the allocator's header and rounding:
 * at most since boot and now (`top`: how far the heap was ever grown, with what the port's own
 * code took and what lies free between blocks). For sizing a small board's heap from a run
 * (firmware/native/README.md, "heap: peak"); false where the port doesn't measure it (a POSIX
 * host: its allocator and 64-bit sizes are not a board's). */
typedef struct hal_HeapUsage {
  size_t peak, inUse, top;
} hal_HeapUsage;
bool hal_heapUsage(hal_HeapUsage* usage);

/* Numbers as text, from the port's C library: the core builds JavaScript's number formatting
 * and parsing on these two. hal_formatDouble prints like snprintf(buffer, size, "%.*e",
 * precision - 1, value) and returns the length; hal_parseDouble parses like strtod and sets
 * `*consumed` to the number of characters used (0: none). */
int hal_formatDouble(char* buffer, size_t size, int precision, double value);
double hal_parseDouble(const char* text, size_t* consumed);

#endif
