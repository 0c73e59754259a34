/* How the secure side ends a call into the engine: by the watchdog, run by the secure SysTick
 * every millisecond (../../cortex-m/sysTick.c, SF_TZ_SECURE_SUPERVISOR), when a call has run past
 * SF_ENGINE_WATCHDOG_MS and the interrupt came from the engine (EXC_RETURN bit 6 clear: a host
 * entry function that runs secure is left to finish); and after a fault in the engine
 * (engineStart.c). The frame the core stacked on the engine's stack is pointed at the engine's
 * abandon code, which returns to the secure caller as the call would have; engineProxy.c then
 * restarts the engine. A callback that never returns, or an engine that faults, can't keep the
 * supervisor (the link, OTA, the other events) from running. */
#include "engineWatchdog.h"

#include "../../mps2-an505-tz/secure/nonSecureMemory.h"
#include "engineProxy.h"

#define EXC_RETURN_SECURE_STACK (1u << 6)
#define EXC_RETURN_PROCESS_STACK (1u << 2)
/* xPSR with only the Thumb bit: no IT block, no flags (whatever the frame held, a fault may
 * have left it half written). */
#define XPSR_THUMB (1u << 24)

bool sf_engineWatchdog_endCall(uint32_t* frame, const char* why) {
  if (!sf_ns_accessible(frame, 8 * sizeof *frame, true)) return false;
  uint32_t abandon = sf_engineProxy_endCall(why);
  if (!abandon) return false;
  frame[6] = abandon & ~1u; /* the stacked pc (the Thumb bit lives in xPSR) */
  frame[7] = XPSR_THUMB;
  return true;
}

void sf_engineWatchdog_tick(uint32_t now, uint32_t excReturn) {
  if ((excReturn & EXC_RETURN_SECURE_STACK) || !sf_engineProxy_overdue(now)) return;
  uint32_t* frame;
  if (excReturn & EXC_RETURN_PROCESS_STACK) __asm__ volatile("mrs %0, psp_ns" : "=r"(frame));
  else __asm__ volatile("mrs %0, msp_ns" : "=r"(frame));
  sf_engineWatchdog_endCall(frame, "the app's callback did not return within the engine watchdog's time; the engine was restarted");
}
