/* Reset and the vector table: the first code the core runs. Sets the stack limit, copies .data
 * from flash, clears .bss, turns the FPU on, starts the 1 ms SysTick, then calls main with the
 * command line the host gave through semihosting (`--count-cycles` first: main's, or a
 * `--tz-probe`'s, run time in system clock cycles goes to the debug console at the end, for
 * bench/cortexM33Dispatch.bench.ts; `--stack-probe overflow`: stackProbe.c). A fault prints
 * where it happened on the debug console and ends the run with status 70 (QEMU exits), so a
 * crash is never a silent hang; a stack overflow says so (faultReport.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cortex-m/sysTick.h"
#include "an505.h"
#include "faultReport.h"
#include "semihosting.h"
#include "uart.h"

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end, __vectors_start;
/* The linker script's stack: its bottom, and the limit MSPLIM holds while the program runs
 * (__fault_reserve bytes above the bottom, for the fault report). */
extern uint32_t __stack_bottom, __stack_limit;
int main(int argc, char** argv);
void sf_clock_start(void);
int64_t sf_posixClock_monotonicMs(void);
void SysTick_Handler(void);
void Reset_Handler(void);

#define MAX_ARGS 64

/* The TrustZone build's boundary probes (`--tz-probe WHAT`, ../mps2-an505-tz/nonSecure/
 * boundaryProbe.c; the plain image's boundaryProbe.c says it has none). */
int sf_boundaryProbe(const char* what);
/* `--stack-probe overflow`: overflows the stack on purpose (stackProbe.c). */
int sf_stackProbe(const char* what);
/* The supervisor-secure TrustZone build: opens the non-secure world and starts the engine there
 * (../mps2-an505-tz-supervisor/secure/engineStart.c). */
void sf_tz_startEngine(void);

#if SF_AN505_NONSECURE
#define STACK_NAME "the non-secure image's main stack"
#else
#define STACK_NAME "the main stack"
#endif

/* `frame`: the stacked r0-r3, r12, lr, pc, xPSR of the code that faulted (not written when a
 * stack overflow left no room for them: faultReport.h), and the fault status. */
__attribute__((used)) static void reportFault(const uint32_t* frame) {
  sf_FaultText t = {0};
  uint32_t cfsr = SCB_CFSR;
  if (cfsr & SF_CFSR_STKOF) sf_fault_addStackOverflow(&t, STACK_NAME, (uintptr_t)&__stack_bottom, (uintptr_t)&__stack_limit, (uintptr_t)&__stack_top);
  sf_fault_add(&t, "snapfleet-device: fault at ");
  sf_fault_addWhere(&t, frame, sf_fault_frameStacked(cfsr, (uintptr_t)frame, (uintptr_t)&__stack_limit));
  sf_fault_add(&t, ", BFAR ");
  sf_fault_addHex(&t, SCB_BFAR);
  sf_fault_add(&t, ")\n");
  sf_fault_end(&t);
}

/* Naked: before anything is pushed, MSPLIM goes down to the stack's bottom, so the report runs
 * in the reserve under the limit (on a stack overflow SP is at the limit: one push more would
 * fault again, and a fault in a HardFault handler locks the core up); then it finds the frame on
 * the stack that was in use (EXC_RETURN bit 2). The process stack is never used here (CONTROL.SPSEL
 * stays 0), so PSPLIM isn't set. */
#if SF_TZ_SECURE_SUPERVISOR
/* A fault in the engine (non-secure: EXC_RETURN bit 6 clear) stacked its frame on the engine's
 * stack; ../mps2-an505-tz-supervisor/secure/engineStart.c reports it. */
#define ENGINE_FAULT "tst lr, #64\n bne 1f\n tst lr, #4\n ite eq\n mrseq r0, msp_ns\n mrsne r0, psp_ns\n b sf_tz_reportEngineFault\n 1: "
#else
#define ENGINE_FAULT ""
#endif

__attribute__((naked)) static void faultHandler(void) {
  __asm__ volatile(
      "movw r0, #:lower16:__stack_bottom\n movt r0, #:upper16:__stack_bottom\n msr msplim, r0\n" ENGINE_FAULT
      "tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n b reportFault");
}

/* 16 system exceptions; the board's interrupts are not used (the UARTs are polled). */
__attribute__((section(".vectors"), used)) static const void* const VECTORS[16] = {
    &__stack_top, Reset_Handler, faultHandler /* NMI */, faultHandler /* HardFault */,
    faultHandler /* MemManage */, faultHandler /* BusFault */, faultHandler /* UsageFault */, faultHandler /* SecureFault */,
    0, 0, 0, faultHandler /* SVCall */, faultHandler /* DebugMonitor */, 0, faultHandler /* PendSV */,
    SysTick_Handler,
};

/* Splits the semihosting command line at spaces (the host side refuses arguments with spaces). */
static int splitArguments(char* line, char** argv) {
  int argc = 0;
  for (char* p = line; *p && argc < MAX_ARGS - 1;) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    argv[argc++] = p;
    while (*p && *p != ' ') p++;
  }
  argv[argc] = NULL;
  return argc;
}

/* System clock cycles since boot: SysTick's milliseconds and the cycles of the one in progress
 * (it counts down from RVR); read again if a tick came in between. QEMU emulates no DWT cycle
 * counter; under `-icount shift=0` one instruction is one virtual nanosecond, i.e. 1/50 of a
 * cycle of the 20 MHz clock, so this counts instructions in steps of 50. */
static uint64_t cyclesSinceBoot(void) {
  for (;;) {
    int64_t ms = sf_posixClock_monotonicMs();
    uint32_t down = SYST_CVR;
    if (sf_posixClock_monotonicMs() == ms) return (uint64_t)ms * (AN505_SYSCLK_HZ / 1000) + (SYST_RVR - down);
  }
}

/* In decimal by hand: newlib-nano's printf has no %llu. */
static void reportCycles(uint64_t cycles) {
  char digits[24];
  int n = 0;
  do digits[n++] = (char)('0' + cycles % 10), cycles /= 10;
  while (cycles);
  char text[40] = "cycles: ";
  size_t length = 8;
  while (n) text[length++] = digits[--n];
  text[length++] = '\n';
  sh_write(sh_open(":tt", SH_MODE_APPEND), text, length);
}

/* Inlined: the reset handler calls main itself, as the stack analysis's deepest path shows it. */
static inline __attribute__((always_inline)) int mainOrProbe(int argc, char** argv) {
  if (argc > 2 && strcmp(argv[1], "--tz-probe") == 0) return sf_boundaryProbe(argv[2]);
  if (argc > 2 && strcmp(argv[1], "--stack-probe") == 0) return sf_stackProbe(argv[2]);
  return main(argc, argv);
}

void Reset_Handler(void) {
  /* First: the stack limit (it applies to the running stack at once; SP is at the top here).
   * A push below it is a UsageFault (STKOF, enabled so it isn't escalated) rather than a write
   * into the heap; the handler gets the reserve below it (faultReport.h). */
  __asm__ volatile("msr msplim, %0" : : "r"(&__stack_limit) : "memory");
  SCB_SHCSR |= SF_SHCSR_USGFAULTENA;
  memcpy(&__data_start, &__data_load, (size_t)((char*)&__data_end - (char*)&__data_start));
  memset(&__bss_start, 0, (size_t)((char*)&__bss_end - (char*)&__bss_start));
  SCB_VTOR = (uint32_t)&__vectors_start;
#if defined(__ARM_FP)
  SCB_CPACR |= 0xFu << 20; /* CP10 and CP11: the FPU, full access */
  __asm__ volatile("dsb\n isb");
#endif
#if SF_TZ_SECURE_SUPERVISOR
  sf_tz_startEngine();
#endif
  sf_uart_init(AN505_UART0_BASE, 115200);
  sf_clock_start();
  static char line[1024];
  static char* argv[MAX_ARGS];
  if (sh_commandLine(line, sizeof line) != 0) line[0] = 0;
  int argc = splitArguments(line, argv);
  if (argc > 1 && strcmp(argv[1], "--count-cycles") == 0) {
    argv[1] = argv[0];
    uint64_t start = cyclesSinceBoot();
    int status = mainOrProbe(argc - 1, argv + 1);
    reportCycles(cyclesSinceBoot() - start);
    exit(status);
  }
  exit(mainOrProbe(argc, argv));
}
