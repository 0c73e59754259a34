/* The system calls of newlib-nano that every Cortex-M port answers the same way: the heap (the
 * linker script's .heap, for malloc: the VM's memory and the supervisor's queues) and the two a
 * failed assertion or abort() reaches. A port adds what its board has (files, a console). */
#include <errno.h>
#include <stddef.h>

extern char __heap_start, __heap_end;
static char* heapTop = &__heap_start;

void* _sbrk(ptrdiff_t increment) {
  if (heapTop + increment > &__heap_end || heapTop + increment < &__heap_start) {
    errno = ENOMEM;
    return (void*)-1;
  }
  char* previous = heapTop;
  heapTop += increment;
  return previous;
}

/* How far the heap was ever grown (newlib-nano never gives memory back to _sbrk): its
 * high-water mark, hal_heapUsage's `top` (ports/cortex-m/platform.c). */
size_t sf_heapTop(void) {
  return (size_t)(heapTop - &__heap_start);
}

int _kill(int pid, int signal) {
  (void)pid, (void)signal;
  errno = EINVAL;
  return -1;
}

int _getpid(void) {
  return 1;
}
