/*
 * Time for the device: unix milliseconds (what the app's Date.now() and envelope `t` carry) and a
 * way to wait. The supervisor keeps its timers itself (supervisor/timers.c) and asks only for
 * the time; the port's main loop sleeps until the next timer or network event.
 */
#ifndef SF_HAL_CLOCK_H
#define SF_HAL_CLOCK_H

#include <stdint.h>

typedef struct hal_Clock hal_Clock;

typedef struct hal_ClockOps {
  /* Unix time in ms. Never goes backwards within one boot. */
  int64_t (*now)(hal_Clock* clock);
} hal_ClockOps;

struct hal_Clock {
  const hal_ClockOps* ops;
};

#endif
