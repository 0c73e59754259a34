#include "numberText.h"

#include "../hal/platform.h"
#include "doubleBits.h"

#define INF __builtin_inf()

static bool isNaN(double x) {
  return x != x;
}

/* Digits and decimal exponent of hal_formatDouble's "d.ddde±x" output: value = 0.DIGITS * 10^n. */
static int decompose(const char* text, char* digits, int* n) {
  int count = 0;
  const char* p = text;
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') digits[count++] = *p;
  int exponent = 0, sign = 1;
  if (*p == 'e') {
    p++;
    if (*p == '-') sign = -1;
    if (*p == '-' || *p == '+') p++;
    while (*p >= '0' && *p <= '9') exponent = exponent * 10 + (*p++ - '0');
  }
  *n = sign * exponent + 1;
  while (count > 1 && digits[count - 1] == '0') count--;
  return count;
}

/* The shortest digits of `value` (> 0) without formatting, when it is m / 10^k for a whole m
 * below 10^15 and k <= 10: the common case of sensor readings and counts, done with one
 * multiplication and one division per k instead of snprintf and strtod (callgrind: 15% of a
 * timer + pin read + push). Exact: IEEE division rounds correctly, so m / 10^k == value means the
 * decimal m * 10^-k reads back as value; the first k that works has the fewest digits (a shorter
 * decimal would have worked at a smaller k), and below 10^15 (DBL_DIG) no other decimal of as
 * many digits reads back as value. The product is within 1/4 of m below 2^50, so rounding it
 * finds m. Returns the digit count (0: not such a value) with the exponent as decompose() does. */
static int scaledDigits(double value, char* digits, int* n) {
  static const double POWERS[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
  for (int k = 0; k < (int)(sizeof POWERS / sizeof POWERS[0]); k++) {
    double scaled = value * POWERS[k];
    if (!(scaled < 1e15)) return 0;
    double m = __builtin_floor(scaled + 0.5);
    if (m / POWERS[k] != value) continue;
    uint64_t whole = (uint64_t)m;
    char reversed[20];
    int count = 0;
    while (whole) reversed[count++] = (char)('0' + whole % 10), whole /= 10;
    *n = count - k;
    int trailingZeros = 0;
    while (trailingZeros < count - 1 && reversed[trailingZeros] == '0') trailingZeros++;
    int length = 0;
    for (int i = count - 1; i >= trailingZeros; i--) digits[length++] = reversed[i];
    return length;
  }
  return 0;
}

static size_t put(char* buffer, size_t at, const char* text, size_t length) {
  __builtin_memcpy(buffer + at, text, length);
  return at + length;
}

size_t sf_numberToString(double value, char buffer[SF_NUMBER_TEXT_SIZE]) {
  size_t at = 0;
  if (isNaN(value)) return put(buffer, 0, "NaN", 4) - 1;
  if (value == 0) return put(buffer, 0, "0", 2) - 1;
  if (value < 0) {
    buffer[at++] = '-';
    value = -value;
  }
  if (value == INF) return put(buffer, at, "Infinity", 9) - 1;

  /* Shortest digits that read back as the same double (ECMAScript Number::toString). 15 digits
   * first: no two 15-digit decimals read as the same double (DBL_DIG), so when the correctly
   * rounded 15 digits read back as `value` they are the shortest digits padded with zeros, which
   * decompose() drops; otherwise 16, then 17 (which always reads back). Below the smallest
   * normal double (2^-1022) a double has fewer significant bits, so many 15-digit decimals read
   * back as the same one (4.94065645841247e-324 and 5e-324 both are 2^-1074): there the shortest
   * is found from 1 digit up. */
  char text[40], digits[24];
  int n = 0;
  int k = scaledDigits(value, digits, &n);
  for (int precision = value < 2.2250738585072014e-308 ? 1 : 15; !k && precision <= 17; precision++) {
    hal_formatDouble(text, sizeof text, precision, value);
    size_t consumed;
    if (hal_parseDouble(text, &consumed) == value || precision == 17) {
      k = decompose(text, digits, &n);
      break;
    }
  }
  if (k <= n && n <= 21) {
    at = put(buffer, at, digits, (size_t)k);
    for (int i = k; i < n; i++) buffer[at++] = '0';
  } else if (0 < n && n <= 21) {
    at = put(buffer, at, digits, (size_t)n);
    buffer[at++] = '.';
    at = put(buffer, at, digits + n, (size_t)(k - n));
  } else if (-6 < n && n <= 0) {
    buffer[at++] = '0';
    buffer[at++] = '.';
    for (int i = 0; i < -n; i++) buffer[at++] = '0';
    at = put(buffer, at, digits, (size_t)k);
  } else {
    buffer[at++] = digits[0];
    if (k > 1) {
      buffer[at++] = '.';
      at = put(buffer, at, digits + 1, (size_t)(k - 1));
    }
    buffer[at++] = 'e';
    int e = n - 1;
    buffer[at++] = e < 0 ? '-' : '+';
    if (e < 0) e = -e;
    char exp[4];
    int len = 0;
    do exp[len++] = (char)('0' + e % 10), e /= 10;
    while (e);
    while (len) buffer[at++] = exp[--len];
  }
  buffer[at] = 0;
  return at;
}

size_t sf_numberToFixed(double value, int fractionDigits, char buffer[SF_FIXED_TEXT_SIZE]) {
  if (isNaN(value)) return put(buffer, 0, "NaN", 4) - 1;
  double magnitude = value < 0 ? -value : value;
  if (magnitude >= 1e21) return sf_numberToString(value, buffer);
  size_t at = 0;
  if (value < 0) buffer[at++] = '-';
  /* I = round(magnitude * 10^digits), half up ("if there are two such n, pick the larger"),
   * from the exact decimal digits (value = 0.DIGITS * 10^n); 40 digits past the last kept one
   * leave no doubt about the rounding digit. */
  char text[220], digits[220], integer[140];
  int length = 0;
  if (magnitude != 0) {
    int n;
    /* The decimal exponent from 20 digits: no double's expansion starts with 20 nines, so the
     * rounding can't carry into a new digit (at 1 digit 973.9 printed as 1e+03, and
     * (973.9).toFixed(1) came out as 9739.0). */
    hal_formatDouble(text, sizeof text, 20, magnitude);
    decompose(text, digits, &n);
    int wanted = n + fractionDigits;
    if (wanted >= 0) {
      int precision = wanted + 40;
      if (precision > 200) precision = 200;
      hal_formatDouble(text, sizeof text, precision, magnitude);
      int count = 0;
      for (const char* p = text; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[count++] = *p;
      for (int i = 0; i < wanted; i++) integer[length++] = i < count ? digits[i] : '0';
      if (wanted < count && digits[wanted] >= '5') {
        int i = length - 1;
        while (i >= 0 && integer[i] == '9') integer[i--] = '0';
        if (i >= 0) {
          integer[i]++;
        } else {
          for (int j = length; j > 0; j--) integer[j] = integer[j - 1];
          integer[0] = '1';
          length++;
        }
      }
    }
  }
  if (length <= fractionDigits) {
    buffer[at++] = '0';
    if (fractionDigits > 0) buffer[at++] = '.';
    for (int i = length; i < fractionDigits; i++) buffer[at++] = '0';
    for (int i = 0; i < length; i++) buffer[at++] = integer[i];
  } else {
    for (int i = 0; i < length; i++) {
      if (i == length - fractionDigits) buffer[at++] = '.';
      buffer[at++] = integer[i];
    }
  }
  buffer[at] = 0;
  return at;
}


/* V8's DoubleToRadixCString (src/numbers/conversions.cc), so fractions print digit for digit
 * as in Node. */
size_t sf_numberToRadix(double value, int radix, char buffer[SF_RADIX_TEXT_SIZE]) {
  static const char chars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  if (isNaN(value)) return put(buffer, 0, "NaN", 4) - 1;
  if (value == INF) return put(buffer, 0, "Infinity", 9) - 1;
  if (value == -INF) return put(buffer, 0, "-Infinity", 10) - 1;
  enum { SIZE = SF_RADIX_TEXT_SIZE };
  static char work[SIZE];
  int integerCursor = SIZE / 2, fractionCursor = integerCursor;
  bool negative = value < 0;
  if (negative) value = -value;
  double integer = __builtin_floor(value);
  double fraction = value - integer;
  double delta = 0.5 * (sf_fromBits(sf_bitsOf(value) + 1) - value);
  double minDelta = sf_fromBits(1);
  if (delta < minDelta) delta = minDelta;
  if (fraction >= delta) {
    work[fractionCursor++] = '.';
    do {
      fraction *= radix;
      delta *= radix;
      int digit = (int)fraction;
      work[fractionCursor++] = chars[digit];
      fraction -= digit;
      if (fraction > 0.5 || (fraction == 0.5 && (digit & 1))) {
        if (fraction + delta > 1) {
          for (;;) {
            fractionCursor--;
            if (fractionCursor == SIZE / 2) {
              integer += 1;
              break;
            }
            char c = work[fractionCursor];
            digit = c > '9' ? (c - 'a' + 10) : (c - '0');
            if (digit + 1 < radix) {
              work[fractionCursor++] = chars[digit + 1];
              break;
            }
          }
          break;
        }
      }
    } while (fraction >= delta && fractionCursor < SIZE - 2);
  }
  /* Exponent() > 0 in V8's Double: the value is at least 2^53, digits below are zeros. */
  while (((sf_bitsOf(integer / radix) >> 52) & 0x7FF) > 1075 && integerCursor > 1) {
    integer /= radix;
    work[--integerCursor] = '0';
  }
  do {
    double remainder = __builtin_fmod(integer, radix);
    work[--integerCursor] = chars[(int)remainder];
    integer = (integer - remainder) / radix;
  } while (integer > 0 && integerCursor > 1);
  if (negative) work[--integerCursor] = '-';
  size_t length = (size_t)(fractionCursor - integerCursor);
  __builtin_memcpy(buffer, work + integerCursor, length);
  buffer[length] = 0;
  return length;
}

bool sf_isJsSpace(uint16_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

double sf_parseFloat(const uint16_t* units, size_t length) {
  size_t i = 0;
  while (i < length && sf_isJsSpace(units[i])) i++;
  char text[400];
  size_t n = 0;
  size_t start = i;
  if (i < length && (units[i] == '+' || units[i] == '-')) text[n++] = (char)units[i++];
  static const char infinity[] = "Infinity";
  size_t k = 0;
  while (k < 8 && i + k < length && units[i + k] == (uint16_t)infinity[k]) k++;
  if (k == 8) return n && text[0] == '-' ? -INF : INF;
  /* StrDecimalLiteral's longest prefix: digits [. digits] [e [sign] digits] */
  bool any = false;
  while (i < length && units[i] >= '0' && units[i] <= '9') {
    if (n < sizeof text - 8) text[n++] = (char)units[i];
    i++, any = true;
  }
  if (i < length && units[i] == '.') {
    size_t dot = n;
    if (n < sizeof text - 8) text[n++] = '.';
    i++;
    bool fractionDigits = false;
    while (i < length && units[i] >= '0' && units[i] <= '9') {
      if (n < sizeof text - 8) text[n++] = (char)units[i];
      i++, fractionDigits = true;
    }
    if (!fractionDigits) n = dot;
    any = any || fractionDigits;
  }
  if (!any) return __builtin_nan("");
  if (i < length && (units[i] == 'e' || units[i] == 'E')) {
    size_t mark = n, j = i + 1;
    char exponent[16];
    size_t e = 0;
    exponent[e++] = 'e';
    if (j < length && (units[j] == '+' || units[j] == '-')) exponent[e++] = (char)units[j++];
    bool digits = false;
    while (j < length && units[j] >= '0' && units[j] <= '9') {
      if (e < sizeof exponent - 1) exponent[e++] = (char)units[j];
      j++, digits = true;
    }
    if (digits) {
      __builtin_memcpy(text + n, exponent, e);
      n += e;
    } else {
      n = mark;
    }
  }
  (void)start;
  text[n] = 0;
  size_t consumed;
  return hal_parseDouble(text, &consumed);
}

static int digitValue(uint16_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

double sf_parseInt(const uint16_t* units, size_t length, double radixArgument) {
  size_t i = 0;
  while (i < length && sf_isJsSpace(units[i])) i++;
  int sign = 1;
  if (i < length && (units[i] == '+' || units[i] == '-')) {
    if (units[i] == '-') sign = -1;
    i++;
  }
  int32_t radix = sf_toInt32(radixArgument);
  bool stripPrefix = true;
  if (radix != 0) {
    if (radix < 2 || radix > 36) return __builtin_nan("");
    if (radix != 16) stripPrefix = false;
  } else {
    radix = 10;
  }
  if (stripPrefix && i + 1 < length && units[i] == '0' && (units[i + 1] == 'x' || units[i + 1] == 'X')) {
    i += 2;
    radix = 16;
  }
  size_t start = i;
  while (i < length && digitValue(units[i]) < radix) i++;
  if (i == start) return __builtin_nan("");
  double result;
  if (radix == 10) {
    /* As V8: the digits read as a decimal number, correctly rounded. */
    char text[400];
    size_t n = 0;
    for (size_t j = start; j < i && n < 330; j++) text[n++] = (char)units[j];
    int extra = (int)(i - start) - (int)n;
    if (extra > 0) {
      text[n++] = 'e';
      char exp[12];
      int len = 0;
      do exp[len++] = (char)('0' + extra % 10), extra /= 10;
      while (extra);
      while (len) text[n++] = exp[--len];
    }
    text[n] = 0;
    size_t consumed;
    result = hal_parseDouble(text, &consumed);
  } else {
    result = 0;
    for (size_t j = start; j < i; j++) result = result * radix + digitValue(units[j]);
  }
  return sign * result;
}

double sf_toIntegerOrInfinity(double value) {
  if (isNaN(value)) return 0;
  if (value == INF || value == -INF) return value;
  double t = __builtin_trunc(value);
  return t == 0 ? 0 : t;
}

int32_t sf_toInt32(double value) {
  if (isNaN(value) || value == INF || value == -INF) return 0;
  double t = __builtin_trunc(value);
  double m = __builtin_fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  uint32_t u = (uint32_t)m;
  return (int32_t)u;
}
