/* `snapfleet-device --stack-probe overflow` (startup.c): overflows the main stack on purpose, for
 * firmware/native/ports/stackLimit.test.ts. It pushes 32 B at a time in inline assembly, which
 * the stack analysis can't see (gcc's frame figures don't count it), as it can't see a wrong
 * recursion bound or a library's hand-written assembly: the case the stack limit (MSPLIM,
 * startup.c) is for. With the limit the push at the limit raises a UsageFault (STKOF), which the
 * fault report names; without it the pushes would run down through the heap, .bss and .data. */
#include <string.h>
#include <unistd.h>

int sf_stackProbe(const char* what) {
  if (strcmp(what, "overflow") == 0) {
    for (;;) __asm__ volatile("push {r0-r7}" : : : "memory");
  }
  const char* unknown = "snapfleet-device: --stack-probe: unknown probe (overflow)\n";
  write(2, unknown, strlen(unknown));
  return 2;
}
