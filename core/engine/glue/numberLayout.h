/* The text layout both engine number formatters share (numberFormat.c here, which expands the
 * double itself, and firmware/native/ports/cortex-m/engineNumberFormat.c, which takes the digits
 * from the Cortex-M ports' decimal conversion): C's "%" PRId32, and "%.15g" laid out from the
 * rounded significant digits and the decimal exponent. Header-only so each build keeps its own
 * single translation unit. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define GLUE_SIGNIFICANT 15

/* Copies `length` characters of `text` into buf (NUL-terminated, cut to size); returns what
 * snprintf would: the untruncated length. */
static inline int glue_finishText(char* buf, size_t size, const char* text, int length) {
  if (size == 0) return length;
  size_t copied = (size_t)length < size - 1 ? (size_t)length : size - 1;
  __builtin_memcpy(buf, text, copied);
  buf[copied] = '\0';
  return length;
}

/* Room glue_layoutInteger needs before `end`: 20 digits, 6 group separators and a sign. */
#define GLUE_INTEGER_TEXT_SIZE 27

/* Lays out value's decimal digits backwards ending at `end`, with a ',' every three digits when
 * `grouped` (the C device's log texts); returns where the text starts. One layout for the engine's
 * "%" PRId32 and the C device's integers. */
static inline char* glue_layoutInteger(char* end, int64_t value, int grouped) {
  char* at = end;
  int count = 0;
  uint64_t magnitude = value < 0 ? 0u - (uint64_t)value : (uint64_t)value;
  do {
    if (grouped && count && count % 3 == 0) *--at = ',';
    *--at = (char)('0' + magnitude % 10);
    magnitude /= 10;
    count++;
  } while (magnitude);
  if (value < 0) *--at = '-';
  return at;
}

static inline int glue_layoutInt32(char* buf, size_t size, int32_t value) {
  char text[GLUE_INTEGER_TEXT_SIZE];
  char* end = text + sizeof text;
  char* start = glue_layoutInteger(end, value, 0);
  return glue_finishText(buf, size, start, (int)(end - start));
}

/* Appends "%.15g"'s layout of d.ddd * 10^pointExponent (`count` digits, at most
 * GLUE_SIGNIFICANT, already rounded) to text at `length`; returns the new length. */
static inline int glue_layoutGeneral(char* text, int length, const char* digits, int count, int pointExponent) {
  while (count > 1 && digits[count - 1] == '0') count--; /* %g drops them */
  if (pointExponent < -4 || pointExponent >= GLUE_SIGNIFICANT) {
    /* d.ddde+XX */
    text[length++] = digits[0];
    if (count > 1) {
      text[length++] = '.';
      __builtin_memcpy(text + length, digits + 1, (size_t)(count - 1));
      length += count - 1;
    }
    text[length++] = 'e';
    text[length++] = pointExponent < 0 ? '-' : '+';
    int magnitude = pointExponent < 0 ? -pointExponent : pointExponent;
    if (magnitude >= 100) text[length++] = (char)('0' + magnitude / 100);
    text[length++] = (char)('0' + magnitude / 10 % 10);
    text[length++] = (char)('0' + magnitude % 10);
  } else if (pointExponent < 0) {
    /* 0.000ddd */
    text[length++] = '0';
    text[length++] = '.';
    for (int i = -1; i > pointExponent; i--) text[length++] = '0';
    __builtin_memcpy(text + length, digits, (size_t)count);
    length += count;
  } else {
    /* ddd.ddd, padding integer digits that rounding dropped */
    for (int i = 0; i <= pointExponent; i++) text[length++] = i < count ? digits[i] : '0';
    if (count > pointExponent + 1) {
      text[length++] = '.';
      __builtin_memcpy(text + length, digits + pointExponent + 1, (size_t)(count - pointExponent - 1));
      length += count - pointExponent - 1;
    }
  }
  return length;
}
