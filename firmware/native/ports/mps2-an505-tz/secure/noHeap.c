/* The secure image has no heap (secure.ld): newlib's snprintf, which storage.c uses for paths,
 * links its allocator in, and any request for memory gets "out of memory" here. */
#include <errno.h>
#include <stddef.h>

void* _sbrk(ptrdiff_t increment) {
  (void)increment;
  errno = ENOMEM;
  return (void*)-1;
}
