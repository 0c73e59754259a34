/* Bounded text building for OTA reasons and the state file: the core has no libc (string.h,
 * stdio.h) to lean on, and every reason must fit the caller's buffer, cut rather than overrun. */
#ifndef SF_OTA_TEXT_H
#define SF_OTA_TEXT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char *buffer;
  size_t size;
  size_t length;
} sf_text;

/* Starts an empty text in buffer (size includes the NUL; size 0 writes nothing). */
sf_text sf_text_on(char *buffer, size_t size);
void sf_text_add(sf_text *t, const char *s);
void sf_text_add_n(sf_text *t, const char *s, size_t n);
void sf_text_add_uint(sf_text *t, unsigned long value);
bool sf_text_equal(const char *a, const char *b);
size_t sf_text_length(const char *s);
/* The first 12 hex digits of a version, as the TypeScript agent logs them. */
void sf_text_add_short(sf_text *t, const char *version);

#endif
