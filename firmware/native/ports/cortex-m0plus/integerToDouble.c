/* libgcc's int32-to-double conversion through its unsigned one: the ARMv6-M libgcc's
 * __aeabi_i2d (floatsidf.o, 96 B of soft-fp C) out, and __aeabi_ui2d, which the engine links
 * anyway, converts the magnitude; the sign bit is set after. Every int32 is a double, so both
 * conversions are exact and the bits are libgcc's (0 gives +0, INT32_MIN's magnitude 2^31 fits
 * the unsigned argument). Checked on an emulated Cortex-M0 against Node by softDouble.test.ts. */
#include <stdint.h>

#include "../../core/doubleBits.h"

#define SIGN 0x8000000000000000ull

/* The run-time ABI's names (ARM IHI 0043): gcc calls them for (double) of an int, an unsigned. */
double __aeabi_ui2d(unsigned value);
double __aeabi_i2d(int value);

double __aeabi_i2d(int value) {
  uint64_t bits = sf_bitsOf(__aeabi_ui2d(value < 0 ? 0u - (unsigned)value : (unsigned)value));
  return sf_fromBits(value < 0 ? bits | SIGN : bits);
}
