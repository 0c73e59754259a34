/* The device clock on SysTick (a 1 ms interrupt from the 20 MHz system clock), behind the same
 * interface as the POSIX port's clock (ports/posix/clock.h), so the hosted-C files this port
 * shares with it (scripted mode, run-device) run unchanged. Wall time = the host's time at boot
 * (semihosting) + milliseconds since boot; the scripted mode's manual clock as on POSIX. */
#include "../posix/clock.h"

#include "../cortex-m/sysTick.h"
#include "an505.h"
#include "semihosting.h"

static int64_t bootUnixMs;

void sf_clock_start(void) {
  bootUnixMs = (int64_t)sh_time() * 1000;
  sf_sysTick_start(AN505_SYSCLK_HZ);
}

int64_t sf_posixClock_monotonicMs(void) {
  return sf_sysTick_milliseconds();
}

static int64_t now(hal_Clock* base) {
  sf_PosixClock* c = (sf_PosixClock*)base;
  return c->manual ? c->manualNow : bootUnixMs + sf_sysTick_milliseconds();
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
