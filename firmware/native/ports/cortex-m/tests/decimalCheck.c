/* decimalConversion.c against the host C library (glibc's printf and strtod round correctly),
 * and numberText.c on top of it, for decimalConversion.test.ts.
 *
 *   decimalCheck random N SEED   N random doubles of every kind (bit patterns, short decimals,
 *                                boundaries): "%.*e" at precision 1-20 and 200, the engine's
 *                                "%.15g" (engineNumberFormat.c), strtod of glibc's
 *                                text at 15-17 and 40 digits, and of random digit strings;
 *                                prints "decimal: K checks match the C library" or each mismatch
 *   decimalCheck lines           stdin "s HEX" -> String(x) of the double with bits HEX;
 *                                "f HEX DIGITS" -> x.toFixed(DIGITS); "p TEXT" -> the bits of
 *                                parseFloat(TEXT) in hex (numberText.c over this conversion) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../core/doubleBits.h"
#include "../../../core/numberText.h"
#include "../decimalConversion.h"
#include "numberFormat.h"

/* hal/platform.h's number functions as the Cortex-M ports have them. */
int hal_formatDouble(char* buffer, size_t size, int precision, double value) {
  return sf_formatExponential(buffer, size, precision, value);
}
double hal_parseDouble(const char* text, size_t* consumed) {
  return sf_parseDecimal(text, consumed);
}

static uint64_t state = 0x9E3779B97F4A7C15ull;
static uint64_t next(void) {
  state ^= state << 13, state ^= state >> 7, state ^= state << 17;
  return state;
}

static long checks, failures;

static void checkFormat(double x, int precision) {
  char ours[512], theirs[512];
  int a = sf_formatExponential(ours, sizeof ours, precision, x);
  int b = snprintf(theirs, sizeof theirs, "%.*e", precision - 1, x);
  checks++;
  if (a != b || strcmp(ours, theirs)) {
    if (failures++ < 20) printf("format %016" PRIx64 " precision %d: ours %s, C library %s\n", sf_bitsOf(x), precision, ours, theirs);
  }
}

/* The engine's "%.15g" (engineNumberFormat.c) */
static void checkEngineFormat(double x) {
  char ours[64], theirs[64];
  int a = glue_formatFloat64(ours, sizeof ours, x);
  int b = snprintf(theirs, sizeof theirs, "%.15g", x);
  checks++;
  if (a != b || strcmp(ours, theirs)) {
    if (failures++ < 20) printf("%%.15g %016" PRIx64 ": ours %s, C library %s\n", sf_bitsOf(x), ours, theirs);
  }
  int32_t i = (int32_t)(uint32_t)sf_bitsOf(x);
  a = glue_formatInt32(ours, sizeof ours, i);
  b = snprintf(theirs, sizeof theirs, "%" PRId32, i);
  checks++;
  if (a != b || strcmp(ours, theirs)) {
    if (failures++ < 20) printf("int32 %" PRId32 ": ours %s\n", i, ours);
  }
}

static void checkParse(const char* text) {
  size_t consumed;
  double ours = sf_parseDecimal(text, &consumed);
  char* end;
  double theirs = strtod(text, &end);
  checks++;
  if (sf_bitsOf(ours) != sf_bitsOf(theirs) || consumed != (size_t)(end - text)) {
    if (failures++ < 20) printf("parse \"%s\": ours %016" PRIx64 " (%zu chars), C library %016" PRIx64 " (%zu chars)\n", text, sf_bitsOf(ours), consumed, sf_bitsOf(theirs), (size_t)(end - text));
  }
}

static double randomDouble(void) {
  switch (next() % 6) {
    case 0: return sf_fromBits(next() & ~(0x7FFull << 52) ? next() : next()); /* any bit pattern */
    case 1: return (double)(int64_t)(next() % 2000001) / 1000.0 - 1000; /* sensor-like */
    case 2: return sf_fromBits(next() % (1ull << 52)); /* subnormal */
    case 3: return sf_fromBits((next() & 0x800FFFFFFFFFFFFFull) | ((uint64_t)(1023 + (int)(next() % 140) - 70) << 52)); /* near 1 */
    case 4: { /* next to a power of ten, or halfway cases: d.5 * 10^k */
      double p = 1;
      int k = (int)(next() % 40);
      for (int i = 0; i < k; i++) p *= 10;
      double x = (double)(next() % 100000) + 0.5;
      return next() & 1 ? x * p : sf_fromBits(sf_bitsOf(p) + (next() % 5) - 2);
    }
    default: return sf_fromBits((next() >> 1) | (next() & 1 ? 0 : 1ull << 63)); /* any, both signs */
  }
}

static int randomMode(unsigned count, uint64_t seed) {
  state ^= seed * 0x2545F4914F6CDD1Dull;
  static const double SPECIAL[] = {0.0, -0.0, 1, 0.1, 0.5, 1e21, 1e-7, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 9007199254740993.0, 0.3, 123456789012345680.0};
  for (size_t i = 0; i < sizeof SPECIAL / sizeof SPECIAL[0]; i++)
    for (int p = 1; p <= 25; p++) checkFormat(SPECIAL[i], p);
  for (size_t i = 0; i < sizeof SPECIAL / sizeof SPECIAL[0]; i++) checkEngineFormat(SPECIAL[i]);
  checkFormat(__builtin_inf(), 5), checkFormat(-__builtin_inf(), 5), checkFormat(__builtin_nan(""), 5);
  static const char* TEXTS[] = {"0", "-0", "  12", "+.5", "5.", ".", "1e", "1e+", "1e-5x", "-", "e5", "1e400", "-1e400", "1e-400",
                                "2.4703282292062327e-324", "2.4703282292062328e-324", "4.9406564584124654e-324", "1.7976931348623158e308",
                                "1.7976931348623157e308", "1.7976931348623159e308", "9007199254740993", "9007199254740993.0000000001",
                                "0.000000000000000000000000000000000000000000001", "123456789012345678901234567890e-10", "1e99999999999", "00000.000001e0006"};
  for (size_t i = 0; i < sizeof TEXTS / sizeof TEXTS[0]; i++) checkParse(TEXTS[i]);
  /* Not read by design (decimalConversion.h): hex floats stop after the 0, inf and nan at once. */
  static const struct { const char* text; size_t consumed; } NOT_READ[] = {{"0x10", 1}, {"inf", 0}, {"-nan", 0}, {"Infinity", 0}};
  for (size_t i = 0; i < sizeof NOT_READ / sizeof NOT_READ[0]; i++) {
    size_t consumed;
    double x = sf_parseDecimal(NOT_READ[i].text, &consumed);
    checks++;
    if (x != 0 || consumed != NOT_READ[i].consumed) {
      if (failures++ < 20) printf("parse \"%s\": %g (%zu chars), expected 0 (%zu chars)\n", NOT_READ[i].text, x, consumed, NOT_READ[i].consumed);
    }
  }
  for (unsigned i = 0; i < count; i++) {
    double x = randomDouble();
    if (x != x || x - x != 0) continue;
    for (int p = 1; p <= 20; p++) checkFormat(x, p);
    checkFormat(x, 200);
    checkEngineFormat(x);
    char text[512];
    static const int PRECISIONS[] = {15, 16, 17, 40};
    for (int j = 0; j < 4; j++) {
      snprintf(text, sizeof text, "%.*e", PRECISIONS[j] - 1, x);
      checkParse(text);
    }
    /* random digits: long, halfway, with points and exponents */
    int n = 0, digits = 1 + (int)(next() % (next() & 1 ? 25 : 390));
    if (next() & 1) text[n++] = '-';
    for (int d = 0; d < digits; d++) {
      text[n++] = (char)('0' + next() % 10);
      if (d == (int)(next() % (digits + 3))) text[n++] = '.';
    }
    if (next() & 1) n += snprintf(text + n, sizeof text - n, "e%d", (int)(next() % 700) - 350);
    text[n] = 0;
    checkParse(text);
  }
  printf("decimal: %ld checks%s\n", checks, failures ? "" : " match the C library");
  return failures != 0;
}

static int linesMode(void) {
  char line[1024];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char out[SF_RADIX_TEXT_SIZE];
    if (line[0] == 's') {
      sf_numberToString(sf_fromBits(strtoull(line + 2, NULL, 16)), out);
      puts(out);
    } else if (line[0] == 'f') {
      char* end;
      double x = sf_fromBits(strtoull(line + 2, &end, 16));
      sf_numberToFixed(x, atoi(end), out);
      puts(out);
    } else if (line[0] == 'p') {
      uint16_t units[1024];
      size_t n = 0;
      for (const char* c = line + 2; *c; c++) units[n++] = (uint8_t)*c;
      printf("%016" PRIx64 "\n", sf_bitsOf(sf_parseFloat(units, n)));
    }
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 2 && !strcmp(argv[1], "random")) return randomMode(argc > 2 ? (unsigned)atoi(argv[2]) : 10000, argc > 3 ? strtoull(argv[3], NULL, 10) : 1);
  if (argc >= 2 && !strcmp(argv[1], "lines")) return linesMode();
  fprintf(stderr, "usage: decimalCheck random [N] [SEED] | decimalCheck lines < requests\n");
  return 2;
}
