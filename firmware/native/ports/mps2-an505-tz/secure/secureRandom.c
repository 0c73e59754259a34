/* The randomness entry function (../secureEntry.h). The generator is the plain port's
 * (../../mps2-an505/random.c: the host's /dev/urandom through semihosting, else a seeded
 * splitmix64), built into the secure image; the non-secure image asks here
 * (../nonSecure/random.c). */
#include <arm_cmse.h>
#include <stdbool.h>

#include "../../posix/random.h"
#include "../secureEntry.h"

static sf_PosixRandom generator;
static bool started;

int __attribute__((cmse_nonsecure_entry)) sf_secure_random(uint8_t* out, size_t length) {
  /* The whole buffer must be non-secure and writable by the non-secure caller (the TT
   * instruction on both ends of the range): a secure address is refused, never written. */
  if (length && cmse_check_address_range(out, length, CMSE_NONSECURE | CMSE_MPU_READWRITE) == NULL) return SF_SECURE_REFUSED_POINTER;
  if (!started) sf_posixRandom_init(&generator), started = true;
  generator.base.ops->fill(&generator.base, out, length);
  return SF_SECURE_OK;
}
