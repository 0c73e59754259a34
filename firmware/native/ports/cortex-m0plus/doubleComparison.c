/* libgcc's double comparisons from one function of the bits, in place of the ARMv6-M libgcc's
 * soft-fp __eqdf2, __gedf2, __ledf2 (each with its alias) and __aeabi_dcmpun (664 B together).
 * libgcc's __aeabi_dcmpeq/lt/le/gt/ge wrappers (_arm_cmpdf2.o, which gcc calls for == < <= > >=)
 * call the three and stay. The values are libgcc's, not only the signs GCC's manual promises
 * ("Soft float library routines"): __eqdf2/__nedf2 0 when a == b (+0 == −0), else 1, as
 * __aeabi_dcmpeq computes 1 − __eqdf2 (a −1 would make it 2: "equal"); __ledf2/__ltdf2 −1, 0, 1
 * as a <, ==, > b and 2 with a NaN; __gedf2/__gtdf2 the same but −2 with a NaN; __aeabi_dcmpun
 * 1 with a NaN, else 0. Checked on an emulated Cortex-M0 against Node's comparisons, and with
 * libgcc's own, by softDouble.test.ts. */
#include <stdint.h>

#include "../../core/doubleBits.h"

#define MAGNITUDE 0x7FFFFFFFFFFFFFFFull
#define INFINITE 0x7FF0000000000000ull
#define UNORDERED 2

int __ledf2(double a, double b);
int __ltdf2(double a, double b) __attribute__((alias("__ledf2")));
int __eqdf2(double a, double b);
int __nedf2(double a, double b) __attribute__((alias("__eqdf2")));
int __gedf2(double a, double b);
int __gtdf2(double a, double b) __attribute__((alias("__gedf2")));
int __aeabi_dcmpun(double a, double b);

/* The bits as a signed integer that orders like the number: a negative one's magnitude flipped
 * (sign and magnitude to two's complement; −0 lands one below +0, which the caller equates). */
static int64_t ordered(uint64_t bits) {
  return (int64_t)bits < 0 ? (int64_t)(bits ^ MAGNITUDE) : (int64_t)bits;
}

/* −1, 0, 1 as a <, ==, > b; UNORDERED (positive: "not <=") when either is a NaN. */
__attribute__((noinline)) int __ledf2(double a, double b) {
  uint64_t x = sf_bitsOf(a), y = sf_bitsOf(b);
  if ((x & MAGNITUDE) > INFINITE || (y & MAGNITUDE) > INFINITE) return UNORDERED;
  if (((x | y) & MAGNITUDE) == 0) return 0; /* +0 == −0 */
  int64_t p = ordered(x), q = ordered(y);
  return (p > q) - (p < q);
}

int __gedf2(double a, double b) {
  int order = __ledf2(a, b);
  return order == UNORDERED ? -UNORDERED : order; /* negative: "not >=" */
}

int __eqdf2(double a, double b) {
  return __ledf2(a, b) != 0;
}

int __aeabi_dcmpun(double a, double b) {
  return __ledf2(a, b) == UNORDERED;
}
