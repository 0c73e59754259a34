/* remainder.c's fmod (compiled as sf_fmodUnderTest) against glibc's on the given pairs of double
 * bits (hex, one pair a line on stdin): prints each pair that differs, then "checked N". NaNs
 * compare as NaN, whatever their sign and payload (JavaScript can't tell them apart). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "../../../core/doubleBits.h"

double sf_fmodUnderTest(double x, double y);

int main(void) {
  uint64_t a, b;
  unsigned long checked = 0, differing = 0;
  while (scanf("%" SCNx64 " %" SCNx64, &a, &b) == 2) {
    double x = sf_fromBits(a), y = sf_fromBits(b);
    double expected = fmod(x, y), actual = sf_fmodUnderTest(x, y);
    checked++;
    if (isnan(expected) && isnan(actual)) continue;
    if (sf_bitsOf(expected) != sf_bitsOf(actual)) {
      if (++differing <= 20) printf("fmod(%a, %a): expected %a, got %a\n", x, y, expected, actual);
    }
  }
  printf("checked %lu, %lu differ\n", checked, differing);
  return differing != 0;
}
