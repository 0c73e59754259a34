/* floor and ceil for the Cortex-M images, in place of libm's (284 + 276 B on the M0+): Math.floor,
 * Math.round and Math.ceil (core/standardLibrary.c), the number text (core/numberText.c) and a
 * timer's whole milliseconds (supervisor.c) call them. On the bits, without soft-double calls:
 * clear the fraction bits below the binary point, or carry one into the integer part first when
 * rounding away from zero (the carry may reach the exponent: 1.5 → 2.0 is exact). Signed zeros
 * stay, floor(-0.5) is -1 and ceil(-0.5) is -0, as C99 F.9.6 says. Checked against glibc by
 * libmFunctions.test.ts. */
#include <stdbool.h>
#include <stdint.h>

#include "../../core/doubleBits.h"

#define SIGN 0x8000000000000000ull
#define FRACTION 0x000FFFFFFFFFFFFFull
#define MINUS_ONE 0xBFF0000000000000ull
#define ONE 0x3FF0000000000000ull

/* Rounds x to an integer: toward -∞ (floor) or +∞ (ceil). */
static double roundToward(double x, bool up) {
  uint64_t bits = sf_bitsOf(x);
  bool negative = (bits & SIGN) != 0;
  int exponent = (int)((bits >> 52) & 0x7FF) - 1023;
  if (exponent >= 52) return x; /* already an integer, or infinite, or NaN */
  if (exponent < 0) {           /* |x| < 1 */
    if ((bits & ~SIGN) == 0) return x;
    if (up) return negative ? sf_fromBits(SIGN) : sf_fromBits(ONE);
    return negative ? sf_fromBits(MINUS_ONE) : sf_fromBits(0);
  }
  uint64_t fraction = FRACTION >> exponent;
  if ((bits & fraction) == 0) return x;
  if (up != negative) bits += fraction; /* away from zero: carry into the integer part */
  return sf_fromBits(bits & ~fraction);
}

double floor(double x) {
  return roundToward(x, false);
}

double ceil(double x) {
  return roundToward(x, true);
}
