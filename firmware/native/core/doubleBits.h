/* A double's IEEE 754 bits and back, without aliasing a pointer (freestanding: the compiler's
 * memcpy, which it turns into a register move). Used by the number text (numberText.c), the
 * Cortex-M ports' fmod (ports/cortex-m/remainder.c) and their host checks. */
#ifndef SF_DOUBLE_BITS_H
#define SF_DOUBLE_BITS_H

#include <stdint.h>

static inline uint64_t sf_bitsOf(double x) {
  uint64_t bits;
  __builtin_memcpy(&bits, &x, sizeof bits);
  return bits;
}

static inline double sf_fromBits(uint64_t bits) {
  double x;
  __builtin_memcpy(&x, &bits, sizeof x);
  return x;
}

#endif
