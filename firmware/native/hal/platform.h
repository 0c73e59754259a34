/*
 * Everything the core, the supervisor and the OTA agent get from a port, plus the few C-library
 * functions they need. The core is freestanding (no libc headers), so these are declared here
 * and every port provides them: a hosted port from its C library, a microcontroller port from
 * newlib/picolibc. The build checks that core/, supervisor/ and ota/ include nothing else.
 */
#ifndef SF_HAL_PLATFORM_H
#define SF_HAL_PLATFORM_H

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

/* Numbers as text, from the port's C library: the core builds JavaScript's number formatting
 * and parsing on these two. hal_formatDouble prints like snprintf(buffer, size, "%.*e",
 * precision - 1, value) and returns the length; hal_parseDouble parses like strtod and sets
 * `*consumed` to the number of characters used (0: none). */
int hal_formatDouble(char* buffer, size_t size, int precision, double value);
double hal_parseDouble(const char* text, size_t* consumed);

#endif
