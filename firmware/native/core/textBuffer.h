/* A growable byte string (JSON text, messages). Out of memory sets `failed` and keeps what fits,
 * so callers check once at the end instead of after every append. */
#ifndef SF_TEXT_BUFFER_H
#define SF_TEXT_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sf_Text {
  char* data; /* NUL-terminated while length < capacity */
  size_t length;
  size_t capacity;
  /* Hard limit on length (0: none); beyond it `failed` is set. */
  size_t limit;
  bool failed;
} sf_Text;

void sf_text_init(sf_Text* text, size_t limit);
void sf_text_free(sf_Text* text);
void sf_text_clear(sf_Text* text);
void sf_text_append(sf_Text* text, const char* data, size_t length);
void sf_text_appendString(sf_Text* text, const char* string);
void sf_text_appendChar(sf_Text* text, char c);
void sf_text_appendInt(sf_Text* text, int64_t value);
/* JavaScript's String(number). */
void sf_text_appendNumber(sf_Text* text, double value);
/* JSON.stringify(string) of UTF-8 text. */
void sf_text_appendJsonString(sf_Text* text, const char* data, size_t length);
/* (n).toLocaleString("en-US") for a whole number: 1,000,000. */
void sf_text_appendGrouped(sf_Text* text, int64_t value);

/* Small helpers the core uses instead of <string.h>. */
size_t sf_strlen(const char* s);
bool sf_streq(const char* a, const char* b);
/* Copies at most size-1 bytes and terminates; returns the length of src. */
size_t sf_strcpy(char* dst, const char* src, size_t size);

#endif
