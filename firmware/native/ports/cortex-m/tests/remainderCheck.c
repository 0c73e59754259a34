/* remainder.c's fmod (compiled as sf_fmodUnderTest) against glibc's on the given pairs of double
 * bits (hex, one pair a line on stdin): prints each pair that differs, then "checked N". NaNs
 * compare as NaN, whatever their sign and payload (JavaScript can't tell them apart). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

double sf_fmodUnderTest(double x, double y);

static double fromBits(uint64_t bits) {
  double x;
  memcpy(&x, &bits, sizeof x);
  return x;
}

static uint64_t bitsOf(double x) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  return bits;
}

int main(void) {
  uint64_t a, b;
  unsigned long checked = 0, differing = 0;
  while (scanf("%" SCNx64 " %" SCNx64, &a, &b) == 2) {
    double x = fromBits(a), y = fromBits(b);
    double expected = fmod(x, y), actual = sf_fmodUnderTest(x, y);
    checked++;
    if (isnan(expected) && isnan(actual)) continue;
    if (bitsOf(expected) != bitsOf(actual)) {
      if (++differing <= 20) printf("fmod(%a, %a): expected %a, got %a\n", x, y, expected, actual);
    }
  }
  printf("checked %lu, %lu differ\n", checked, differing);
  return differing != 0;
}
