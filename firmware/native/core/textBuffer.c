#include "textBuffer.h"

#include "../hal/platform.h"
#include "numberLayout.h" /* core/engine/glue: the integer layout the engine uses too */
#include "numberText.h"

void sf_text_init(sf_Text* text, size_t limit) {
  text->data = 0;
  text->length = 0;
  text->capacity = 0;
  text->limit = limit;
  text->failed = false;
}

void sf_text_free(sf_Text* text) {
  hal_free(text->data);
  sf_text_init(text, text->limit);
}

void sf_text_clear(sf_Text* text) {
  text->length = 0;
  text->failed = false;
  if (text->data) text->data[0] = 0;
}

static bool reserve(sf_Text* text, size_t extra) {
  if (text->failed) return false;
  size_t needed = text->length + extra + 1;
  if (text->limit && text->length + extra > text->limit) {
    text->failed = true;
    return false;
  }
  if (needed <= text->capacity) return true;
  size_t capacity = text->capacity ? text->capacity : 256; /* most messages fit the first block */
  while (capacity < needed) capacity *= 2;
  char* grown = hal_malloc(capacity);
  if (!grown) {
    text->failed = true;
    return false;
  }
  if (text->length) __builtin_memcpy(grown, text->data, text->length);
  hal_free(text->data);
  text->data = grown;
  text->capacity = capacity;
  return true;
}

void sf_text_append(sf_Text* text, const char* data, size_t length) {
  if (!reserve(text, length)) return;
  if (length) __builtin_memcpy(text->data + text->length, data, length);
  text->length += length;
  text->data[text->length] = 0;
}

void sf_text_appendString(sf_Text* text, const char* string) {
  sf_text_append(text, string, sf_strlen(string));
}

void sf_text_appendChar(sf_Text* text, char c) {
  sf_text_append(text, &c, 1);
}

void sf_text_appendInt(sf_Text* text, int64_t value) {
  char digits[GLUE_INTEGER_TEXT_SIZE];
  char* start = glue_layoutInteger(digits + sizeof digits, value, 0);
  sf_text_append(text, start, (size_t)(digits + sizeof digits - start));
}

void sf_text_appendGrouped(sf_Text* text, int64_t value) {
  char digits[GLUE_INTEGER_TEXT_SIZE];
  char* start = glue_layoutInteger(digits + sizeof digits, value, 1);
  sf_text_append(text, start, (size_t)(digits + sizeof digits - start));
}

void sf_text_appendNumber(sf_Text* text, double value) {
  char buffer[SF_NUMBER_TEXT_SIZE];
  sf_text_append(text, buffer, sf_numberToString(value, buffer));
}

void sf_text_appendJsonString(sf_Text* text, const char* data, size_t length) {
  static const char hex[] = "0123456789abcdef";
  sf_text_appendChar(text, '"');
  size_t run = 0; /* bytes copied as they are, flushed in one append */
  for (size_t i = 0; i < length; i++) {
    unsigned char c = (unsigned char)data[i];
    const char* escape = 0;
    char unicode[6];
    switch (c) {
      case '"': escape = "\\\""; break;
      case '\\': escape = "\\\\"; break;
      case '\b': escape = "\\b"; break;
      case '\f': escape = "\\f"; break;
      case '\n': escape = "\\n"; break;
      case '\r': escape = "\\r"; break;
      case '\t': escape = "\\t"; break;
      default:
        if (c < 0x20) {
          unicode[0] = '\\', unicode[1] = 'u', unicode[2] = '0', unicode[3] = '0';
          unicode[4] = hex[c >> 4], unicode[5] = hex[c & 15];
        }
    }
    if (!escape && c >= 0x20) {
      run++;
      continue;
    }
    sf_text_append(text, data + i - run, run);
    run = 0;
    if (escape) sf_text_appendString(text, escape);
    else sf_text_append(text, unicode, 6);
  }
  sf_text_append(text, data + length - run, run);
  sf_text_appendChar(text, '"');
}

size_t sf_strlen(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

bool sf_streq(const char* a, const char* b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

size_t sf_strcpy(char* dst, const char* src, size_t size) {
  size_t n = sf_strlen(src);
  if (size) {
    size_t copied = n < size - 1 ? n : size - 1;
    __builtin_memcpy(dst, src, copied);
    dst[copied] = 0;
  }
  return n;
}
