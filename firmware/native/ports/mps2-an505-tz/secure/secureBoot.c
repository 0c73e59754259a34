/* The TrustZone build's secure image: the core's reset lands here (secure state, VTOR_S =
 * 0x10000000). It sets up its own RAM, makes the non-secure world what trustzoneMemory.ld says
 * (securityControllers.c), points the non-secure VTOR and main stack at the non-secure image's
 * vector table and calls its reset handler with BLXNS (a cmse_nonsecure_call: the compiler
 * clears the secure registers first). It never comes back: the non-secure program ends QEMU
 * through semihosting. The faults that target the secure state (HardFault, BusFault and
 * SecureFault with AIRCR.BFHFNMINS = 0) come here from either world and are reported like the
 * plain port reports them (../mps2-an505/faultReport.h): a line on the debug console, exit status
 * 70. Its own stack has a limit (MSPLIM_S) as the plain image's has; the non-secure image sets
 * its own (MSPLIM_NS) in its reset handler, the plain image's startup.c. */
#include <arm_cmse.h>
#include <stdint.h>
#include <string.h>

#include "../../mps2-an505/an505.h"
#include "../../mps2-an505/faultReport.h"
#include "../../mps2-an505/semihosting.h"
#include "an505Security.h"
#include "securityControllers.h"

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end;
extern uint32_t __stack_bottom, __stack_limit; /* secure.ld: the stack's bottom and MSPLIM_S */
extern uint32_t __tz_ns_code[]; /* trustzoneMemory.ld: the non-secure image's vector table */
void Reset_Handler(void);

#define EXC_RETURN_SECURE_STACK (1u << 6)
#define EXC_RETURN_PROCESS_STACK (1u << 2)

typedef void __attribute__((cmse_nonsecure_call)) NonSecureReset(void);

/* `frame`: the stacked r0-r3, r12, lr, pc, xPSR of the code that faulted (not written when the
 * secure stack overflowed with no room for them); `excReturn` says on which world's stack it is. */
__attribute__((used)) static void reportFault(const uint32_t* frame, uint32_t excReturn) {
  sf_FaultText t = {0};
  uint32_t cfsr = SCB_CFSR;
  int secureStack = (excReturn & EXC_RETURN_SECURE_STACK) != 0;
  /* the secure UFSR: the non-secure image's overflows are its own UsageFaults (startup.c) */
  if (cfsr & SF_CFSR_STKOF) sf_fault_addStackOverflow(&t, "the secure image's stack", (uintptr_t)&__stack_bottom, (uintptr_t)&__stack_limit, (uintptr_t)&__stack_top);
  sf_fault_add(&t, secureStack ? "snapfleet-device: fault in the secure image at " : "snapfleet-device: fault in the non-secure image at ");
  sf_fault_addWhere(&t, frame, !secureStack || sf_fault_frameStacked(cfsr, (uintptr_t)frame, (uintptr_t)&__stack_limit));
  sf_fault_add(&t, ", SFSR ");
  sf_fault_addHex(&t, SAU_SFSR);
  sf_fault_add(&t, ", SFAR ");
  sf_fault_addHex(&t, SAU_SFAR);
  sf_fault_add(&t, ")\n");
  sf_fault_end(&t);
}

/* Naked: first MSPLIM_S goes down to the stack's bottom before anything is pushed, so the report
 * runs in the reserve under the limit (../mps2-an505/startup.c says why); then it picks the
 * stack the frame was pushed on (EXC_RETURN bit 6: secure or non-secure; bit 2: main or process)
 * before C touches the registers. */
__attribute__((naked)) static void faultHandler(void) {
  __asm__ volatile(
      "movw r0, #:lower16:__stack_bottom\n movt r0, #:upper16:__stack_bottom\n msr msplim, r0\n"
      "mov r1, lr\n tst lr, #64\n beq 1f\n"
      "tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n b reportFault\n"
      "1: tst lr, #4\n ite eq\n mrseq r0, msp_ns\n mrsne r0, psp_ns\n b reportFault");
}

__attribute__((section(".vectors"), used)) static const void* const VECTORS[16] = {
    &__stack_top, Reset_Handler, faultHandler /* NMI */, faultHandler /* HardFault */,
    faultHandler /* MemManage */, faultHandler /* BusFault */, faultHandler /* UsageFault */, faultHandler /* SecureFault */,
    0, 0, 0, faultHandler /* SVCall */, faultHandler /* DebugMonitor */, 0, faultHandler /* PendSV */, faultHandler /* SysTick */,
};

void Reset_Handler(void) {
  /* First: the secure stack's limit (MSPLIM_S; at once for the running stack, SP is at its top).
   * The secure image's process stack is never used, so PSPLIM_S isn't set. */
  __asm__ volatile("msr msplim, %0" : : "r"(&__stack_limit) : "memory");
  SCB_SHCSR |= SF_SHCSR_USGFAULTENA;
  memcpy(&__data_start, &__data_load, (size_t)((char*)&__data_end - (char*)&__data_start));
  memset(&__bss_start, 0, (size_t)((char*)&__bss_end - (char*)&__bss_start));
  SCB_VTOR = (uint32_t)VECTORS;
  SCB_CPACR |= 0xFu << 20; /* the FPU for the secure state (the build's -mfloat-abi=hard) */
  sf_tz_configureSecurity();
  SCB_NS_VTOR = (uint32_t)__tz_ns_code;
  __asm__ volatile("msr msp_ns, %0" : : "r"(__tz_ns_code[0]));
  NonSecureReset* reset = (NonSecureReset*)cmse_nsfptr_create(__tz_ns_code[1]);
  reset();
  sh_exit(SF_FAULT_STATUS); /* the non-secure reset handler returned: nothing to run */
}
