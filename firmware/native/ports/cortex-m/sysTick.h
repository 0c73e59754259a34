/* The millisecond clock every Cortex-M port has: SysTick, an architecture timer at the same
 * address on every Cortex-M (Armv6-M and Armv8-M), interrupting once a millisecond. */
#ifndef SF_SYS_TICK_H
#define SF_SYS_TICK_H

#include <stdint.h>

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)

/* Starts the 1 ms interrupt from the processor clock (cpuHz). */
void sf_sysTick_start(uint32_t cpuHz);
/* Milliseconds since sf_sysTick_start (wraps after 49 days). */
uint32_t sf_sysTick_milliseconds(void);

#endif
