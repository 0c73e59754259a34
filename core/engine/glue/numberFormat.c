/*
 * Number-to-string for the engine: exactly what C's snprintf prints for
 * "%" PRId32 and "%.15g", which are the only two formats microvium.c uses.
 *
 * Why not libc's snprintf: in wasi-libc it brings ~12 KB of stdio and
 * wasi_snapshot_preview1 imports, and the module must run in a browser with
 * only our own imports. The result must still match what the native engine
 * (and device firmware) print, so the double is expanded to its exact decimal
 * value and rounded half-to-even, as a correctly rounding printf does.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "numberFormat.h"
#include "numberLayout.h"

#define SIGNIFICANT GLUE_SIGNIFICANT
#define LIMB_BASE 1000000000u /* 9 decimal digits per limb */
/* m * 5^1074 (smallest subnormal) is < 10^770: 86 limbs; 2^1024 needs 35. */
#define MAX_LIMBS 90

/* Little-endian base-10^9 big integer. */
typedef struct BigDecimal {
  uint32_t limb[MAX_LIMBS];
  int count;
} BigDecimal;

static void bigMultiply(BigDecimal* n, uint32_t factor) {
  uint64_t carry = 0;
  for (int i = 0; i < n->count; i++) {
    uint64_t t = (uint64_t)n->limb[i] * factor + carry;
    n->limb[i] = (uint32_t)(t % LIMB_BASE);
    carry = t / LIMB_BASE;
  }
  while (carry) {
    n->limb[n->count++] = (uint32_t)(carry % LIMB_BASE);
    carry /= LIMB_BASE;
  }
}

/* Writes the decimal digits of n (no leading zeros) and returns their count. */
static int bigDigits(const BigDecimal* n, char* out) {
  int length = 0;
  for (int i = n->count - 1; i >= 0; i--) {
    char group[9];
    uint32_t v = n->limb[i];
    for (int d = 8; d >= 0; d--, v /= 10) group[d] = (char)('0' + v % 10);
    int skip = 0;
    if (i == n->count - 1) while (skip < 8 && group[skip] == '0') skip++;
    memcpy(out + length, group + skip, (size_t)(9 - skip));
    length += 9 - skip;
  }
  return length;
}

int glue_formatInt32(char* buf, size_t size, int32_t value) {
  return glue_layoutInt32(buf, size, value);
}

/* "%.15g" for finite values (Microvium prints NaN and Infinity itself). */
int glue_formatFloat64(char* buf, size_t size, double value) {
  char text[32];
  int length = 0;
  uint64_t bits;
  memcpy(&bits, &value, sizeof bits);
  if (bits >> 63) text[length++] = '-';

  /* |value| = mantissa * 2^exponent, exactly. */
  uint64_t mantissa = bits & ((1ull << 52) - 1);
  int biased = (int)((bits >> 52) & 0x7FF);
  int exponent = biased ? biased - 1075 : -1074;
  if (biased) mantissa |= 1ull << 52;
  if (mantissa == 0) {
    text[length++] = '0';
    return glue_finishText(buf, size, text, length);
  }
  while (!(mantissa & 1)) {
    mantissa >>= 1;
    exponent++;
  }

  /* Exact decimal digits: mantissa * 2^e, or mantissa * 5^-e / 10^-e. */
  static BigDecimal n;
  n.count = 0;
  while (mantissa) {
    n.limb[n.count++] = (uint32_t)(mantissa % LIMB_BASE);
    mantissa /= LIMB_BASE;
  }
  int scale = 0; /* value = n * 10^scale */
  for (int e = exponent; e > 0; e -= 29) bigMultiply(&n, 1u << (e < 29 ? e : 29));
  for (int e = -exponent; e > 0; e -= 13) {
    uint32_t factor = 1;
    for (int i = 0; i < (e < 13 ? e : 13); i++) factor *= 5;
    bigMultiply(&n, factor);
  }
  if (exponent < 0) scale = exponent;

  static char digits[MAX_LIMBS * 9 + 1];
  int count = bigDigits(&n, digits);
  int pointExponent = count - 1 + scale; /* value = d.ddd * 10^pointExponent */

  /* Round to SIGNIFICANT digits, ties to even. */
  if (count > SIGNIFICANT) {
    char next = digits[SIGNIFICANT];
    int roundUp = next > '5';
    if (next == '5') {
      int tail = 0;
      for (int i = SIGNIFICANT + 1; i < count; i++) tail |= digits[i] != '0';
      roundUp = tail || ((digits[SIGNIFICANT - 1] - '0') & 1);
    }
    count = SIGNIFICANT;
    if (roundUp) {
      int i = SIGNIFICANT - 1;
      while (i >= 0 && digits[i] == '9') digits[i--] = '0';
      if (i >= 0) {
        digits[i]++;
      } else {
        digits[0] = '1'; /* 999..9 rounded up to 1000..0 */
        pointExponent++;
      }
    }
  }
  length = glue_layoutGeneral(text, length, digits, count, pointExponent);
  return glue_finishText(buf, size, text, length);
}
