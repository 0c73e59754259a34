#include "otaText.h"

sf_text sf_text_on(char *buffer, size_t size) {
  sf_text t = {buffer, size, 0};
  if (size > 0) buffer[0] = '\0';
  return t;
}

void sf_text_add_n(sf_text *t, const char *s, size_t n) {
  if (t->size == 0) return;
  for (size_t i = 0; i < n && s[i] != '\0' && t->length + 1 < t->size; i++) t->buffer[t->length++] = s[i];
  t->buffer[t->length] = '\0';
}

void sf_text_add(sf_text *t, const char *s) { sf_text_add_n(t, s, (size_t)-1); }

void sf_text_add_uint(sf_text *t, unsigned long value) {
  char digits[24];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + value % 10);
    value /= 10;
  } while (value > 0);
  char reversed[24];
  for (size_t i = 0; i < n; i++) reversed[i] = digits[n - 1 - i];
  sf_text_add_n(t, reversed, n);
}

bool sf_text_equal(const char *a, const char *b) {
  size_t i = 0;
  for (; a[i] != '\0' && a[i] == b[i]; i++) {}
  return a[i] == b[i];
}

size_t sf_text_length(const char *s) {
  size_t n = 0;
  while (s[n] != '\0') n++;
  return n;
}

void sf_text_add_short(sf_text *t, const char *version) { sf_text_add_n(t, version, 12); }
