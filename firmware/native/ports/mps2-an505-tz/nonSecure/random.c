/* hal/random.h in the TrustZone build's non-secure image: the secure world owns the randomness,
 * so this asks it (../secureEntry.h) instead of the host (it replaces ../../mps2-an505/random.c
 * in this image; the secure image runs that one). */
#include "../../posix/random.h"

#include <string.h>
#include <unistd.h>

#include "../secureEntry.h"

static void fill(hal_Random* random, uint8_t* out, size_t length) {
  (void)random;
  /* Only a buffer outside the non-secure memory is refused: a bug here, not a condition to
   * carry on from (the status of a fault report). */
  if (sf_secure_random(out, length) != SF_SECURE_OK) {
    const char* text = "snapfleet-device: the secure image refused the buffer for random bytes (not in non-secure memory)\n";
    write(2, text, strlen(text));
    _exit(70);
  }
}

static const hal_RandomOps OPS = {fill};

void sf_posixRandom_init(sf_PosixRandom* random) {
  random->base.ops = &OPS;
}
