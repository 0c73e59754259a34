/* The device clock: wall time (CLOCK_REALTIME, unix ms) or, in scripted mode, a manual clock the
 * script advances (firmware/clock.ts's ManualClock, which starts at 1,700,000,000,000). */
#ifndef SF_POSIX_CLOCK_H
#define SF_POSIX_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "../../hal/clock.h"

#define SF_MANUAL_CLOCK_START 1700000000000LL

typedef struct sf_PosixClock {
  hal_Clock base;
  bool manual;
  int64_t manualNow;
} sf_PosixClock;

void sf_posixClock_init(sf_PosixClock* clock);
void sf_posixClock_setManual(sf_PosixClock* clock, int64_t now);
/* Monotonic milliseconds, for waiting and measuring. */
int64_t sf_posixClock_monotonicMs(void);

#endif
