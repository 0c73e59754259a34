#include "valueTokens.h"

#include "../hal/platform.h"
#include "sf_hostIds.h"
#include "sf_deviceTexts.h"
#include "unholdableNames.h"

enum { FRAME_ARRAY = 1, FRAME_HAS_ITEMS = 2 };

void sf_tokenWriter_init(sf_TokenWriter* w) {
  sf_text_init(&w->json, 0);
  sf_text_init(&w->frames, 0);
  sf_text_init(&w->key, 0);
  w->keyPending = false;
  w->hasValue = false;
}

void sf_tokenWriter_free(sf_TokenWriter* w) {
  sf_text_free(&w->json);
  sf_text_free(&w->frames);
  sf_text_free(&w->key);
}

void sf_tokenWriter_reset(sf_TokenWriter* w) {
  sf_text_clear(&w->json);
  sf_text_clear(&w->frames);
  sf_text_clear(&w->key);
  w->keyPending = false;
  w->hasValue = false;
}

static void appendPrimitive(sf_Text* json, const sf_Primitive* v) {
  switch (v->type) {
    case SF_BOOLEAN:
      sf_text_appendString(json, v->boolean ? "true" : "false");
      return;
    case SF_NUMBER:
      /* as JSON.stringify: NaN and Infinity are null */
      if (v->number != v->number || v->number == __builtin_inf() || v->number == -__builtin_inf()) sf_text_appendString(json, "null");
      else sf_text_appendNumber(json, v->number);
      return;
    case SF_STRING:
      sf_text_appendJsonString(json, v->string, v->length);
      return;
    default:
      sf_text_appendString(json, "null");
  }
}

/* Where the next value goes: writes the separator and key. Returns false with a message for an
 * object value without a key; sets *skip for an undefined object member. */
static bool place(sf_TokenWriter* w, bool undefinedValue, bool* skip, sf_Text* error) {
  *skip = false;
  if (w->frames.length == 0) {
    sf_text_clear(&w->json); /* a top-level value replaces any earlier one */
    return true;
  }
  char* frame = &w->frames.data[w->frames.length - 1];
  if (*frame & FRAME_ARRAY) {
    if (*frame & FRAME_HAS_ITEMS) sf_text_appendChar(&w->json, ',');
    *frame |= FRAME_HAS_ITEMS;
    return true;
  }
  if (!w->keyPending) {
    sf_text_appendString(error, SF_TX_VALUE_TOKEN_STREAM_OBJECT_VALUE);
    return false;
  }
  w->keyPending = false;
  if (undefinedValue) {
    *skip = true;
    return true;
  }
  if (*frame & FRAME_HAS_ITEMS) sf_text_appendChar(&w->json, ',');
  *frame |= FRAME_HAS_ITEMS;
  sf_text_appendJsonString(&w->json, w->key.data ? w->key.data : "", w->key.length);
  sf_text_appendChar(&w->json, ':');
  return true;
}

bool sf_tokenWriter_token(sf_TokenWriter* w, int kind, const sf_Primitive* payload, sf_Text* error) {
  bool skip;
  switch (kind) {
    case SF_TOKEN_PRIMITIVE: {
      bool inObject = w->frames.length && !(w->frames.data[w->frames.length - 1] & FRAME_ARRAY);
      if (!place(w, payload->type == SF_UNDEFINED && inObject, &skip, error)) return false;
      if (!skip) appendPrimitive(&w->json, payload);
      if (w->frames.length == 0) w->hasValue = true;
      return true;
    }
    case SF_TOKEN_BEGIN_ARRAY:
    case SF_TOKEN_BEGIN_OBJECT:
      if (!place(w, false, &skip, error)) return false;
      sf_text_appendChar(&w->json, kind == SF_TOKEN_BEGIN_ARRAY ? '[' : '{');
      sf_text_appendChar(&w->frames, kind == SF_TOKEN_BEGIN_ARRAY ? FRAME_ARRAY : 0);
      return true;
    case SF_TOKEN_KEY: {
      if (w->frames.length == 0) {
        sf_text_appendString(error, SF_TX_VALUE_TOKEN_STREAM_KEY_OUTSIDE);
        return false;
      }
      sf_text_clear(&w->key);
      /* String(payload) */
      if (payload->type == SF_STRING) sf_text_append(&w->key, payload->string, payload->length);
      else if (payload->type == SF_NUMBER) sf_text_appendNumber(&w->key, payload->number);
      else if (payload->type == SF_BOOLEAN) sf_text_appendString(&w->key, payload->boolean ? "true" : "false");
      else sf_text_appendString(&w->key, payload->type == SF_NULL ? "null" : "undefined");
      w->keyPending = true;
      return true;
    }
    case SF_TOKEN_END:
      if (w->frames.length == 0) {
        sf_text_appendString(error, SF_TX_VALUE_TOKEN_STREAM_END_WITHOUT);
        return false;
      }
      sf_text_appendChar(&w->json, (w->frames.data[w->frames.length - 1] & FRAME_ARRAY) ? ']' : '}');
      w->frames.length--;
      w->keyPending = false;
      if (w->frames.length == 0) w->hasValue = true;
      return true;
    default:
      sf_text_appendString(error, SF_TX_VALUE_TOKEN_STREAM_UNKNOWN_TOKEN);
      sf_text_appendInt(error, kind);
      return false;
  }
}

const char* sf_tokenWriter_take(sf_TokenWriter* w, size_t* length, sf_Text* error) {
  if (!w->hasValue || w->frames.length) {
    sf_tokenWriter_reset(w);
    sf_text_appendString(error, SF_TX_VALUE_TOKEN_STREAM_INCOMPLETE);
    return 0;
  }
  if (w->json.failed) {
    sf_tokenWriter_reset(w);
    sf_text_appendString(error, SF_TX_VALUE_TOKEN_STREAM_OUT_MEMORY);
    return 0;
  }
  w->hasValue = false;
  sf_text_clear(&w->frames);
  *length = w->json.length;
  return w->json.data;
}

void sf_tokenReader_init(sf_TokenReader* r) {
  r->entries = 0;
  r->count = r->capacity = r->position = 0;
}

void sf_tokenReader_free(sf_TokenReader* r) {
  hal_free(r->entries);
  sf_tokenReader_init(r);
}

static bool push(sf_TokenReader* r, uint8_t kind, sf_Primitive payload) {
  if (r->count == r->capacity) {
    size_t capacity = r->capacity ? r->capacity * 2 : 32;
    sf_TokenEntry* grown = hal_malloc(capacity * sizeof *grown);
    if (!grown) return false;
    if (r->count) __builtin_memcpy(grown, r->entries, r->count * sizeof *grown);
    hal_free(r->entries);
    r->entries = grown;
    r->capacity = capacity;
  }
  r->entries[r->count].kind = kind;
  r->entries[r->count].payload = payload;
  r->count++;
  return true;
}

sf_Primitive sf_json_primitive(const sf_JsonDocument* d, const sf_JsonNode* n) {
  sf_Primitive p = sf_undefined();
  switch (n->type) {
    case SF_JSON_NULL: p.type = SF_NULL; break;
    case SF_JSON_TRUE: p = sf_boolean(true); break;
    case SF_JSON_FALSE: p = sf_boolean(false); break;
    case SF_JSON_NUMBER: p = sf_number(n->number); break;
    case SF_JSON_STRING: p = sf_string(sf_json_string(d, n), n->stringLength); break;
    default: break;
  }
  return p;
}

/* An array index key ("0", "17"; no sign, no leading zero, below 2^32 - 1): JavaScript lists
 * these first, in ascending order. Returns -1 for other keys. */
static int64_t indexKey(const char* key, uint32_t length) {
  if (length == 0 || length > 10 || (length > 1 && key[0] == '0')) return -1;
  int64_t value = 0;
  for (uint32_t i = 0; i < length; i++) {
    if (key[i] < '0' || key[i] > '9') return -1;
    value = value * 10 + (key[i] - '0');
  }
  return value < 4294967295LL ? value : -1;
}

static bool sameKey(const sf_JsonDocument* d, const sf_JsonNode* a, const sf_JsonNode* b) {
  return a->keyLength == b->keyLength && __builtin_memcmp(sf_json_key(d, a), sf_json_key(d, b), a->keyLength) == 0;
}

/* Helpers of flatten(): a token's payload and the ordering of an object's members out of its loop. */
static bool pushMarker(sf_TokenReader* r, uint8_t kind) {
  return push(r, kind, sf_undefined());
}

static bool pushPrimitive(sf_TokenReader* r, const sf_JsonDocument* d, const sf_JsonNode* n) {
  return push(r, SF_TOKEN_PRIMITIVE, sf_json_primitive(d, n));
}

static bool pushKey(sf_TokenReader* r, const sf_JsonDocument* d, int32_t key) {
  const sf_JsonNode* k = &d->nodes[key];
  return push(r, SF_TOKEN_KEY, sf_string(sf_json_key(d, k), k->keyLength));
}

/* An object's members in JavaScript's order: (key node, value node) pairs, keys[0..unique) and
 * their values after them (keys + count), hal_malloc'd (NULL with *unique 0: none; *failed: out
 * of memory). */
static int32_t* orderedMembers(const sf_JsonDocument* d, const sf_JsonNode* n, size_t* unique, int32_t** valuesOut, bool* failed) {
  size_t count = 0;
  *unique = 0;
  *failed = false;
  for (int32_t c = n->firstChild; c != SF_JSON_NONE; c = d->nodes[c].next) count++;
  if (!count) return 0;
  int32_t* keys = hal_malloc(count * 2 * sizeof *keys);
  if (!keys) {
    *failed = true;
    return 0;
  }
  int32_t* values = keys + count;
  size_t used = 0;
  for (int32_t c = n->firstChild; c != SF_JSON_NONE; c = d->nodes[c].next) {
    size_t i = 0;
    while (i < used && !sameKey(d, &d->nodes[keys[i]], &d->nodes[c])) i++;
    if (i == used) keys[used++] = c;
    values[i] = c;
  }
  /* Stable: index keys sorted ascending to the front (insertion sort; objects are small). */
  for (size_t i = 1; i < used; i++) {
    int64_t k = indexKey(sf_json_key(d, &d->nodes[keys[i]]), d->nodes[keys[i]].keyLength);
    if (k < 0) continue;
    int32_t key = keys[i], value = values[i];
    size_t j = i;
    while (j > 0) {
      int64_t before = indexKey(sf_json_key(d, &d->nodes[keys[j - 1]]), d->nodes[keys[j - 1]].keyLength);
      if (before >= 0 && before <= k) break;
      keys[j] = keys[j - 1];
      values[j] = values[j - 1];
      j--;
    }
    keys[j] = key;
    values[j] = value;
  }
  *unique = used;
  *valuesOut = values;
  return keys;
}

/* An open array or object of flatten(): its next child (an array) or its members in order and
 * the next one (an object). */
typedef struct Level {
  int32_t node, nextChild;
  int32_t nextIndex; /* an array: the index of nextChild */
  int32_t *keys, *values;
  size_t unique, nextMember;
} Level;

/* The path to the member the innermost level is at: its key and the steps of the levels above. */
static void appendPath(const sf_JsonDocument* d, const Level* levels, size_t count, sf_Text* path) {
  for (size_t i = 0; i < count; i++) {
    const Level* l = &levels[i];
    if (d->nodes[l->node].type == SF_JSON_ARRAY) {
      sf_text_appendChar(path, '[');
      sf_text_appendInt(path, l->nextIndex - 1);
      sf_text_appendChar(path, ']');
    } else {
      const sf_JsonNode* k = &d->nodes[l->keys[l->nextMember - 1]];
      sf_unholdable_appendStep(path, sf_json_key(d, k), k->keyLength);
    }
  }
}

/* A member whose name the engine can't hold: the problem in `unholdable`, and true. */
static bool refused(const sf_JsonDocument* d, const Level* levels, size_t count, sf_Text* unholdable) {
  const Level* l = &levels[count - 1];
  const sf_JsonNode* k = &d->nodes[l->keys[l->nextMember - 1]];
  if (!unholdable || sf_unholdableName(sf_json_key(d, k), k->keyLength) == SF_NAME_HELD) return false;
  sf_Text path;
  sf_text_init(&path, 0);
  appendPath(d, levels, count, &path);
  sf_unholdable_appendProblem(unholdable, sf_json_key(d, k), k->keyLength, &path);
  sf_text_free(&path);
  return true;
}

/* The tokens of a value, depth first, in a loop with the open levels on the heap: a recursion
 * would take a C frame per level of nesting (scripts/stackDepth.mjs). */
static sf_TokenLoad flatten(sf_TokenReader* r, const sf_JsonDocument* d, int32_t root, sf_Text* unholdable) {
  Level* levels = 0;
  size_t count = 0, capacity = 0;
  bool ok = true, refusedName = false;
  int32_t index = root; /* the value whose tokens come next; SF_JSON_NONE: the innermost level's next */
  for (;;) {
    if (index != SF_JSON_NONE) {
      const sf_JsonNode* n = &d->nodes[index];
      if (n->type != SF_JSON_ARRAY && n->type != SF_JSON_OBJECT) {
        if (!(ok = pushPrimitive(r, d, n))) break;
      } else {
        if (count == capacity) {
          size_t grown = capacity ? capacity * 2 : 4;
          Level* more = hal_malloc(grown * sizeof *more);
          if (!(ok = more != 0)) break;
          if (count) __builtin_memcpy(more, levels, count * sizeof *more);
          hal_free(levels);
          levels = more;
          capacity = grown;
        }
        Level* l = &levels[count++];
        *l = (Level){index, n->firstChild, 0, 0, 0, 0, 0};
        if (n->type == SF_JSON_ARRAY) {
          ok = pushMarker(r, SF_TOKEN_BEGIN_ARRAY);
        } else {
          bool failed;
          l->keys = orderedMembers(d, n, &l->unique, &l->values, &failed);
          ok = !failed && pushMarker(r, SF_TOKEN_BEGIN_OBJECT);
        }
        if (!ok) break;
      }
    }
    if (count == 0) break;
    Level* l = &levels[count - 1];
    if (d->nodes[l->node].type == SF_JSON_ARRAY) {
      if (l->nextChild != SF_JSON_NONE) {
        index = l->nextChild;
        l->nextChild = d->nodes[index].next;
        l->nextIndex++;
        continue;
      }
    } else if (l->nextMember < l->unique) {
      if (!(ok = pushKey(r, d, l->keys[l->nextMember]))) break;
      index = l->values[l->nextMember++];
      if (refused(d, levels, count, unholdable)) {
        refusedName = true;
        break;
      }
      continue;
    }
    hal_free(l->keys);
    count--;
    if (!(ok = pushMarker(r, SF_TOKEN_END))) break;
    index = SF_JSON_NONE;
  }
  for (size_t i = 0; i < count; i++) hal_free(levels[i].keys);
  hal_free(levels);
  return refusedName ? SF_TOKENS_UNHOLDABLE_NAME : ok ? SF_TOKENS_LOADED : SF_TOKENS_OUT_OF_MEMORY;
}

sf_TokenLoad sf_tokenReader_load(sf_TokenReader* r, const sf_JsonDocument* d, int32_t root, sf_Text* unholdable) {
  r->count = 0;
  r->position = 0;
  sf_TokenLoad load = flatten(r, d, root, unholdable);
  if (load != SF_TOKENS_LOADED) r->count = 0; /* the VM never reads half a value */
  return load;
}

int sf_tokenReader_nextKind(sf_TokenReader* r) {
  if (r->position >= r->count) return -1;
  return r->entries[r->position++].kind;
}

sf_Primitive sf_tokenReader_payload(const sf_TokenReader* r) {
  if (r->position == 0) return sf_undefined();
  return r->entries[r->position - 1].payload;
}

/* JSON.stringify(JSON.parse(text)) of a node: the reader lists members in JavaScript's order and
 * the writer prints numbers as JavaScript does. */
void sf_json_stringify(const sf_JsonDocument* d, int32_t node, sf_Text* out) {
  sf_TokenReader reader;
  sf_TokenWriter writer;
  sf_tokenReader_init(&reader);
  sf_tokenWriter_init(&writer);
  sf_Text ignored;
  sf_text_init(&ignored, 0);
  if (sf_tokenReader_load(&reader, d, node, 0) == SF_TOKENS_LOADED) {
    int kind;
    while ((kind = sf_tokenReader_nextKind(&reader)) >= 0) {
      sf_Primitive payload = sf_tokenReader_payload(&reader);
      sf_tokenWriter_token(&writer, kind, &payload, &ignored);
    }
    size_t length;
    const char* json = sf_tokenWriter_take(&writer, &length, &ignored);
    if (json) sf_text_append(out, json, length);
  }
  sf_text_free(&ignored);
  sf_tokenWriter_free(&writer);
  sf_tokenReader_free(&reader);
}
