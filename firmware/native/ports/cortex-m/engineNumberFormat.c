/* The engine's number-to-string (core/engine/glue/numberFormat.h: "%.15g" and "%" PRId32, what
 * microvium.c formats) on the Cortex-M ports, laid out from decimalConversion.c's exact digits:
 * the same text as the glue's numberFormat.c, without its 1.2 KB of static big-number buffers.
 * The build uses this file instead of numberFormat.c for the Cortex-M targets. */
#include "numberFormat.h"

#include "decimalConversion.h"

#define SIGNIFICANT 15

static int finish(char* buf, size_t size, const char* text, int length) {
  if (size == 0) return length;
  size_t copied = (size_t)length < size - 1 ? (size_t)length : size - 1;
  __builtin_memcpy(buf, text, copied);
  buf[copied] = '\0';
  return length;
}

int glue_formatInt32(char* buf, size_t size, int32_t value) {
  char text[12];
  int pos = 12;
  uint32_t magnitude = value < 0 ? 0u - (uint32_t)value : (uint32_t)value;
  do {
    text[--pos] = (char)('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude);
  if (value < 0) text[--pos] = '-';
  return finish(buf, size, text + pos, 12 - pos);
}

int glue_formatFloat64(char* buf, size_t size, double value) {
  /* "-d.dddddddddddddde+XXX" */
  char exact[32];
  sf_formatExponential(exact, sizeof exact, SIGNIFICANT, value);
  const char* p = exact;
  char text[32];
  int length = 0;
  if (*p == '-') text[length++] = *p++;
  if (*p < '0' || *p > '9') return finish(buf, size, exact, (int)__builtin_strlen(exact)); /* inf, nan */
  char digits[SIGNIFICANT];
  int count = 0;
  for (; *p != 'e'; p++)
    if (*p != '.') digits[count++] = *p;
  int exponent = 0, sign = p[1] == '-' ? -1 : 1;
  for (p += 2; *p; p++) exponent = exponent * 10 + (*p - '0');
  exponent *= sign;
  while (count > 1 && digits[count - 1] == '0') count--; /* %g drops them */
  if (exponent < -4 || exponent >= SIGNIFICANT) {
    text[length++] = digits[0];
    if (count > 1) {
      text[length++] = '.';
      __builtin_memcpy(text + length, digits + 1, (size_t)(count - 1));
      length += count - 1;
    }
    text[length++] = 'e';
    text[length++] = exponent < 0 ? '-' : '+';
    int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude >= 100) text[length++] = (char)('0' + magnitude / 100);
    text[length++] = (char)('0' + magnitude / 10 % 10);
    text[length++] = (char)('0' + magnitude % 10);
  } else if (exponent < 0) {
    text[length++] = '0';
    text[length++] = '.';
    for (int i = -1; i > exponent; i--) text[length++] = '0';
    __builtin_memcpy(text + length, digits, (size_t)count);
    length += count;
  } else {
    for (int i = 0; i <= exponent; i++) text[length++] = i < count ? digits[i] : '0';
    if (count > exponent + 1) {
      text[length++] = '.';
      __builtin_memcpy(text + length, digits + exponent + 1, (size_t)(count - exponent - 1));
      length += count - exponent - 1;
    }
  }
  return finish(buf, size, text, length);
}
