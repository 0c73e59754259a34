/* The engine image's reset handler, called once by the secure image (../secure/engineStart.c)
 * on the non-secure main stack: its stack limit (MSPLIM_NS), .data, .bss, the FPU for the
 * non-secure state, then the answer how to call the engine (../engineCalls.h). It returns to
 * the secure image, which runs the device program and calls the engine when the app has work.
 * A fault here goes to the secure image (AIRCR.BFHFNMINS = 0), which reports it. */
#include <stdint.h>
#include <string.h>

#include "../../mps2-an505/an505.h"
#include "../engineCalls.h"

extern uint32_t __stack_top, __stack_limit, __data_load, __data_start, __data_end, __bss_start, __bss_end;
sf_EngineInterface* Reset_Handler(void);
void sf_engineServer_serve(void);
void sf_engineServer_abandon(void);
sf_EngineRequest* sf_engineServer_request(void);

__attribute__((section(".vectors"), used)) static const void* const VECTORS[2] = {&__stack_top, Reset_Handler};

sf_EngineInterface* Reset_Handler(void) {
  __asm__ volatile("msr msplim, %0" : : "r"(&__stack_limit) : "memory");
  memcpy(&__data_start, &__data_load, (size_t)((char*)&__data_end - (char*)&__data_start));
  memset(&__bss_start, 0, (size_t)((char*)&__bss_end - (char*)&__bss_start));
  SCB_CPACR |= 0xFu << 20; /* the non-secure CPACR: the FPU (NSACR lets it) */
  __asm__ volatile("dsb\n isb");
  static sf_EngineInterface interface;
  interface.serve = sf_engineServer_serve;
  interface.request = sf_engineServer_request();
  interface.abandon = sf_engineServer_abandon;
  return &interface;
}
