/* Reset and the vector table: the first code the core runs. Copies .data from flash, clears
 * .bss, turns the FPU on, starts the 1 ms SysTick, then calls main with the command line the
 * host gave through semihosting (`--count-cycles` first: main's, or a `--tz-probe`'s, run time in
 * system clock cycles goes to the debug console at the end, for bench/cortexM33Dispatch.bench.ts). A fault prints where it happened on the debug console and ends
 * the run with status 70 (QEMU exits), so a crash is never a silent hang. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cortex-m/sysTick.h"
#include "an505.h"
#include "semihosting.h"
#include "uart.h"

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end, __vectors_start;
int main(int argc, char** argv);
void sf_clock_start(void);
int64_t sf_posixClock_monotonicMs(void);
void SysTick_Handler(void);
void Reset_Handler(void);

#define MAX_ARGS 64

/* The TrustZone build's boundary probes (`--tz-probe WHAT`, ../mps2-an505-tz/nonSecure/
 * boundaryProbe.c; the plain image's boundaryProbe.c says it has none). */
int sf_boundaryProbe(const char* what);

/* The stacked frame (r0-r3, r12, lr, pc, xPSR) of the code that faulted, and the fault status. */
__attribute__((used)) static void reportFault(const uint32_t* frame) {
  char text[160];
  int n = snprintf(text, sizeof text, "snapfleet-device: fault at pc 0x%08lx (lr 0x%08lx, CFSR 0x%08lx, HFSR 0x%08lx, BFAR 0x%08lx)\n", (unsigned long)frame[6],
                   (unsigned long)frame[5], (unsigned long)SCB_CFSR, (unsigned long)SCB_HFSR, (unsigned long)SCB_BFAR);
  int console = sh_open(":tt", SH_MODE_APPEND);
  sh_write(console, text, (size_t)n);
  sh_exit(70);
}

/* Naked: finds the frame on the stack that was in use (EXC_RETURN bit 2) before C touches it. */
__attribute__((naked)) static void faultHandler(void) {
  __asm__ volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n b reportFault");
}

static void unexpectedInterrupt(void) {
  faultHandler();
}

/* 16 system exceptions; the board's interrupts are not used (the UARTs are polled). */
__attribute__((section(".vectors"), used)) static const void* const VECTORS[16] = {
    &__stack_top, Reset_Handler, unexpectedInterrupt /* NMI */, faultHandler /* HardFault */,
    faultHandler /* MemManage */, faultHandler /* BusFault */, faultHandler /* UsageFault */, faultHandler /* SecureFault */,
    0, 0, 0, unexpectedInterrupt /* SVCall */, unexpectedInterrupt /* DebugMonitor */, 0, unexpectedInterrupt /* PendSV */,
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
  return argc > 2 && strcmp(argv[1], "--tz-probe") == 0 ? sf_boundaryProbe(argv[2]) : main(argc, argv);
}

void Reset_Handler(void) {
  memcpy(&__data_start, &__data_load, (size_t)((char*)&__data_end - (char*)&__data_start));
  memset(&__bss_start, 0, (size_t)((char*)&__bss_end - (char*)&__bss_start));
  SCB_VTOR = (uint32_t)&__vectors_start;
#if defined(__ARM_FP)
  SCB_CPACR |= 0xFu << 20; /* CP10 and CP11: the FPU, full access */
  __asm__ volatile("dsb\n isb");
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
