/* The Cortex-M ports' libm functions (remainder.c's fmod, rounding.c's floor and ceil; compiled
 * with their names prefixed sf_underTest_) against glibc's on the given cases, one a line on
 * stdin: "m X Y" for fmod, "f X" for floor, "c X" for ceil, X and Y a double's bits in hex.
 * Prints each case that differs, then "checked N, D differ". NaNs compare as NaN, whatever their
 * sign and payload (JavaScript can't tell them apart). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "../../../core/doubleBits.h"

double sf_underTest_fmod(double x, double y);
double sf_underTest_floor(double x);
double sf_underTest_ceil(double x);

int main(void) {
  char op;
  uint64_t a, b = 0;
  unsigned long checked = 0, differing = 0;
  while (scanf(" %c %" SCNx64, &op, &a) == 2) {
    if (op == 'm' && scanf("%" SCNx64, &b) != 1) break;
    double x = sf_fromBits(a), y = sf_fromBits(b), expected, actual;
    if (op == 'm') expected = fmod(x, y), actual = sf_underTest_fmod(x, y);
    else if (op == 'f') expected = floor(x), actual = sf_underTest_floor(x);
    else expected = ceil(x), actual = sf_underTest_ceil(x);
    checked++;
    if (isnan(expected) && isnan(actual)) continue;
    if (sf_bitsOf(expected) != sf_bitsOf(actual) && ++differing <= 20) {
      if (op == 'm') printf("fmod(%a, %a): expected %a, got %a\n", x, y, expected, actual);
      else printf("%s(%a): expected %a, got %a\n", op == 'f' ? "floor" : "ceil", x, expected, actual);
    }
  }
  printf("checked %lu, %lu differ\n", checked, differing);
  return differing != 0;
}
