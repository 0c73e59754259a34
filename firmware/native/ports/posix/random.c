/* hal/random.h from the kernel's generator (getrandom). */
#include "random.h"

#include <sys/random.h>

static void fill(hal_Random* random, uint8_t* out, size_t length) {
  (void)random;
  while (length) {
    ssize_t n = getrandom(out, length, 0);
    if (n <= 0) continue; /* EINTR; getrandom doesn't fail otherwise once the pool is ready */
    out += n;
    length -= (size_t)n;
  }
}

static const hal_RandomOps OPS = {fill};

void sf_posixRandom_init(sf_PosixRandom* random) {
  random->base.ops = &OPS;
}
