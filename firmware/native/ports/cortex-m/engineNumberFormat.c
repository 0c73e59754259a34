/* The engine's number-to-string (core/engine/glue/numberFormat.h: "%.15g" and "%" PRId32, what
 * microvium.c formats) on the Cortex-M ports, laid out from decimalConversion.c's exact digits:
 * the same text as the glue's numberFormat.c, without its 1.2 KB of static big-number buffers.
 * The build uses this file instead of numberFormat.c for the Cortex-M targets. */
#include "numberFormat.h"
#include "numberLayout.h"

#include "decimalConversion.h"

#define SIGNIFICANT GLUE_SIGNIFICANT

int glue_formatInt32(char* buf, size_t size, int32_t value) {
  return glue_layoutInt32(buf, size, value);
}

int glue_formatFloat64(char* buf, size_t size, double value) {
  /* "-d.dddddddddddddde+XXX" */
  char exact[32];
  sf_formatExponential(exact, sizeof exact, SIGNIFICANT, value);
  const char* p = exact;
  char text[32];
  int length = 0;
  if (*p == '-') text[length++] = *p++;
  if (*p < '0' || *p > '9') return glue_finishText(buf, size, exact, (int)__builtin_strlen(exact)); /* inf, nan */
  char digits[SIGNIFICANT];
  int count = 0;
  for (; *p != 'e'; p++)
    if (*p != '.') digits[count++] = *p;
  int exponent = 0, sign = p[1] == '-' ? -1 : 1;
  for (p += 2; *p; p++) exponent = exponent * 10 + (*p - '0');
  exponent *= sign;
  length = glue_layoutGeneral(text, length, digits, count, exponent);
  return glue_finishText(buf, size, text, length);
}
