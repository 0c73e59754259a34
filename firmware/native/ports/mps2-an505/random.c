/* hal/random.h: the AN505 has no TRNG (a production board's would be used here), so the port
 * asks the host for /dev/urandom through semihosting, the debugger's channel. Without it (a
 * host that refuses), a generator seeded from the host time and SysTick still differs at every
 * boot a second apart. Randomness here is for boot ids and jitter, never keys. */
#include "../posix/random.h"

#include "../cortex-m/sysTick.h"
#include "an505.h"
#include "semihosting.h"

static uint64_t fallbackState;

static uint64_t next(void) {
  /* splitmix64 */
  uint64_t z = (fallbackState += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void fill(hal_Random* random, uint8_t* out, size_t length) {
  (void)random;
  int source = sh_open("/dev/urandom", SH_MODE_READ);
  if (source >= 0) {
    int got = sh_read(source, out, length);
    sh_close(source);
    if (got == (int)length) return;
  }
  if (!fallbackState) fallbackState = ((uint64_t)sh_time() << 24) ^ SYST_CVR;
  for (size_t i = 0; i < length; i++) out[i] = (uint8_t)next();
}

static const hal_RandomOps OPS = {fill};

void sf_posixRandom_init(sf_PosixRandom* random) {
  random->base.ops = &OPS;
}
