/* Reset and the vector table of the Cortex-M0+ image: copy .data, clear .bss, main. */
#include <stdint.h>
#include <string.h>

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end;
int main(void);
void SysTick_Handler(void);
void Reset_Handler(void);

static void halt(void) {
  for (;;) __asm__ volatile("bkpt 0"); /* a debugger stops here; the watchdog resets otherwise */
}

__attribute__((section(".vectors"), used)) static const void* const VECTORS[16] = {
    &__stack_top, Reset_Handler, halt /* NMI */, halt /* HardFault */, 0, 0, 0, 0, 0, 0, 0, halt /* SVCall */, 0, 0, halt /* PendSV */, SysTick_Handler,
};

void Reset_Handler(void) {
  memcpy(&__data_start, &__data_load, (size_t)((char*)&__data_end - (char*)&__data_start));
  memset(&__bss_start, 0, (size_t)((char*)&__bss_end - (char*)&__bss_start));
  main();
  halt();
}
