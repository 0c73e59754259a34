/* Called by the reset handler (../../mps2-an505/startup.c, SF_TZ_SECURE_SUPERVISOR) before the
 * device program starts: makes the non-secure world what ../trustzoneMemory.ld says
 * (../../mps2-an505-tz/secure/securityControllers.c: the engine's code and RAM non-secure, all
 * else, the UARTs, the app slots and the state area included, secure), points the non-secure
 * VTOR and main stack at the engine image's vector table and calls its reset handler, which
 * answers how to call the engine (../engineCalls.h). The watchdog restarts it the same way. */
#include <arm_cmse.h>
#include <stdint.h>

#include "../../mps2-an505/an505.h"
#include "../../mps2-an505/faultReport.h"
#include "../../mps2-an505-tz/secure/an505Security.h"
#include "../../mps2-an505-tz/secure/securityControllers.h"
#include "engineProxy.h"
#include "engineWatchdog.h"

extern uint32_t __tz_ns_code[]; /* ../trustzoneMemory.ld: the engine image's vector table */

typedef uint32_t __attribute__((cmse_nonsecure_call)) EngineReset(void);

extern uint32_t __stack_limit; /* ../../mps2-an505/an505Sections.ld: MSPLIM while the program runs */

/* A fault in the engine: the frame it stacked on its own stack (the plain startup.c's handler
 * picks that stack and branches here with EXC_RETURN in lr; it runs in the secure stack's
 * reserve). A read of secure memory is a SecureFault (SFSR.AUVIOL). The report goes to the debug
 * console; then, when a call into the engine was in progress, the call is ended
 * (engineWatchdog.c) and this returns from the fault into the engine's abandon code: the
 * supervisor gets the call's failure and goes on, the engine is restarted. A fault outside a call
 * (the engine's reset) ends the run as the plain image's does. */
__attribute__((used)) void sf_tz_reportEngineFault(uint32_t* frame) {
  sf_FaultText t = {0};
  sf_fault_add(&t, "snapfleet-device: fault in the engine image (non-secure) at ");
  sf_fault_addWhere(&t, frame, 1);
  sf_fault_add(&t, ", SFSR ");
  sf_fault_addHex(&t, SAU_SFSR);
  sf_fault_add(&t, ", SFAR ");
  sf_fault_addHex(&t, SAU_SFAR);
  sf_fault_add(&t, ")");
  /* The engine has no UsageFault handler: its stack running into MSPLIM_NS comes here as a
   * HardFault, the cause in its own bank of the CFSR. The core stops stacking the frame at the
   * limit, so the frame's pc and lr above are not the engine's. */
  if (SCB_NS_CFSR & SCB_CFSR_STKOF) sf_fault_add(&t, ": the engine's stack ran into its limit (MSPLIM_NS; its UFSR.STKOF), the frame above is incomplete");
  sf_fault_add(&t, "\n");
  if (!sf_engineWatchdog_endCall(frame, "the engine image faulted (the report is on the debug console); the engine was restarted")) sf_fault_end(&t);
  sf_fault_flush(&t);
  SAU_SFSR = SAU_SFSR; /* the status bits are cleared by writing them back */
  SCB_CFSR = SCB_CFSR;
  SCB_HFSR = SCB_HFSR;
  SCB_NS_CFSR = SCB_NS_CFSR; /* the engine's, for its next fault's report */
  __asm__ volatile("msr msplim, %0" : : "r"(&__stack_limit) : "memory"); /* the handler lowered it */
}

bool sf_tz_resetEngine(void) {
  __asm__ volatile("msr msp_ns, %0" : : "r"(__tz_ns_code[0]));
  EngineReset* reset = (EngineReset*)cmse_nsfptr_create(__tz_ns_code[1]);
  return sf_engineProxy_connect((const sf_EngineInterface*)reset());
}

void sf_tz_startEngine(void) {
  sf_tz_configureSecurity();
  SCB_NS_VTOR = (uint32_t)__tz_ns_code;
  /* a failed connection leaves every restore failing with a message, not a fault */
  sf_tz_resetEngine();
}
