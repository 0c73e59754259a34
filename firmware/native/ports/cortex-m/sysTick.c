/* sysTick.h: the 1 ms interrupt and its counter, shared by the Cortex-M ports. */
#include "sysTick.h"

static volatile uint32_t milliseconds;

#if SF_TZ_SECURE_SUPERVISOR
/* The supervisor-secure TrustZone build's watchdog on calls into the engine
 * (../mps2-an505-tz-supervisor/secure/engineWatchdog.h); `excReturn`: which world was interrupted. */
void sf_engineWatchdog_tick(uint32_t now, uint32_t excReturn);
#endif

void SysTick_Handler(void) {
  milliseconds++;
#if SF_TZ_SECURE_SUPERVISOR
  sf_engineWatchdog_tick(milliseconds, (uint32_t)__builtin_return_address(0));
#endif
}

void sf_sysTick_start(uint32_t cpuHz) {
  SYST_RVR = cpuHz / 1000 - 1;
  SYST_CVR = 0;
  SYST_CSR = 7; /* processor clock, interrupt, enabled */
}

uint32_t sf_sysTick_milliseconds(void) {
  return milliseconds; /* a 32-bit read is atomic: no need to mask the interrupt */
}
