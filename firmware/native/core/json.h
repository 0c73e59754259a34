/* JSON text -> a small tree, with JSON.parse's grammar (RFC 8259) and, on bad input, the message
 * the TypeScript standard library gives (core/runtime/stdlib/jsonParseErrors.ts): where (line,
 * column, position in UTF-16 units) and what was expected. Freestanding, for the core: envelopes,
 * JSON.parse in feature code, the manifest. */
#ifndef SF_JSON_H
#define SF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "textBuffer.h"

typedef enum sf_JsonType {
  SF_JSON_NULL,
  SF_JSON_FALSE,
  SF_JSON_TRUE,
  SF_JSON_NUMBER,
  SF_JSON_STRING,
  SF_JSON_ARRAY,
  SF_JSON_OBJECT,
} sf_JsonType;

#define SF_JSON_NONE (-1)
/* Deepest nesting feature code may parse (MAX_JSON_DEPTH in jsonParseErrors.ts). */
#define SF_JSON_MAX_FEATURE_DEPTH 64

typedef struct sf_JsonNode {
  sf_JsonType type;
  int32_t next;       /* next sibling, SF_JSON_NONE at the end */
  int32_t firstChild; /* arrays and objects */
  /* Object members: the key (offset and length in the document's strings). */
  uint32_t key, keyLength;
  /* Strings: offset and length (UTF-8, unescaped) in the document's strings. */
  uint32_t string, stringLength;
  double number;
} sf_JsonNode;

typedef struct sf_JsonDocument {
  sf_JsonNode* nodes; /* nodes[0] is the root */
  int32_t count, capacity;
  sf_Text strings;
  /* Deepest nesting, and the byte offset of the first bracket past SF_JSON_MAX_FEATURE_DEPTH. */
  int depth;
  size_t tooDeepAt;
} sf_JsonDocument;

void sf_json_init(sf_JsonDocument* document);
void sf_json_free(sf_JsonDocument* document);
/* Parses text into the document (replacing what it held). On failure returns false and appends
 * the message to `error` (NULL: no message). */
bool sf_json_parse(sf_JsonDocument* document, const char* text, size_t length, sf_Text* error);
/* The message for a document nested deeper than feature code may (jsonTooDeep). */
void sf_json_tooDeepMessage(const char* text, size_t length, size_t at, sf_Text* error);

static inline const char* sf_json_string(const sf_JsonDocument* d, const sf_JsonNode* n) {
  return d->strings.data + n->string;
}
static inline const char* sf_json_key(const sf_JsonDocument* d, const sf_JsonNode* n) {
  return d->strings.data + n->key;
}
/* The member named `key` of an object node (the last one, as JSON.parse keeps), or NULL. */
const sf_JsonNode* sf_json_member(const sf_JsonDocument* d, const sf_JsonNode* object, const char* key);

#endif
