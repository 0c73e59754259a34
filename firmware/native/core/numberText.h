/* JavaScript's number <-> text conversions, so the native device prints and parses numbers as
 * the TypeScript host (V8) does: String(n), n.toFixed(d), n.toString(radix), parseFloat,
 * parseInt. Built on the port's correctly rounding hal_formatDouble / hal_parseDouble. */
#ifndef SF_NUMBER_TEXT_H
#define SF_NUMBER_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest String(n): "-1.2345678901234567e-308" and friends. */
#define SF_NUMBER_TEXT_SIZE 32
/* n.toFixed(100) of 1e20 has 21 + 1 + 100 digits. */
#define SF_FIXED_TEXT_SIZE 160
/* n.toString(2) of the largest double: 1024 digits, plus a fraction (V8 caps it at 1100). A
 * target with shorter strings (sizeBudget.json's "limits") sets 2 * (SF_MAX_STRING_BYTES + 3):
 * a result the smaller buffer cuts is then longer than any string it may return, so it fails
 * as too long instead of coming out wrong. */
#ifndef SF_RADIX_TEXT_SIZE
#define SF_RADIX_TEXT_SIZE 2200
#endif

/* Writes String(value) (no terminator guaranteed beyond the returned length; buffer gets one). */
size_t sf_numberToString(double value, char buffer[SF_NUMBER_TEXT_SIZE]);
/* value.toFixed(digits), digits 0..100. */
size_t sf_numberToFixed(double value, int digits, char buffer[SF_FIXED_TEXT_SIZE]);
/* value.toString(radix), radix 2..36. */
size_t sf_numberToRadix(double value, int radix, char buffer[SF_RADIX_TEXT_SIZE]);

/* The number of UTF-16 whitespace (JS WhiteSpace + LineTerminator) code unit `c` is. */
bool sf_isJsSpace(uint16_t c);

/* parseFloat / parseInt over UTF-16 code units. */
double sf_parseFloat(const uint16_t* units, size_t length);
double sf_parseInt(const uint16_t* units, size_t length, double radix);

/* ToIntegerOrInfinity and ToInt32 of a number. */
double sf_toIntegerOrInfinity(double value);
int32_t sf_toInt32(double value);

#endif
