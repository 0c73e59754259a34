/* fmod for the Cortex-M images, in place of libm's (newlib's fmod and its wrapper: 1,008 B on the
 * M0+): the engine's % on doubles and the core's ToInt32 (numberText.c, modulo 2^32) call it.
 * Exact, as fmod is by definition (the remainder of two doubles is always a double): a long
 * division of the significands, one bit a step, in integers, so no soft-double call either.
 * C99 F.9.7.1: fmod(±0, y) is ±0 and fmod(x, ±∞) is x for finite x; NaN when x is infinite, y is
 * zero, or either is NaN. Checked against glibc by libmFunctions.test.ts. */
#include <stdint.h>

#include "../../core/doubleBits.h"

#define SIGN 0x8000000000000000ull
#define IMPLICIT_BIT (1ull << 52)
#define SIGNIFICAND (IMPLICIT_BIT - 1)
#define INFINITY_BITS 0x7FF0000000000000ull

/* magnitude bits → significand in [2^52, 2^53) and its exponent field (below 1 for a subnormal) */
static uint64_t significand(uint64_t magnitude, int* exponent) {
  *exponent = (int)(magnitude >> 52);
  if (*exponent) return (magnitude & SIGNIFICAND) | IMPLICIT_BIT;
  uint64_t m = magnitude;
  *exponent = 1;
  while (!(m & IMPLICIT_BIT)) {
    m <<= 1;
    --*exponent;
  }
  return m;
}

double fmod(double x, double y) {
  uint64_t bx = sf_bitsOf(x), by = sf_bitsOf(y);
  uint64_t sign = bx & SIGN, ax = bx & ~SIGN, ay = by & ~SIGN;
  if (ax >= INFINITY_BITS || ay == 0 || ay > INFINITY_BITS) return __builtin_nan("");
  if (ax <= ay) return ax == ay ? sf_fromBits(sign) : x; /* |x| < |y| (y infinite too): x itself */
  int ex, ey;
  uint64_t mx = significand(ax, &ex), my = significand(ay, &ey);
  /* x = mx·2^(ex-1075), y = my·2^(ey-1075), ex > ey or mx > my: subtract y·2^k from the top */
  for (; ex > ey; ex--) {
    if (mx >= my) mx -= my; /* now mx < my, so the shift stays below 2^54 */
    mx <<= 1;
  }
  if (mx >= my) mx -= my;
  if (mx == 0) return sf_fromBits(sign);
  while (!(mx & IMPLICIT_BIT)) {
    mx <<= 1;
    ex--;
  }
  if (ex > 0) return sf_fromBits(sign | (uint64_t)ex << 52 | (mx & SIGNIFICAND));
  /* a subnormal result: every double is a multiple of 2^-1074, so the bits shifted out are 0 */
  return sf_fromBits(sign | mx >> (1 - ex));
}
