#include "clock.h"

#include <time.h>

static int64_t now(hal_Clock* base) {
  sf_PosixClock* c = (sf_PosixClock*)base;
  if (c->manual) return c->manualNow;
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static const hal_ClockOps OPS = {now};

void sf_posixClock_init(sf_PosixClock* c) {
  c->base.ops = &OPS;
  c->manual = false;
  c->manualNow = 0;
}

void sf_posixClock_setManual(sf_PosixClock* c, int64_t t) {
  c->manual = true;
  c->manualNow = t;
}

int64_t sf_posixClock_monotonicMs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
