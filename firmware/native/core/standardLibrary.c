#include "standardLibrary.h"

#include "../hal/platform.h"
#include "numberText.h"
#include "runtimeErrors.h"
#include "sf_deviceTexts.h"
#include "sf_hostIds.h"
#include "utf16.h"

#define MAX_UNITS (SF_MAX_STRING_BYTES + 2)
/* V8's longest string (2^29 - 24 code units): past it, "Invalid string length". */
#define V8_MAX_STRING_LENGTH 536870888.0
#define NaN (__builtin_nan(""))
#define INF (__builtin_inf())

typedef struct Units {
  uint16_t u[MAX_UNITS];
  size_t n;
} Units;

/* Inputs (up to three strings) and the result, as UTF-16. Static: one call at a time. Three
 * buffers, not an array of three, so that an image for one app keeps only those its host
 * functions use (516 B each on the M0+): the code of a function it doesn't import is left out
 * (SF_IMPORTED_CASE), and with it the last reference to a buffer, which --gc-sections then drops.
 * The grow-station imports no string function: it keeps `thirdUnits` alone, for ToNumber of a string. */
static Units subjectUnits;  /* the string a String.prototype function is called on */
static Units argumentUnits; /* its string argument (search, fill) */
static Units thirdUnits;    /* replace's replacement; the text ToNumber reads */
static uint16_t out[2 * MAX_UNITS];

/* The functions whose first argument is read as a string before the switch (into `subjectUnits`). */
#define TAKES_STRING(id) ((id) <= SF_STDLIB_STR_COMPARE || (id) == SF_STDLIB_JSON_QUOTE)
/* Whether this image serves one of them (a constant: 0 leaves the read, and `subjectUnits`, out). */
#define STRING_FUNCTION_SERVED(id) || (SF_IMPORTS(id) && TAKES_STRING(id))
#define SERVES_STRING_FUNCTIONS (0 SF_STDLIB_HOST_IDS(STRING_FUNCTION_SERVED))

static void toUnits(const sf_Primitive* v, Units* units, sf_Text* scratch) {
  if (v->type == SF_STRING) {
    units->n = sf_utf8ToUtf16(v->string, v->length, units->u, MAX_UNITS);
    return;
  }
  sf_text_clear(scratch);
  sf_appendPrimitiveString(scratch, v);
  units->n = sf_utf8ToUtf16(scratch->data ? scratch->data : "", scratch->length, units->u, MAX_UNITS);
}

/* ToNumber of a primitive (strings: StringToNumber for decimal text). */
static double toNumber(const sf_Primitive* v) {
  switch (v->type) {
    case SF_NUMBER: return v->number;
    case SF_BOOLEAN: return v->boolean ? 1 : 0;
    case SF_NULL: return 0;
    case SF_STRING: {
      Units* u = &thirdUnits;
      u->n = sf_utf8ToUtf16(v->string, v->length, u->u, MAX_UNITS);
      size_t start = 0, end = u->n;
      while (start < end && sf_isJsSpace(u->u[start])) start++;
      while (end > start && sf_isJsSpace(u->u[end - 1])) end--;
      if (start == end) return 0;
      char text[400];
      size_t n = 0;
      for (size_t i = start; i < end && n < sizeof text - 1; i++) {
        if (u->u[i] > 0x7F) return NaN;
        text[n++] = (char)u->u[i];
      }
      text[n] = 0;
      size_t consumed;
      double d = hal_parseDouble(text, &consumed);
      if (consumed != n) return NaN;
      /* strtod reads hex floats, "inf" and "nan"; JavaScript's literal grammar doesn't */
      for (size_t i = 0; i < n; i++)
        if (text[i] == 'x' || text[i] == 'X' || text[i] == 'n' || text[i] == 'N' || text[i] == 'i') return NaN;
      return d;
    }
    default: return NaN;
  }
}

static double integerArg(const sf_Primitive* v, double fallbackForUndefined) {
  if (v->type == SF_UNDEFINED) return fallbackForUndefined;
  return sf_toIntegerOrInfinity(toNumber(v));
}

static double clamp(double x, double low, double high) {
  return x < low ? low : x > high ? high : x;
}

static bool matchesAt(const Units* s, size_t at, const Units* search) {
  if (at + search->n > s->n) return false;
  for (size_t i = 0; i < search->n; i++)
    if (s->u[at + i] != search->u[i]) return false;
  return true;
}

static long indexOf(const Units* s, const Units* search, size_t from) {
  if (search->n > s->n) return -1;
  for (size_t i = from; i + search->n <= s->n; i++)
    if (matchesAt(s, i, search)) return (long)i;
  return -1;
}

static bool setString(sf_Primitive* result, sf_Text* text, const uint16_t* units, size_t count) {
  sf_text_clear(text);
  sf_utf16AppendUtf8(text, units, count);
  *result = sf_string(text->data ? text->data : "", text->length);
  return true;
}

static bool setAscii(sf_Primitive* result, sf_Text* text, const char* ascii, size_t length) {
  sf_text_clear(text);
  sf_text_append(text, ascii, length);
  *result = sf_string(text->data ? text->data : "", text->length);
  return true;
}

static bool rangeError(sf_Text* error, const char* message) {
  sf_text_appendString(error, message);
  return false;
}

/* A result longer than the engine can take: the TypeScript host's wasm bridge says this. */
static bool tooLong(int id, sf_Text* error) {
  sf_text_appendString(error, "host function ");
  sf_text_appendInt(error, id);
  sf_text_appendString(error, " returned a string longer than 4094 UTF-8 bytes");
  return false;
}

static uint16_t upper(uint16_t c) {
  if (c >= 'a' && c <= 'z') return (uint16_t)(c - 32);
  if ((c >= 0xE0 && c <= 0xFE && c != 0xF7)) return (uint16_t)(c - 32);
  if (c == 0xFF) return 0x178;
  if (c == 0xB5) return 0x39C;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool oddLower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (oddLower ? (c & 1) == 0 : (c & 1) == 1) return (uint16_t)(c - 1);
    return c;
  }
  if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) return (uint16_t)(c - 32);
  if (c == 0x3C2) return 0x3A3;
  if (c >= 0x430 && c <= 0x44F) return (uint16_t)(c - 32);
  if (c >= 0x450 && c <= 0x45F) return (uint16_t)(c - 80);
  return c;
}

static uint16_t lower(uint16_t c) {
  if (c >= 'A' && c <= 'Z') return (uint16_t)(c + 32);
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return (uint16_t)(c + 32);
  if (c == 0x178) return 0xFF;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool oddLower = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (oddLower ? (c & 1) == 1 : (c & 1) == 0) return (uint16_t)(c + 1);
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return (uint16_t)(c + 32);
  if (c >= 0x410 && c <= 0x42F) return (uint16_t)(c + 32);
  if (c >= 0x400 && c <= 0x40F) return (uint16_t)(c + 80);
  return c;
}

/* GetSubstitution for a string pattern: $$, $&, $` and $' (no captures). */
static size_t substitute(const Units* s, size_t position, size_t matchLength, const Units* replacement, uint16_t* target, size_t at, size_t capacity,
                         bool* overflow) {
#define EMIT(unit) \
  do { \
    if (at >= capacity) { \
      *overflow = true; \
      return at; \
    } \
    target[at++] = (unit); \
  } while (0)
  for (size_t i = 0; i < replacement->n; i++) {
    uint16_t c = replacement->u[i];
    if (c == '$' && i + 1 < replacement->n) {
      uint16_t next = replacement->u[i + 1];
      if (next == '$') {
        EMIT('$');
        i++;
        continue;
      }
      if (next == '&') {
        for (size_t k = 0; k < matchLength; k++) EMIT(s->u[position + k]);
        i++;
        continue;
      }
      if (next == '`') {
        for (size_t k = 0; k < position; k++) EMIT(s->u[k]);
        i++;
        continue;
      }
      if (next == '\'') {
        for (size_t k = position + matchLength; k < s->n; k++) EMIT(s->u[k]);
        i++;
        continue;
      }
    }
    EMIT(c);
  }
  return at;
#undef EMIT
}

static bool pad(const Units* s, const sf_Primitive* lengthArg, const sf_Primitive* fillArg, bool atStart, int id, sf_Primitive* result, sf_Text* text,
                sf_Text* error, sf_Text* scratch) {
  double maxLength = integerArg(lengthArg, 0);
  if (maxLength <= (double)s->n) return setString(result, text, s->u, s->n);
  Units* fill = &argumentUnits;
  if (fillArg->type == SF_UNDEFINED) {
    fill->u[0] = ' ';
    fill->n = 1;
  } else {
    toUnits(fillArg, fill, scratch);
  }
  if (fill->n == 0) return setString(result, text, s->u, s->n);
  if (maxLength > V8_MAX_STRING_LENGTH) return rangeError(error, "Invalid string length");
  if (maxLength > SF_MAX_STRING_BYTES) return tooLong(id, error);
  size_t total = (size_t)maxLength, fillLength = total - s->n, at = 0;
  if (!atStart)
    for (size_t i = 0; i < s->n; i++) out[at++] = s->u[i];
  for (size_t i = 0; i < fillLength; i++) out[at++] = fill->u[i % fill->n];
  if (atStart)
    for (size_t i = 0; i < s->n; i++) out[at++] = s->u[i];
  return setString(result, text, out, at);
}

bool sf_stdlib_has(int id) {
  return id >= SF_STDLIB_STR_LEN && id <= SF_STDLIB_JSON_PARSE;
}

bool sf_stdlib_call(sf_StdlibContext* context, int id, const sf_Primitive* args, int argCount, sf_Primitive* result, sf_Text* text, sf_Text* error) {
  sf_Primitive a[4];
  for (int i = 0; i < 4; i++) a[i] = i < argCount ? args[i] : sf_undefined();
  static sf_Text scratch; /* String() of non-string arguments */
  Units* s = &subjectUnits;
  Units* search = &argumentUnits;
  *result = sf_undefined();
  bool isString = SERVES_STRING_FUNCTIONS && TAKES_STRING(id);
  if (isString) toUnits(&a[0], s, &scratch);

  switch ((sf_HostId)id) {
    SF_CASES_LEFT_OUT /* a per-app image: the functions its app does not import (sf_hostIds.h) */
    SF_IMPORTED_CASE(SF_STDLIB_STR_LEN)
      *result = sf_number((double)s->n);
      return true;
    SF_IMPORTED_CASE(SF_STDLIB_STR_INDEX) {
      double index = -1;
      if (a[1].type == SF_NUMBER) {
        index = a[1].number;
      } else if (a[1].type == SF_STRING) {
        if (a[1].length == 6 && __builtin_memcmp(a[1].string, "length", 6) == 0) {
          *result = sf_number((double)s->n);
          return true;
        }
        bool canonical = a[1].length > 0 && a[1].length < 10 && (a[1].length == 1 || a[1].string[0] != '0');
        index = 0;
        for (size_t i = 0; canonical && i < a[1].length; i++) {
          if (a[1].string[i] < '0' || a[1].string[i] > '9') canonical = false;
          else index = index * 10 + (a[1].string[i] - '0');
        }
        if (!canonical) return true;
      }
      if (index >= 0 && index < (double)s->n && index == __builtin_trunc(index)) return setString(result, text, &s->u[(size_t)index], 1);
      return true;
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_CHAR_AT)
    SF_IMPORTED_CASE(SF_STDLIB_STR_CHAR_CODE_AT)
    SF_IMPORTED_CASE(SF_STDLIB_STR_AT) {
      double position = integerArg(&a[1], 0);
      if (id == SF_STDLIB_STR_AT && position < 0) position += (double)s->n;
      bool inside = position >= 0 && position < (double)s->n;
      if (id == SF_STDLIB_STR_CHAR_CODE_AT) {
        *result = sf_number(inside ? s->u[(size_t)position] : NaN);
        return true;
      }
      if (!inside) return id == SF_STDLIB_STR_AT ? true : setAscii(result, text, "", 0);
      return setString(result, text, &s->u[(size_t)position], 1);
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_INDEX_OF)
    SF_IMPORTED_CASE(SF_STDLIB_STR_INCLUDES) {
      toUnits(&a[1], search, &scratch);
      double from = clamp(integerArg(&a[2], 0), 0, (double)s->n);
      long found = indexOf(s, search, (size_t)from);
      *result = id == SF_STDLIB_STR_INCLUDES ? sf_boolean(found >= 0) : sf_number((double)found);
      return true;
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_LAST_INDEX_OF) {
      toUnits(&a[1], search, &scratch);
      double numberPosition = a[2].type == SF_UNDEFINED ? NaN : toNumber(&a[2]);
      double position = numberPosition != numberPosition ? INF : sf_toIntegerOrInfinity(numberPosition);
      double start = clamp(position, 0, (double)s->n);
      long found = -1;
      if (search->n <= s->n) {
        size_t from = (size_t)start < s->n - search->n ? (size_t)start : s->n - search->n;
        for (long i = (long)from; i >= 0; i--)
          if (matchesAt(s, (size_t)i, search)) {
            found = i;
            break;
          }
      }
      *result = sf_number((double)found);
      return true;
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_SLICE) {
      double length = (double)s->n;
      double start = integerArg(&a[1], 0), end = a[2].type == SF_UNDEFINED ? length : integerArg(&a[2], 0);
      start = start < 0 ? (start + length > 0 ? start + length : 0) : (start < length ? start : length);
      end = end < 0 ? (end + length > 0 ? end + length : 0) : (end < length ? end : length);
      if (start >= end) return setAscii(result, text, "", 0);
      return setString(result, text, &s->u[(size_t)start], (size_t)(end - start));
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_SUBSTRING) {
      double length = (double)s->n;
      double start = clamp(integerArg(&a[1], 0), 0, length), end = a[2].type == SF_UNDEFINED ? length : clamp(integerArg(&a[2], 0), 0, length);
      if (start > end) {
        double t = start;
        start = end;
        end = t;
      }
      return setString(result, text, &s->u[(size_t)start], (size_t)(end - start));
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_TO_UPPER_CASE)
    SF_IMPORTED_CASE(SF_STDLIB_STR_TO_LOWER_CASE) {
      size_t at = 0;
      for (size_t i = 0; i < s->n; i++) {
        uint16_t c = s->u[i];
        if (id == SF_STDLIB_STR_TO_UPPER_CASE && c == 0xDF) {
          out[at++] = 'S';
          out[at++] = 'S';
          continue;
        }
        out[at++] = id == SF_STDLIB_STR_TO_UPPER_CASE ? upper(c) : lower(c);
      }
      if (sf_utf16Utf8Length(out, at) > SF_MAX_STRING_BYTES) return tooLong(id, error);
      return setString(result, text, out, at);
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_TRIM)
    SF_IMPORTED_CASE(SF_STDLIB_STR_TRIM_START)
    SF_IMPORTED_CASE(SF_STDLIB_STR_TRIM_END) {
      size_t start = 0, end = s->n;
      if (id != SF_STDLIB_STR_TRIM_END)
        while (start < end && sf_isJsSpace(s->u[start])) start++;
      if (id != SF_STDLIB_STR_TRIM_START)
        while (end > start && sf_isJsSpace(s->u[end - 1])) end--;
      return setString(result, text, &s->u[start], end - start);
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_STARTS_WITH) {
      toUnits(&a[1], search, &scratch);
      double start = clamp(integerArg(&a[2], 0), 0, (double)s->n);
      *result = sf_boolean(matchesAt(s, (size_t)start, search));
      return true;
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_ENDS_WITH) {
      toUnits(&a[1], search, &scratch);
      double end = a[2].type == SF_UNDEFINED ? (double)s->n : clamp(integerArg(&a[2], 0), 0, (double)s->n);
      *result = sf_boolean(end >= (double)search->n && matchesAt(s, (size_t)end - search->n, search));
      return true;
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_PAD_START)
    SF_IMPORTED_CASE(SF_STDLIB_STR_PAD_END)
      return pad(s, &a[1], &a[2], id == SF_STDLIB_STR_PAD_START, id, result, text, error, &scratch);
    SF_IMPORTED_CASE(SF_STDLIB_STR_REPEAT) {
      double count = integerArg(&a[1], 0);
      if (count < 0 || count == INF) {
        sf_text_appendString(error, "Invalid count value: ");
        sf_text_appendNumber(error, count);
        return false;
      }
      if (s->n == 0 || count == 0) return setAscii(result, text, "", 0);
      if ((double)s->n * count > V8_MAX_STRING_LENGTH) return rangeError(error, "Invalid string length");
      if ((double)sf_utf16Utf8Length(s->u, s->n) * count > SF_MAX_STRING_BYTES) return tooLong(id, error);
      size_t at = 0;
      for (size_t k = 0; k < (size_t)count; k++)
        for (size_t i = 0; i < s->n; i++) out[at++] = s->u[i];
      return setString(result, text, out, at);
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_REPLACE)
    SF_IMPORTED_CASE(SF_STDLIB_STR_REPLACE_ALL) {
      toUnits(&a[1], search, &scratch);
      Units* replacement = &thirdUnits;
      toUnits(&a[2], replacement, &scratch);
      bool overflow = false;
      size_t at = 0, copied = 0, capacity = sizeof out / sizeof out[0];
      long position = indexOf(s, search, 0);
      while (position >= 0 && !overflow) {
        for (size_t i = copied; i < (size_t)position && at < capacity; i++) out[at++] = s->u[i];
        at = substitute(s, (size_t)position, search->n, replacement, out, at, capacity, &overflow);
        copied = (size_t)position + search->n;
        if (id == SF_STDLIB_STR_REPLACE) break;
        size_t next = (size_t)position + (search->n ? search->n : 1);
        position = next > s->n ? -1 : indexOf(s, search, next);
      }
      for (size_t i = copied; i < s->n && at < capacity; i++) out[at++] = s->u[i];
      if (overflow || at >= capacity || sf_utf16Utf8Length(out, at) > SF_MAX_STRING_BYTES) return tooLong(id, error);
      return setString(result, text, out, at);
    }
    SF_IMPORTED_CASE(SF_STDLIB_STR_COMPARE) {
      toUnits(&a[1], search, &scratch);
      int order = 0;
      for (size_t i = 0; !order && i < s->n && i < search->n; i++) order = s->u[i] < search->u[i] ? -1 : s->u[i] > search->u[i] ? 1 : 0;
      if (!order) order = s->n < search->n ? -1 : s->n > search->n ? 1 : 0;
      *result = sf_number(order);
      return true;
    }
    SF_IMPORTED_CASE(SF_STDLIB_JSON_QUOTE)
      sf_text_clear(text);
      sf_text_appendJsonString(text, a[0].type == SF_STRING ? a[0].string : "", a[0].type == SF_STRING ? a[0].length : 0);
      if (text->length > SF_MAX_STRING_BYTES) return tooLong(id, error);
      *result = sf_string(text->data, text->length);
      return true;
    SF_IMPORTED_CASE(SF_STDLIB_NUM_TO_FIXED) {
      double digits = integerArg(&a[1], 0);
      if (!(digits >= 0 && digits <= 100)) return rangeError(error, "toFixed() digits argument must be between 0 and 100");
      char buffer[SF_FIXED_TEXT_SIZE];
      return setAscii(result, text, buffer, sf_numberToFixed(toNumber(&a[0]), (int)digits, buffer));
    }
    SF_IMPORTED_CASE(SF_STDLIB_PRIM_TO_STRING) {
      if (a[1].type == SF_UNDEFINED || a[0].type != SF_NUMBER) {
        sf_text_clear(text);
        sf_appendPrimitiveString(text, &a[0]);
        if (text->length > SF_MAX_STRING_BYTES) return tooLong(id, error);
        *result = sf_string(text->data ? text->data : "", text->length);
        return true;
      }
      double radix = integerArg(&a[1], 10);
      if (radix < 2 || radix > 36) return rangeError(error, "toString() radix must be between 2 and 36");
      if (radix == 10) {
        char buffer[SF_NUMBER_TEXT_SIZE];
        return setAscii(result, text, buffer, sf_numberToString(a[0].number, buffer));
      }
      /* numberText.h: a cut result must be longer than the longest string */
      typedef char radixBufferCutsOnlyTooLongResults[SF_RADIX_TEXT_SIZE >= 2200 || SF_RADIX_TEXT_SIZE >= 2 * (SF_MAX_STRING_BYTES + 3) ? 1 : -1];
      (void)sizeof(radixBufferCutsOnlyTooLongResults);
      static char buffer[SF_RADIX_TEXT_SIZE];
      size_t length = sf_numberToRadix(a[0].number, (int)radix, buffer);
      if (length > SF_MAX_STRING_BYTES) return tooLong(id, error);
      return setAscii(result, text, buffer, length);
    }
    SF_IMPORTED_CASE(SF_STDLIB_PARSE_INT)
      toUnits(&a[0], s, &scratch);
      *result = sf_number(sf_parseInt(s->u, s->n, a[1].type == SF_UNDEFINED ? 0 : toNumber(&a[1])));
      return true;
    SF_IMPORTED_CASE(SF_STDLIB_PARSE_FLOAT)
      toUnits(&a[0], s, &scratch);
      *result = sf_number(sf_parseFloat(s->u, s->n));
      return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_RANDOM)
      *result = sf_number(context->random(context->randomContext));
      return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_SQRT) *result = sf_number(__builtin_sqrt(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_CBRT) *result = sf_number(__builtin_cbrt(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_LOG) *result = sf_number(__builtin_log(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_LOG2) *result = sf_number(__builtin_log2(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_LOG10) *result = sf_number(__builtin_log10(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_EXP) *result = sf_number(__builtin_exp(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_SIN) *result = sf_number(__builtin_sin(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_COS) *result = sf_number(__builtin_cos(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_TAN) *result = sf_number(__builtin_tan(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_ASIN) *result = sf_number(__builtin_asin(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_ACOS) *result = sf_number(__builtin_acos(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_ATAN) *result = sf_number(__builtin_atan(toNumber(&a[0]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_ATAN2) *result = sf_number(__builtin_atan2(toNumber(&a[0]), toNumber(&a[1]))); return true;
    SF_IMPORTED_CASE(SF_STDLIB_MATH_FLOOR)
    SF_IMPORTED_CASE(SF_STDLIB_MATH_CEIL)
    SF_IMPORTED_CASE(SF_STDLIB_MATH_ROUND)
    SF_IMPORTED_CASE(SF_STDLIB_MATH_TRUNC) {
      double x = toNumber(&a[0]), r;
      if (id == SF_STDLIB_MATH_FLOOR) r = __builtin_floor(x);
      else if (id == SF_STDLIB_MATH_CEIL) r = __builtin_ceil(x);
      else if (id == SF_STDLIB_MATH_TRUNC) r = __builtin_trunc(x);
      else {
        r = __builtin_floor(x);
        if (x == x && x - r >= 0.5) r += 1; /* ties toward +Infinity, as Math.round */
      }
      *result = sf_number(r == 0 ? 0 : r); /* -0 becomes 0 (see hostFunctions.ts) */
      return true;
    }
    SF_IMPORTED_CASE(SF_STDLIB_JSON_PARSE) {
      sf_text_clear(&scratch);
      sf_appendPrimitiveString(&scratch, &a[0]);
      const char* source = scratch.data ? scratch.data : "";
      sf_text_clear(text);
      if (!sf_json_parse(context->document, source, scratch.length, text)) {
        *result = sf_string(text->data, text->length);
        return true;
      }
      if (context->document->tooDeepAt) {
        sf_json_tooDeepMessage(source, scratch.length, context->document->tooDeepAt, text);
        *result = sf_string(text->data, text->length);
        return true;
      }
      /* hostFunctions.ts: a name the engine can't hold is a SyntaxError the code can catch */
      sf_text_clear(text);
      sf_text_appendString(text, SF_TX_JSON_PARSE_COLON);
      sf_TokenLoad load = sf_tokenReader_load(context->reader, context->document, 0, text);
      if (load == SF_TOKENS_OUT_OF_MEMORY) return rangeError(error, "JSON.parse: out of memory");
      if (load == SF_TOKENS_UNHOLDABLE_NAME) *result = sf_string(text->data, text->length);
      return true;
    }
    /* not the standard library's; no default, so a stdlib id added to hostIds.ts and not handled
     * above fails the build */
    SF_RUNTIME_HOST_IDS(SF_HOST_ID_CASE)
      break;
  }
  sf_text_appendString(error, "host function ");
  sf_text_appendInt(error, id);
  sf_text_appendString(error, " was not resolved");
  return false;
}
