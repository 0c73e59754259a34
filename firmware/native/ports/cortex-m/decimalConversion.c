/* Exact double <-> decimal with big integers (see decimalConversion.h for why). Both directions
 * work on a fraction num/den of big integers that equals the value exactly, so every rounding
 * decision is made on the exact value: formatting divides out one decimal digit at a time,
 * parsing one binary digit at a time. Slower than Ryu or Eisel-Lemire, but a few hundred bytes
 * of code and no tables; the common numbers never get here (numberText.c's scaledDigits). */
#include "decimalConversion.h"

#include <stdbool.h>
#include <stdint.h>

/* The largest number either direction builds: parsing "d...d" (SF_MAX_PARSED_DIGITS digits) at
 * 10^-324 divides by 10^724 (2406 bits), shifted by the 55 bits of the quotient. */
#define WORDS 80

typedef struct Big {
  uint32_t word[WORDS]; /* little-endian */
  int count;            /* words in use; the top one is not 0 */
} Big;

/* One conversion at a time (the device runs one host call at a time), so static: the 640 bytes
 * show in the image's RAM table rather than hiding on the stack. */
static Big numerator, denominator;

static void bigSet(Big* a, uint64_t value) {
  a->count = 0;
  while (value) a->word[a->count++] = (uint32_t)value, value >>= 32;
}

static void bigMultiplyAdd(Big* a, uint32_t factor, uint32_t add) {
  uint64_t carry = add;
  for (int i = 0; i < a->count; i++) {
    uint64_t t = (uint64_t)a->word[i] * factor + carry;
    a->word[i] = (uint32_t)t;
    carry = t >> 32;
  }
  if (carry && a->count < WORDS) a->word[a->count++] = (uint32_t)carry;
}

static void bigMultiplyPow10(Big* a, int exponent) {
  for (; exponent >= 9; exponent -= 9) bigMultiplyAdd(a, 1000000000u, 0);
  static const uint32_t SMALL[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  if (exponent > 0) bigMultiplyAdd(a, SMALL[exponent], 0);
}

static int bigBits(const Big* a) {
  if (!a->count) return 0;
  return 32 * (a->count - 1) + (32 - __builtin_clz(a->word[a->count - 1]));
}

static void bigShiftLeft(Big* a, int bits) {
  if (!a->count || bits <= 0) return;
  int words = bits / 32, shift = bits % 32;
  int top = a->count + words + (shift ? 1 : 0);
  if (top > WORDS) top = WORDS; /* can't happen within the documented limits */
  for (int i = top - 1; i >= 0; i--) {
    int from = i - words;
    uint32_t high = from >= 0 && from < a->count ? a->word[from] : 0;
    uint32_t low = shift && from - 1 >= 0 && from - 1 < a->count ? a->word[from - 1] : 0;
    a->word[i] = shift ? (high << shift) | (low >> (32 - shift)) : high;
  }
  a->count = top;
  while (a->count && !a->word[a->count - 1]) a->count--;
}

static void bigShiftRightOne(Big* a) {
  for (int i = 0; i < a->count; i++) a->word[i] = (a->word[i] >> 1) | (i + 1 < a->count ? a->word[i + 1] << 31 : 0);
  while (a->count && !a->word[a->count - 1]) a->count--;
}

static int bigCompare(const Big* a, const Big* b) {
  if (a->count != b->count) return a->count < b->count ? -1 : 1;
  for (int i = a->count - 1; i >= 0; i--)
    if (a->word[i] != b->word[i]) return a->word[i] < b->word[i] ? -1 : 1;
  return 0;
}

/* a -= b, a >= b */
static void bigSubtract(Big* a, const Big* b) {
  uint32_t borrow = 0;
  for (int i = 0; i < a->count; i++) {
    uint64_t t = (uint64_t)a->word[i] - (i < b->count ? b->word[i] : 0) - borrow;
    a->word[i] = (uint32_t)t;
    borrow = (uint32_t)(t >> 63);
  }
  while (a->count && !a->word[a->count - 1]) a->count--;
}

static uint64_t bitsOf(double x) {
  uint64_t bits;
  __builtin_memcpy(&bits, &x, sizeof bits);
  return bits;
}

/* Writes into buffer[0..size-1] and counts what a big enough buffer would get. */
typedef struct Writer {
  char* buffer;
  size_t size, at;
} Writer;

static void put(Writer* w, char c) {
  if (w->at + 1 < w->size) w->buffer[w->at] = c;
  w->at++;
}

static int finish(Writer* w) {
  if (w->size) w->buffer[w->at < w->size ? w->at : w->size - 1] = 0;
  return (int)w->at;
}

int sf_formatExponential(char* buffer, size_t size, int precision, double value) {
  Writer w = {buffer, size, 0};
  uint64_t bits = bitsOf(value);
  if (bits >> 63) put(&w, '-');
  int biased = (int)((bits >> 52) & 0x7FF);
  uint64_t mantissa = bits & ((1ull << 52) - 1);
  if (biased == 0x7FF) {
    const char* text = mantissa ? "nan" : "inf";
    while (*text) put(&w, *text++);
    return finish(&w);
  }
  if (precision < 1) precision = 1;
  if (precision > SF_MAX_PRECISION) precision = SF_MAX_PRECISION;
  int exponent10 = 0;
  size_t first = w.at; /* where the first digit goes */
  if (biased == 0 && mantissa == 0) {
    for (int i = 0; i < precision; i++) {
      put(&w, '0');
      if (i == 0 && precision > 1) put(&w, '.');
    }
  } else {
    /* value = mantissa * 2^exponent2 = numerator / denominator * 10^exponent10, 1 <= n/d < 10 */
    int exponent2 = biased ? biased - 1075 : -1074;
    if (biased) mantissa |= 1ull << 52;
    bigSet(&numerator, mantissa);
    bigSet(&denominator, 1);
    if (exponent2 >= 0) bigShiftLeft(&numerator, exponent2);
    else bigShiftLeft(&denominator, -exponent2);
    /* floor(log2(value)) * log10(2), rounded down (78913 / 2^18 is just below log10(2)), plus
     * one: n/d lands in [0.1, 10). */
    int log2 = (biased ? biased - 1023 : -1074 + 63 - __builtin_clzll(mantissa));
    exponent10 = (log2 >= 0 ? (log2 * 78913) >> 18 : -((-log2 * 78913 + (1 << 18) - 1) >> 18)) + 1;
    if (exponent10 >= 0) bigMultiplyPow10(&denominator, exponent10);
    else bigMultiplyPow10(&numerator, -exponent10);
    if (bigCompare(&numerator, &denominator) < 0) {
      bigMultiplyAdd(&numerator, 10, 0);
      exponent10--;
    }
    int digit = 0;
    for (int i = 0; i < precision; i++) {
      if (i) bigMultiplyAdd(&numerator, 10, 0);
      for (digit = 0; bigCompare(&numerator, &denominator) >= 0; digit++) bigSubtract(&numerator, &denominator);
      put(&w, (char)('0' + digit));
      if (i == 0 && precision > 1) put(&w, '.');
    }
    /* Round the last digit on the exact rest: above half up, exactly half to even. */
    bigMultiplyAdd(&numerator, 2, 0);
    int half = bigCompare(&numerator, &denominator);
    if (half > 0 || (half == 0 && (digit & 1))) {
      size_t i = w.at;
      for (;;) {
        i--;
        if (i < w.size && w.buffer[i] == '.') continue;
        char* c = i < w.size ? &w.buffer[i] : NULL;
        if (i == first) {
          if (c && *c != '9') {
            (*c)++;
          } else if (c) {
            *c = '1'; /* 9.99 -> 1.00e+1 */
            exponent10++;
          }
          break;
        }
        if (c && *c == '9') {
          *c = '0';
          continue;
        }
        if (c) (*c)++;
        break;
      }
    }
  }
  put(&w, 'e');
  put(&w, exponent10 < 0 ? '-' : '+');
  int magnitude = exponent10 < 0 ? -exponent10 : exponent10;
  if (magnitude >= 100) put(&w, (char)('0' + magnitude / 100));
  put(&w, (char)('0' + magnitude / 10 % 10));
  put(&w, (char)('0' + magnitude % 10));
  return finish(&w);
}

static bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

static double fromBits(uint64_t bits) {
  double x;
  __builtin_memcpy(&x, &bits, sizeof x);
  return x;
}

double sf_parseDecimal(const char* text, size_t* consumed) {
  const char* p = text;
  while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
  bool negative = *p == '-';
  if (*p == '-' || *p == '+') p++;
  bigSet(&numerator, 0);
  int kept = 0, exponent10 = 0;
  bool anyDigit = false, afterPoint = false, moreDigits = false;
  for (;; p++) {
    if (*p == '.' && !afterPoint) {
      afterPoint = true;
      continue;
    }
    if (!isDigit(*p)) break;
    anyDigit = true;
    if (*p == '0' && !kept) { /* a leading zero */
      if (afterPoint) exponent10--;
    } else if (kept < SF_MAX_PARSED_DIGITS) {
      bigMultiplyAdd(&numerator, 10, (uint32_t)(*p - '0'));
      kept++;
      if (afterPoint) exponent10--;
    } else {
      moreDigits |= *p != '0';
      if (!afterPoint) exponent10++;
    }
  }
  if (!anyDigit) {
    *consumed = 0;
    return 0;
  }
  if ((*p == 'e' || *p == 'E') && (isDigit(p[1]) || ((p[1] == '+' || p[1] == '-') && isDigit(p[2])))) {
    p++;
    int sign = *p == '-' ? -1 : 1;
    if (*p == '-' || *p == '+') p++;
    int exponent = 0;
    for (; isDigit(*p); p++)
      if (exponent < 100000) exponent = exponent * 10 + (*p - '0');
    exponent10 += sign * exponent;
  }
  *consumed = (size_t)(p - text);
  const uint64_t SIGN = negative ? 1ull << 63 : 0;
  if (!kept) return fromBits(SIGN);
  if (moreDigits) { /* the digits past the limit only decide between "exact" and "a bit more" */
    bigMultiplyAdd(&numerator, 10, 1);
    kept++;
    exponent10--;
  }
  int top = kept - 1 + exponent10; /* value in [10^top, 10^(top+1)) */
  if (top > 309) return fromBits(SIGN | (0x7FFull << 52));
  if (top < -325) return fromBits(SIGN);

  bigSet(&denominator, 1);
  if (exponent10 >= 0) bigMultiplyPow10(&numerator, exponent10);
  else bigMultiplyPow10(&denominator, -exponent10);
  /* quotient = floor(value / 2^shift) with 54 or 55 bits, by long division */
  int shift = bigBits(&numerator) - bigBits(&denominator) - 54;
  if (shift < 0) bigShiftLeft(&numerator, -shift);
  else bigShiftLeft(&denominator, shift);
  bigShiftLeft(&denominator, 55);
  uint64_t quotient = 0;
  for (int bit = 55; bit >= 0; bit--) {
    if (bigCompare(&numerator, &denominator) >= 0) {
      bigSubtract(&numerator, &denominator);
      quotient |= 1ull << bit;
    }
    if (bit) bigShiftRightOne(&denominator);
  }
  bool sticky = numerator.count != 0;

  /* Keep 53 bits (fewer below 2^-1022), round to nearest, ties to even. */
  int length = 64 - __builtin_clzll(quotient);
  int lowest = length - 53 + shift; /* exponent of the kept last bit */
  if (lowest < -1074) lowest = -1074;
  int drop = lowest - shift;
  if (drop > 63) return fromBits(SIGN); /* below a quarter of the smallest subnormal */
  uint64_t mantissa = drop > 0 ? quotient >> drop : quotient;
  if (drop > 0) {
    uint64_t rest = quotient & ((1ull << drop) - 1), halfway = 1ull << (drop - 1);
    if (rest > halfway || (rest == halfway && (sticky || (mantissa & 1)))) mantissa++;
  }
  if (mantissa == 1ull << 53) {
    mantissa >>= 1;
    lowest++;
  }
  if (mantissa < 1ull << 52) return fromBits(SIGN | mantissa); /* subnormal (lowest == -1074) */
  int biased = lowest + 1075;
  if (biased >= 0x7FF) return fromBits(SIGN | (0x7FFull << 52));
  return fromBits(SIGN | ((uint64_t)biased << 52) | (mantissa & ((1ull << 52) - 1)));
}
