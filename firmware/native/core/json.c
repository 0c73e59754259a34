#include "json.h"

#include "../hal/platform.h"
#include "utf16.h"
#include "sf_deviceTexts.h"

/* Nesting bound: far beyond what feature code may parse (64). The parse and flatten() loop
 * rather than recurse, so it costs no C stack. */
#define MAX_PARSE_DEPTH 512

typedef struct Parser {
  sf_JsonDocument* d;
  const char* text;
  size_t length;
  size_t at;
  /* set on failure: what was expected at `at` */
  const char* expected;
  bool outOfMemory;
} Parser;

void sf_json_init(sf_JsonDocument* d) {
  d->nodes = 0;
  d->count = d->capacity = 0;
  sf_text_init(&d->strings, 0);
  d->depth = 0;
  d->tooDeepAt = 0;
}

void sf_json_free(sf_JsonDocument* d) {
  hal_free(d->nodes);
  sf_text_free(&d->strings);
  sf_json_init(d);
}

static int32_t newNode(Parser* p, sf_JsonType type) {
  sf_JsonDocument* d = p->d;
  if (d->count == d->capacity) {
    int32_t capacity = d->capacity ? d->capacity * 2 : 16;
    sf_JsonNode* grown = hal_malloc((size_t)capacity * sizeof *grown);
    if (!grown) {
      p->outOfMemory = true;
      return SF_JSON_NONE;
    }
    if (d->count) __builtin_memcpy(grown, d->nodes, (size_t)d->count * sizeof *grown);
    hal_free(d->nodes);
    d->nodes = grown;
    d->capacity = capacity;
  }
  sf_JsonNode* n = &d->nodes[d->count];
  n->type = type;
  n->next = n->firstChild = SF_JSON_NONE;
  n->key = n->keyLength = n->string = n->stringLength = 0;
  n->number = 0;
  return d->count++;
}

static bool fail(Parser* p, const char* expected) {
  if (!p->expected) p->expected = expected;
  return false;
}

static char peek(const Parser* p) {
  return p->at < p->length ? p->text[p->at] : 0;
}

static bool atEnd(const Parser* p) {
  return p->at >= p->length;
}

static bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void whitespace(Parser* p) {
  while (!atEnd(p) && isSpace(peek(p))) p->at++;
}

static int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void appendCodePoint(sf_Text* t, uint32_t cp) {
  uint16_t units[2];
  size_t n = 0;
  if (cp >= 0x10000) {
    cp -= 0x10000;
    units[n++] = (uint16_t)(0xD800 + (cp >> 10));
    units[n++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
  } else {
    units[n++] = (uint16_t)cp;
  }
  sf_utf16AppendUtf8(t, units, n);
}

/* A string at p->at (on the opening quote); its unescaped UTF-8 goes to the strings. */
static bool string(Parser* p, uint32_t* offset, uint32_t* length) {
  sf_Text* out = &p->d->strings;
  *offset = (uint32_t)out->length;
  p->at++;
  int pendingHigh = -1; /* a \uD8xx waiting for its pair */
  for (;;) {
    if (atEnd(p)) return fail(p, SF_TX_CLOSE_STRING);
    unsigned char c = (unsigned char)peek(p);
    if (c == '"') {
      p->at++;
      break;
    }
    if (c < 0x20) return fail(p, SF_TX_CLOSE_STRING_CONTROL_CHARACTERS_LINE);
    if (c != '\\') {
      if (pendingHigh >= 0) appendCodePoint(out, 0xFFFD), pendingHigh = -1;
      size_t start = p->at;
      while (!atEnd(p) && (unsigned char)peek(p) >= 0x20 && peek(p) != '"' && peek(p) != '\\') p->at++;
      sf_text_append(out, p->text + start, p->at - start);
      continue;
    }
    p->at++;
    char e = peek(p);
    const char* simple = 0;
    switch (e) {
      case '"': simple = "\""; break;
      case '\\': simple = "\\"; break;
      case '/': simple = "/"; break;
      case 'b': simple = "\b"; break;
      case 'f': simple = "\f"; break;
      case 'n': simple = "\n"; break;
      case 'r': simple = "\r"; break;
      case 't': simple = "\t"; break;
      default: break;
    }
    if (simple) {
      if (pendingHigh >= 0) appendCodePoint(out, 0xFFFD), pendingHigh = -1;
      sf_text_append(out, simple, 1);
      p->at++;
      continue;
    }
    if (e != 'u') return fail(p, SF_TX_ESCAPE_B_F_N_R);
    p->at++;
    uint32_t unit = 0;
    for (int i = 0; i < 4; i++) {
      int h = hexValue(peek(p));
      if (atEnd(p) || h < 0) return fail(p, SF_TX_HEX_DIGITS_AFTER_U);
      unit = unit * 16 + (uint32_t)h;
      p->at++;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF && pendingHigh >= 0) {
      appendCodePoint(out, 0x10000 + (((uint32_t)pendingHigh - 0xD800) << 10) + (unit - 0xDC00));
      pendingHigh = -1;
    } else {
      if (pendingHigh >= 0) appendCodePoint(out, 0xFFFD);
      pendingHigh = -1;
      if (unit >= 0xD800 && unit <= 0xDBFF) pendingHigh = (int)unit;
      else if (unit >= 0xDC00 && unit <= 0xDFFF) appendCodePoint(out, 0xFFFD);
      else appendCodePoint(out, unit);
    }
  }
  if (pendingHigh >= 0) appendCodePoint(out, 0xFFFD);
  *length = (uint32_t)(out->length - *offset);
  sf_text_appendChar(out, 0); /* NUL-terminated in the pool, for the C side */
  if (out->failed) p->outOfMemory = true;
  return !out->failed;
}

static bool digits(Parser* p) {
  size_t start = p->at;
  while (!atEnd(p) && peek(p) >= '0' && peek(p) <= '9') p->at++;
  return p->at == start ? fail(p, "a digit") : true;
}

static bool word(Parser* p, const char* w, const char* expected) {
  for (; *w; w++) {
    if (peek(p) != *w || atEnd(p)) return fail(p, expected);
    p->at++;
  }
  return true;
}

static bool numberValue(Parser* p, int32_t node) {
  char c = peek(p);
  size_t start = p->at;
  if (c == '-') p->at++;
  if (peek(p) == '0' && !atEnd(p)) p->at++;
  else if (!digits(p)) return false;
  if (peek(p) == '.' && !atEnd(p)) {
    p->at++;
    if (!digits(p)) return false;
  }
  if ((peek(p) == 'e' || peek(p) == 'E') && !atEnd(p)) {
    p->at++;
    if (peek(p) == '+' || peek(p) == '-') p->at++;
    if (!digits(p)) return false;
  }
  char text[64];
  size_t length = p->at - start;
  double parsed;
  size_t consumed;
  if (length < sizeof text) {
    __builtin_memcpy(text, p->text + start, length);
    text[length] = 0;
    parsed = hal_parseDouble(text, &consumed);
  } else {
    /* Long numbers: copy to the heap for the port's parser. */
    char* copy = hal_malloc(length + 1);
    if (!copy) {
      p->outOfMemory = true;
      return false;
    }
    __builtin_memcpy(copy, p->text + start, length);
    copy[length] = 0;
    parsed = hal_parseDouble(copy, &consumed);
    hal_free(copy);
  }
  sf_JsonNode* n = &p->d->nodes[node];
  n->type = SF_JSON_NUMBER;
  n->number = parsed;
  return true;
}

/* A value that is not an object or an array, at p->at, into `node`. */
static bool scalar(Parser* p, int32_t node) {
  char c = peek(p);
  sf_JsonNode* n = &p->d->nodes[node];
  if (c == '"') {
    n->type = SF_JSON_STRING;
    uint32_t offset, length;
    if (!string(p, &offset, &length)) return false;
    n = &p->d->nodes[node];
    n->string = offset;
    n->stringLength = length;
    return true;
  }
  if (c == '-' || (c >= '0' && c <= '9')) return numberValue(p, node);
  if (c == 't') return n->type = SF_JSON_TRUE, word(p, "true", "'true'");
  if (c == 'f') return n->type = SF_JSON_FALSE, word(p, "false", "'false'");
  if (c == 'n') return n->type = SF_JSON_NULL, word(p, "null", "'null'");
  return fail(p, SF_TX_VALUE_OBJECT_ARRAY_STRING_NUMBER);
}

/* The document's values, in a loop rather than a recursion: one C frame per level of nesting
 * would take MAX_PARSE_DEPTH frames of the stack (scripts/stackDepth.mjs). An open
 * container keeps its parent in `next` and its last child in `string` until it closes (then
 * back to newNode's NONE and 0); `depth` counts the open ones. */
static bool values(Parser* p) {
  int32_t node = 0;            /* the value to parse next: the root first */
  int32_t open = SF_JSON_NONE; /* the innermost open container */
  int depth = 0;
  for (;;) {
    char c = peek(p);
    if (atEnd(p)) return fail(p, SF_TX_VALUE_OBJECT_ARRAY_STRING_NUMBER);
    bool firstMember = false;
    if (c == '{' || c == '[') {
      p->d->nodes[node].type = c == '{' ? SF_JSON_OBJECT : SF_JSON_ARRAY;
      depth++;
      if (depth > p->d->depth) p->d->depth = depth;
      if (depth == SF_JSON_MAX_FEATURE_DEPTH + 1 && !p->d->tooDeepAt) p->d->tooDeepAt = p->at + 1;
      if (depth > MAX_PARSE_DEPTH) return fail(p, SF_TX_AT_MOST_64_LEVELS_NESTED);
      p->at++;
      whitespace(p);
      if (peek(p) == (c == '{' ? '}' : ']') && !atEnd(p)) {
        p->at++;
        depth--;
      } else {
        sf_JsonNode* n = &p->d->nodes[node];
        n->next = open;
        n->string = (uint32_t)SF_JSON_NONE;
        open = node;
        firstMember = true;
      }
    } else if (!scalar(p, node)) {
      return false;
    }
    /* A value is complete: close what ends here, up to a container with another member. */
    while (!firstMember) {
      if (open == SF_JSON_NONE) return true;
      whitespace(p);
      bool object = p->d->nodes[open].type == SF_JSON_OBJECT;
      if (peek(p) == (object ? '}' : ']') && !atEnd(p)) {
        p->at++;
        sf_JsonNode* o = &p->d->nodes[open];
        open = o->next;
        o->next = SF_JSON_NONE;
        o->string = 0;
        depth--;
        continue;
      }
      if (peek(p) != ',' || atEnd(p)) return fail(p, object ? SF_TX_OR_AFTER_PROPERTY_VALUE : SF_TX_OR_AFTER_ARRAY_ITEM);
      p->at++;
      whitespace(p);
      break;
    }
    /* The next member of `open`: its key (in an object), then its value. */
    uint32_t key = 0, keyLength = 0;
    if (p->d->nodes[open].type == SF_JSON_OBJECT) {
      if (peek(p) != '"' || atEnd(p)) return fail(p, "a property name in double quotes");
      if (!string(p, &key, &keyLength)) return false;
      whitespace(p);
      if (peek(p) != ':' || atEnd(p)) return fail(p, SF_TX_AFTER_PROPERTY_NAME);
      p->at++;
      whitespace(p);
    }
    int32_t child = newNode(p, SF_JSON_NULL);
    if (child == SF_JSON_NONE) return false;
    sf_JsonNode* o = &p->d->nodes[open];
    p->d->nodes[child].key = key;
    p->d->nodes[child].keyLength = keyLength;
    if ((int32_t)o->string == SF_JSON_NONE) o->firstChild = child;
    else p->d->nodes[o->string].next = child;
    o->string = (uint32_t)child;
    node = child;
  }
}

/* "JSON.parse: expected X at line L column C (position P), found F", positions in UTF-16 units. */
static void describe(const char* text, size_t length, size_t at, const char* expected, sf_Text* error) {
  size_t position = sf_utf16Count(text, at);
  size_t line = 1, lastNewline = 0;
  bool sawNewline = false;
  for (size_t i = 0; i < at; i++)
    if (text[i] == '\n') line++, lastNewline = i, sawNewline = true;
  size_t column = sawNewline ? position - sf_utf16Count(text, lastNewline) : position + 1;
  sf_text_appendString(error, SF_TX_JSON_PARSE_EXPECTED);
  sf_text_appendString(error, expected);
  sf_text_appendString(error, " at line ");
  sf_text_appendInt(error, (int64_t)line);
  sf_text_appendString(error, " column ");
  sf_text_appendInt(error, (int64_t)column);
  sf_text_appendString(error, " (position ");
  sf_text_appendInt(error, (int64_t)position);
  sf_text_appendString(error, "), found ");
  if (at >= length) {
    sf_text_appendString(error, SF_TX_END_TEXT);
    return;
  }
  /* JSON.stringify of the one UTF-16 unit there (half of a surrogate pair prints as \udXXX). */
  uint16_t units[2];
  size_t end = at + 1;
  while (end < length && ((unsigned char)text[end] & 0xC0) == 0x80) end++;
  size_t count = sf_utf8ToUtf16(text + at, end - at, units, 2);
  if (count == 2) {
    static const char hex[] = "0123456789abcdef";
    char escaped[8] = {'"', '\\', 'u', hex[units[0] >> 12], hex[(units[0] >> 8) & 15], hex[(units[0] >> 4) & 15], hex[units[0] & 15], '"'};
    sf_text_append(error, escaped, 8);
  } else {
    sf_Text one;
    sf_text_init(&one, 0);
    sf_utf16AppendUtf8(&one, units, count);
    sf_text_appendJsonString(error, one.data ? one.data : "", one.length);
    sf_text_free(&one);
  }
}

/* How many values `text` holds, counted before parsing so that the nodes are allocated once, at
 * their number: grown by doubling, the old array was held beside one twice its size, and a
 * package's manifest (65 to 128 values) took 7.5 KB at once where 2.8 KB hold it, beside the
 * running app: the M0+'s heap peak (firmware/native/README.md, "heap: peak"). A value starts at
 * '{', '[', a number or a literal, or is a string not followed by ':' (a key). For text that
 * isn't JSON the count is only a guess: the parser grows the array when it needs more. */
static int32_t countValues(const char* text, size_t length) {
  int32_t count = 0;
  for (size_t i = 0; i < length; i++) {
    char c = text[i];
    if (c == '"') {
      for (i++; i < length && text[i] != '"'; i++) {
        if (text[i] == '\\') i++;
      }
      size_t next = i + 1;
      while (next < length && isSpace(text[next])) next++;
      if (next >= length || text[next] != ':') count++;
    } else if (c == '{' || c == '[') {
      count++;
    } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
      count++;
      /* the rest of the number or literal (an exponent's sign is not another value) */
      while (i + 1 < length && !isSpace(text[i + 1]) && text[i + 1] != ',' && text[i + 1] != ']' && text[i + 1] != '}' && text[i + 1] != ':' && text[i + 1] != '"') i++;
    }
  }
  return count > 0 ? count : 1;
}

/* Counted values beyond this are left to the doubling: text that only looks like many values
 * ("[[[[…" past the nesting limit) can't make a document allocate 40 bytes per byte. */
#define MAX_RESERVED_NODES 1024

/* The nodes for `count` values at once (none copied: the document is empty); when that much
 * isn't free, the parser's doubling tries and reports running out. */
static void reserveNodes(sf_JsonDocument* d, int32_t count) {
  if (count <= d->capacity || count > MAX_RESERVED_NODES) return;
  sf_JsonNode* nodes = hal_malloc((size_t)count * sizeof *nodes);
  if (!nodes) return;
  hal_free(d->nodes);
  d->nodes = nodes;
  d->capacity = count;
}

bool sf_json_parse(sf_JsonDocument* d, const char* text, size_t length, sf_Text* error) {
  d->count = 0;
  reserveNodes(d, countValues(text, length));
  sf_text_clear(&d->strings);
  d->depth = 0;
  d->tooDeepAt = 0;
  Parser p = {d, text, length, 0, 0, false};
  bool ok = newNode(&p, SF_JSON_NULL) != SF_JSON_NONE;
  if (ok) {
    whitespace(&p);
    ok = values(&p);
  }
  if (ok) {
    whitespace(&p);
    if (!atEnd(&p)) ok = fail(&p, SF_TX_END_TEXT);
  }
  if (ok) return true;
  if (error) {
    if (p.outOfMemory) sf_text_appendString(error, SF_TX_JSON_PARSE_OUT_MEMORY);
    else describe(text, length, p.at, p.expected, error);
  }
  return false;
}

void sf_json_tooDeepMessage(const char* text, size_t length, size_t at, sf_Text* error) {
  describe(text, length, at - 1, SF_TX_AT_MOST_64_LEVELS_NESTED, error);
}

const sf_JsonNode* sf_json_member(const sf_JsonDocument* d, const sf_JsonNode* object, const char* key) {
  if (!object || object->type != SF_JSON_OBJECT) return 0;
  const sf_JsonNode* found = 0;
  for (int32_t i = object->firstChild; i != SF_JSON_NONE; i = d->nodes[i].next) {
    if (sf_streq(sf_json_key(d, &d->nodes[i]), key)) found = &d->nodes[i];
  }
  return found;
}
