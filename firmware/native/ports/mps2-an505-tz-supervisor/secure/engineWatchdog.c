/* The secure watchdog on calls into the engine, run by the secure SysTick every millisecond
 * (../../cortex-m/sysTick.c, SF_TZ_SECURE_SUPERVISOR). When a call has run past
 * SF_ENGINE_WATCHDOG_MS (engineProxy.c says) and the interrupt came from the engine (EXC_RETURN
 * bit 6 clear: a host entry function that runs secure is left to finish), the frame the core
 * stacked on the engine's stack is pointed at the engine's abandon code, which returns to the
 * secure caller as the call would have; engineProxy.c then restarts the engine. A callback that
 * never returns can't keep the supervisor (the link, OTA, the other events) from running. */
#include <stdint.h>

#include "../../mps2-an505-tz/secure/nonSecureMemory.h"
#include "engineProxy.h"

#define EXC_RETURN_SECURE_STACK (1u << 6)
#define EXC_RETURN_PROCESS_STACK (1u << 2)
/* xPSR's IT/ICI bits (an instruction interrupted mid-block): cleared for the new pc. */
#define XPSR_IT_ICI ((0x3Fu << 10) | (0x3u << 25))

void sf_engineWatchdog_tick(uint32_t now, uint32_t excReturn) {
  if (excReturn & EXC_RETURN_SECURE_STACK) return;
  uint32_t abandon = sf_engineProxy_overdue(now);
  if (!abandon) return;
  uint32_t* frame;
  if (excReturn & EXC_RETURN_PROCESS_STACK) __asm__ volatile("mrs %0, psp_ns" : "=r"(frame));
  else __asm__ volatile("mrs %0, msp_ns" : "=r"(frame));
  if (!sf_ns_accessible(frame, 8 * sizeof *frame, true)) return;
  frame[6] = abandon & ~1u; /* the stacked pc (the Thumb bit lives in xPSR) */
  frame[7] &= ~XPSR_IT_ICI;
}
