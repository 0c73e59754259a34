/* The randomness entry function (../secureEntry.h). The generator is the plain port's
 * (../../mps2-an505/random.c: the host's /dev/urandom through semihosting, else a seeded
 * splitmix64), built into the secure image; the non-secure image asks here
 * (../nonSecure/random.c). */
#include <stdbool.h>

#include "../../posix/random.h"
#include "../secureEntry.h"
#include "nonSecureMemory.h"

static sf_PosixRandom generator;
static bool started;

int __attribute__((cmse_nonsecure_entry)) sf_secure_random(uint8_t* out, size_t length) {
  /* A secure address is refused, never written. */
  if (!sf_ns_accessible(out, length, true)) return SF_SECURE_REFUSED_POINTER;
  if (!started) sf_posixRandom_init(&generator), started = true;
  generator.base.ops->fill(&generator.base, out, length);
  return SF_SECURE_OK;
}
