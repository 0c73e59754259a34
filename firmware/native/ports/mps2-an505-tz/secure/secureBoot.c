/* The TrustZone build's secure image: the core's reset lands here (secure state, VTOR_S =
 * 0x10000000). It sets up its own RAM, makes the non-secure world what trustzoneMemory.ld says
 * (securityControllers.c), points the non-secure VTOR and main stack at the non-secure image's
 * vector table and calls its reset handler with BLXNS (a cmse_nonsecure_call: the compiler
 * clears the secure registers first). It never comes back: the non-secure program ends QEMU
 * through semihosting. The faults that target the secure state (HardFault, BusFault and
 * SecureFault with AIRCR.BFHFNMINS = 0) come here from either world and are reported like the
 * plain port reports them (../mps2-an505/startup.c): a line on the debug console, exit status 70. */
#include <arm_cmse.h>
#include <stdint.h>
#include <string.h>

#include "../../mps2-an505/an505.h"
#include "../../mps2-an505/semihosting.h"
#include "an505Security.h"
#include "securityControllers.h"

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end;
extern uint32_t __tz_ns_code[]; /* trustzoneMemory.ld: the non-secure image's vector table */
void Reset_Handler(void);

#define FAULT_STATUS 70
#define EXC_RETURN_SECURE_STACK (1u << 6)
#define EXC_RETURN_PROCESS_STACK (1u << 2)

typedef void __attribute__((cmse_nonsecure_call)) NonSecureReset(void);

static char* hex(char* out, const char* label, uint32_t value) {
  while (*label) *out++ = *label++;
  *out++ = '0', *out++ = 'x';
  for (int shift = 28; shift >= 0; shift -= 4) *out++ = "0123456789abcdef"[(value >> shift) & 15];
  return out;
}

/* `frame`: the stacked r0-r3, r12, lr, pc, xPSR of the code that faulted; `excReturn` says on
 * which world's stack it is. */
__attribute__((used)) static void reportFault(const uint32_t* frame, uint32_t excReturn) {
  char text[200], *p = text;
  const char* intro = (excReturn & EXC_RETURN_SECURE_STACK) ? "snapfleet-device: fault in the secure image" : "snapfleet-device: fault in the non-secure image";
  while (*intro) *p++ = *intro++;
  p = hex(p, " at pc ", frame[6]);
  p = hex(p, " (lr ", frame[5]);
  p = hex(p, ", CFSR ", SCB_CFSR);
  p = hex(p, ", HFSR ", SCB_HFSR);
  p = hex(p, ", SFSR ", SAU_SFSR);
  p = hex(p, ", SFAR ", SAU_SFAR);
  *p++ = ')', *p++ = '\n';
  sh_write(sh_open(":tt", SH_MODE_APPEND), text, (size_t)(p - text));
  sh_exit(FAULT_STATUS);
}

/* Naked: picks the stack the frame was pushed on (EXC_RETURN bit 6: secure or non-secure; bit 2:
 * main or process) before C touches the registers. */
__attribute__((naked)) static void faultHandler(void) {
  __asm__ volatile(
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
  memcpy(&__data_start, &__data_load, (size_t)((char*)&__data_end - (char*)&__data_start));
  memset(&__bss_start, 0, (size_t)((char*)&__bss_end - (char*)&__bss_start));
  SCB_VTOR = (uint32_t)VECTORS;
  SCB_CPACR |= 0xFu << 20; /* the FPU for the secure state (the build's -mfloat-abi=hard) */
  sf_tz_configureSecurity();
  SCB_NS_VTOR = (uint32_t)__tz_ns_code;
  __asm__ volatile("msr msp_ns, %0" : : "r"(__tz_ns_code[0]));
  NonSecureReset* reset = (NonSecureReset*)cmse_nsfptr_create(__tz_ns_code[1]);
  reset();
  sh_exit(FAULT_STATUS); /* the non-secure reset handler returned: nothing to run */
}
