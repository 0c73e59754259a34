/* The value token stream (core/runtime/valueTokens.ts is the TypeScript twin): Microvium's host
 * API passes primitives only, so objects and arrays cross the VM boundary as tokens (kinds in
 * the generated sf_Token). The writer turns the tokens the VM sends into JSON text (JSON
 * semantics: undefined in an array is null, in an object the key is dropped); the reader feeds
 * a parsed JSON value to the VM token by token, members in JavaScript's own order (integer keys
 * ascending first, a repeated key keeps its first place and its last value). */
#ifndef SF_VALUE_TOKENS_H
#define SF_VALUE_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "primitive.h"
#include "textBuffer.h"

typedef struct sf_TokenWriter {
  sf_Text json;
  /* One byte per open container: bit 0 array, bit 1 has items. */
  sf_Text frames;
  sf_Text key;
  bool keyPending;
  bool hasValue;
} sf_TokenWriter;

void sf_tokenWriter_init(sf_TokenWriter* writer);
void sf_tokenWriter_free(sf_TokenWriter* writer);
/* One token from the VM; false with the message in `error` when the stream is malformed. */
bool sf_tokenWriter_token(sf_TokenWriter* writer, int kind, const sf_Primitive* payload, sf_Text* error);
/* Forgets a half-streamed value. */
void sf_tokenWriter_reset(sf_TokenWriter* writer);
/* The completed value's JSON (valid until the next token), or NULL with the message in `error`
 * when incomplete. Resets the writer. */
const char* sf_tokenWriter_take(sf_TokenWriter* writer, size_t* length, sf_Text* error);

typedef struct sf_TokenEntry {
  uint8_t kind;
  sf_Primitive payload;
} sf_TokenEntry;

typedef struct sf_TokenReader {
  sf_TokenEntry* entries;
  size_t count, capacity, position;
} sf_TokenReader;

void sf_tokenReader_init(sf_TokenReader* reader);
void sf_tokenReader_free(sf_TokenReader* reader);
typedef enum sf_TokenLoad { SF_TOKENS_LOADED, SF_TOKENS_OUT_OF_MEMORY, SF_TOKENS_UNHOLDABLE_NAME } sf_TokenLoad;

/* Queues the value at node `root` of the document, which must outlive the reads. With
 * `unholdable` (may be NULL), a property name the engine can't hold (unholdableNames.h) queues
 * nothing: SF_TOKENS_UNHOLDABLE_NAME, its problem appended to `unholdable`. */
sf_TokenLoad sf_tokenReader_load(sf_TokenReader* reader, const sf_JsonDocument* document, int32_t root, sf_Text* unholdable);
/* Advances and returns the kind, or -1 past the end ("VM read past the end"). */
int sf_tokenReader_nextKind(sf_TokenReader* reader);
/* Payload of the token nextKind returned last. */
sf_Primitive sf_tokenReader_payload(const sf_TokenReader* reader);

/* A JSON node as the primitive it is (undefined for containers). */
sf_Primitive sf_json_primitive(const sf_JsonDocument* document, const sf_JsonNode* node);

/* JSON.stringify(JSON.parse(text)) of node `node`, appended to `out`: members in JavaScript's
 * order, numbers as JavaScript prints them. */
void sf_json_stringify(const sf_JsonDocument* document, int32_t node, sf_Text* out);

#endif
