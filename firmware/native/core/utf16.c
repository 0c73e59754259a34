#include "utf16.h"

/* One code point from UTF-8 at text[*at], advancing *at; U+FFFD for a malformed sequence
 * (one byte consumed, TextDecoder's maximal-subpart replacement is close enough for text that
 * came out of the engine, which only holds what UTF-8 encoders gave it). */
static uint32_t nextCodePoint(const char* text, size_t length, size_t* at) {
  const unsigned char* p = (const unsigned char*)text + *at;
  size_t left = length - *at;
  unsigned char c = p[0];
  uint32_t cp;
  size_t need;
  if (c < 0x80) {
    *at += 1;
    return c;
  } else if ((c & 0xE0) == 0xC0) {
    cp = c & 0x1F, need = 1;
  } else if ((c & 0xF0) == 0xE0) {
    cp = c & 0x0F, need = 2;
  } else if ((c & 0xF8) == 0xF0) {
    cp = c & 0x07, need = 3;
  } else {
    *at += 1;
    return 0xFFFD;
  }
  if (left <= need) {
    *at += 1;
    return 0xFFFD;
  }
  for (size_t i = 1; i <= need; i++) {
    if ((p[i] & 0xC0) != 0x80) {
      *at += 1;
      return 0xFFFD;
    }
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  static const uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
  if (cp < smallest[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *at += 1;
    return 0xFFFD;
  }
  *at += need + 1;
  return cp;
}

size_t sf_utf8ToUtf16(const char* text, size_t length, uint16_t* out, size_t capacity) {
  size_t at = 0, count = 0;
  while (at < length && count < capacity) {
    uint32_t cp = nextCodePoint(text, length, &at);
    if (cp >= 0x10000) {
      if (count + 2 > capacity) break;
      cp -= 0x10000;
      out[count++] = (uint16_t)(0xD800 + (cp >> 10));
      out[count++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
    } else {
      out[count++] = (uint16_t)cp;
    }
  }
  return count;
}

size_t sf_utf16Count(const char* text, size_t length) {
  size_t at = 0, count = 0;
  while (at < length) count += nextCodePoint(text, length, &at) >= 0x10000 ? 2 : 1;
  return count;
}

static size_t encode(uint32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Code point at units[*i], advancing; lone surrogates become U+FFFD. */
static uint32_t unitCodePoint(const uint16_t* units, size_t count, size_t* i) {
  uint16_t u = units[*i];
  *i += 1;
  if (u >= 0xD800 && u <= 0xDBFF && *i < count && units[*i] >= 0xDC00 && units[*i] <= 0xDFFF) {
    uint32_t cp = 0x10000 + (((uint32_t)u - 0xD800) << 10) + (units[*i] - 0xDC00);
    *i += 1;
    return cp;
  }
  if (u >= 0xD800 && u <= 0xDFFF) return 0xFFFD;
  return u;
}

void sf_utf16AppendUtf8(sf_Text* text, const uint16_t* units, size_t count) {
  char bytes[4];
  size_t i = 0;
  while (i < count) {
    if (units[i] < 0x80) {
      size_t start = i;
      while (i < count && units[i] < 0x80) bytes[0] = (char)units[i], i++, sf_text_append(text, bytes, 1);
      (void)start;
      continue;
    }
    uint32_t cp = unitCodePoint(units, count, &i);
    sf_text_append(text, bytes, encode(cp, bytes));
  }
}

size_t sf_utf16Utf8Length(const uint16_t* units, size_t count) {
  char bytes[4];
  size_t total = 0, i = 0;
  while (i < count) total += encode(unitCodePoint(units, count, &i), bytes);
  return total;
}
