/* sysTick.h: the 1 ms interrupt and its counter, shared by the Cortex-M ports. */
#include "sysTick.h"

static volatile uint32_t milliseconds;

void SysTick_Handler(void) {
  milliseconds++;
}

void sf_sysTick_start(uint32_t cpuHz) {
  SYST_RVR = cpuHz / 1000 - 1;
  SYST_CVR = 0;
  SYST_CSR = 7; /* processor clock, interrupt, enabled */
}

uint32_t sf_sysTick_milliseconds(void) {
  return milliseconds; /* a 32-bit read is atomic: no need to mask the interrupt */
}
