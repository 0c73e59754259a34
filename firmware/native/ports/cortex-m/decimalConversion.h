/* Doubles to decimal text and back, exact, without the C library's printf and strtod (on
 * newlib-nano they bring soft-float dtoa and its tables: about 20 KB on a Cortex-M0+). What the
 * Cortex-M ports' hal_formatDouble and hal_parseDouble (hal/platform.h) are built on. */
#ifndef SF_DECIMAL_CONVERSION_H
#define SF_DECIMAL_CONVERSION_H

#include <stddef.h>

/* What snprintf(buffer, size, "%.*e", precision - 1, value) prints (correctly rounded, ties to
 * even on the exact value, as glibc): "-d.ddde+XX", "inf", "nan". precision 1..SF_MAX_PRECISION;
 * returns the length of the whole text, writes at most size - 1 characters and a NUL. */
#define SF_MAX_PRECISION 400
int sf_formatExponential(char* buffer, size_t size, int precision, double value);

/* strtod for decimal text, correctly rounded: leading white space, a sign, digits with an
 * optional point, an optional exponent. Hex floats, "inf" and "nan" are not read (consumed 0):
 * the core rejects them anyway, JavaScript's grammar has none of them. `*consumed`: the
 * characters used (0: no number). Digits past the first SF_MAX_PARSED_DIGITS count only as
 * "more than zero" (callers pass at most 400 characters). */
#define SF_MAX_PARSED_DIGITS 400
double sf_parseDecimal(const char* text, size_t* consumed);

#endif
