/* libgcc's double subtraction, as addition of the negation: IEEE 754 defines a − b as a + (−b),
 * so the bits are the same (signed zeros, infinities, rounding; a NaN stays a NaN), and the
 * ARMv6-M libgcc's own __aeabi_dsub (subdf3.o, 1,796 B, a second copy of __aeabi_dadd's soft-fp
 * code) stays out of the image. Only this port builds it: the M33 has its libgcc's assembly,
 * where the two share their code already. Checked on an emulated Cortex-M0 against Node's
 * doubles, and with libgcc's own, by softDouble.test.ts. */
#include <stdint.h>

#include "../../core/doubleBits.h"

#define SIGN 0x8000000000000000ull

/* The run-time ABI's names (ARM IHI 0043): gcc calls them for - and + on doubles. */
double __aeabi_dadd(double a, double b);
double __aeabi_dsub(double a, double b);

double __aeabi_dsub(double a, double b) {
  /* the sign flipped on the bits: −b as an expression could be folded back into a − b */
  return __aeabi_dadd(a, sf_fromBits(sf_bitsOf(b) ^ SIGN));
}
