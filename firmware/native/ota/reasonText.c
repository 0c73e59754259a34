#include "reasonText.h"

sf_Reason sf_reason_on(char* buffer, size_t size) {
  sf_Reason t = {buffer, size, 0};
  if (size > 0) buffer[0] = '\0';
  return t;
}

void sf_reason_addN(sf_Reason* t, const char* s, size_t n) {
  if (t->size == 0) return;
  for (size_t i = 0; i < n && s[i] != '\0' && t->length + 1 < t->size; i++) t->buffer[t->length++] = s[i];
  t->buffer[t->length] = '\0';
}

void sf_reason_add(sf_Reason* t, const char* s) { sf_reason_addN(t, s, (size_t)-1); }

void sf_reason_addUint(sf_Reason* t, unsigned long value) {
  char digits[24];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value > 0);
  char reversed[24];
  for (size_t i = 0; i < n; i++) reversed[i] = digits[n - 1 - i];
  sf_reason_addN(t, reversed, n);
}

void sf_reason_addShort(sf_Reason* t, const char* version) { sf_reason_addN(t, version, 12); }
