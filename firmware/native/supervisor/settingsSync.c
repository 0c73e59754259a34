#include "settingsSync.h"

#include "../core/json.h"
#include "../core/textBuffer.h"
#include "../core/valueTokens.h"
#include "settingValue.h"
#include "sf_shadowTopics.h"

/* A get not answered within this is asked again, doubling up to the maximum (deviceSettings.ts). */
#define GET_RETRY_FIRST_MS 1000
#define GET_RETRY_MAX_MS 30000
/* clientToken: the thing's first 40 characters, a dash and a count (deviceSettings.ts's token()). */
#define TOKEN_THING_CHARS 40

enum { TOPIC_GET, TOPIC_UPDATE, TOPIC_GET_ACCEPTED, TOPIC_GET_REJECTED, TOPIC_UPDATE_DELTA, TOPIC_UPDATE_REJECTED, TOPIC_COUNT };
static const char* const TOPIC_TEMPLATES[TOPIC_COUNT] = {SF_SHADOW_TOPIC_GET,          SF_SHADOW_TOPIC_UPDATE,       SF_SHADOW_TOPIC_GET_ACCEPTED,
                                                         SF_SHADOW_TOPIC_GET_REJECTED, SF_SHADOW_TOPIC_UPDATE_DELTA, SF_SHADOW_TOPIC_UPDATE_REJECTED};
/* The answers, in the order deviceSettings.ts subscribes them, and how its reports name them. */
static const int ANSWERS[] = {TOPIC_UPDATE_DELTA, TOPIC_GET_ACCEPTED, TOPIC_GET_REJECTED, TOPIC_UPDATE_REJECTED};
/* settingsSync.h says how many (networks size their tables from it): C99 has no static_assert. */
typedef char answersCounted[sizeof ANSWERS / sizeof ANSWERS[0] == SF_SETTINGS_SUBSCRIPTIONS ? 1 : -1];
static const char* const ANSWER_NAMES[TOPIC_COUNT] = {0, 0, "get/accepted", "get/rejected", "update/delta", "update/rejected"};

/* An applied value; its type is the declaration's. */
typedef struct Slot {
  double number;
  bool boolean;
  char* string;
  size_t length;
} Slot;

/* A saved value of a setting this app version doesn't declare: kept (and saved again), so an
 * update that brings the setting back finds it, as the TypeScript device does. */
typedef struct Extra {
  char* name;
  char* json;
} Extra;

struct sf_SettingsSync {
  sf_SettingsSyncOptions o;
  int count;
  Slot* values;
  /* Local changes (set() in device code the shadow hasn't acknowledged), in the order made. */
  uint8_t localOrder[SF_MAX_SETTINGS];
  int localCount;
  /* The publish token of the last report that carried a local change's current value. */
  uint32_t* settledBy;
  Extra* extras;
  int extraCount;
  sf_Text topics[TOPIC_COUNT];
  sf_JsonDocument answer;
  double lastVersion;
  uint32_t getAttempts;
  bool retryArmed;
  int64_t retryDue;
  uint64_t retrySequence;
  uint32_t clientTokens, publishTokens;
  /* Settings set() by a "change" listener while a reconcile runs them: its report doesn't settle those. */
  uint64_t setDuringApply;
};

/* ------------------------------------------------------------------ small helpers */

static hal_Net* net(sf_SettingsSync* s) {
  return s->o.platform->net;
}

static int64_t now(sf_SettingsSync* s) {
  return s->o.platform->clock->ops->now(s->o.platform->clock);
}

static void report(sf_SettingsSync* s, sf_Text* line) {
  if (s->o.report) s->o.report(s->o.context, line->data ? line->data : "");
}

static char* copyBytes(const char* data, size_t length) {
  char* copy = hal_malloc(length + 1);
  if (!copy) return 0;
  if (length) __builtin_memcpy(copy, data, length);
  copy[length] = '\0';
  return copy;
}

/* A JSON value as the VM would see it: objects and arrays can't be settings, but are described. */
static sf_Primitive jsonValue(const sf_JsonDocument* d, int32_t node) {
  if (node == SF_JSON_NONE) return sf_undefined();
  const sf_JsonNode* n = &d->nodes[node];
  if (n->type == SF_JSON_ARRAY || n->type == SF_JSON_OBJECT) {
    sf_Primitive p = {SF_UNREPRESENTABLE, false, 0, n->type == SF_JSON_ARRAY ? "array" : "object", 0};
    return p;
  }
  return sf_json_primitive(d, n);
}

static int32_t member(const sf_JsonDocument* d, int32_t object, const char* key) {
  if (object == SF_JSON_NONE || d->nodes[object].type != SF_JSON_OBJECT) return SF_JSON_NONE;
  const sf_JsonNode* m = sf_json_member(d, &d->nodes[object], key);
  return m ? (int32_t)(m - d->nodes) : SF_JSON_NONE;
}

/* An object's members as Object.entries lists them: a repeated key once, at its first place,
 * with its last value (JSON.parse's). Calls `visit` with the member node of that value. */
static bool repeatedEarlier(const sf_JsonDocument* d, int32_t first, int32_t m) {
  const sf_JsonNode* n = &d->nodes[m];
  for (int32_t e = first; e != m; e = d->nodes[e].next) {
    const sf_JsonNode* x = &d->nodes[e];
    if (x->keyLength == n->keyLength && __builtin_memcmp(sf_json_key(d, x), sf_json_key(d, n), n->keyLength) == 0) return true;
  }
  return false;
}

static int32_t lastWithKey(const sf_JsonDocument* d, int32_t m) {
  const sf_JsonNode* n = &d->nodes[m];
  int32_t last = m;
  for (int32_t e = n->next; e != SF_JSON_NONE; e = d->nodes[e].next) {
    const sf_JsonNode* x = &d->nodes[e];
    if (x->keyLength == n->keyLength && __builtin_memcmp(sf_json_key(d, x), sf_json_key(d, n), n->keyLength) == 0) last = e;
  }
  return last;
}

static sf_Primitive slotValue(const sf_SettingDecl* decl, const Slot* slot) {
  if (decl->type == SF_SETTING_NUMBER) return sf_number(slot->number);
  if (decl->type == SF_SETTING_BOOLEAN) return sf_boolean(slot->boolean);
  return sf_string(slot->string ? slot->string : "", slot->length);
}

/* JavaScript's === between an applied value and another primitive. */
static bool sameValue(const sf_SettingDecl* decl, const Slot* slot, const sf_Primitive* value) {
  switch (decl->type) {
    case SF_SETTING_NUMBER: return value->type == SF_NUMBER && value->number == slot->number;
    case SF_SETTING_BOOLEAN: return value->type == SF_BOOLEAN && value->boolean == slot->boolean;
    default: return value->type == SF_STRING && value->length == slot->length && (slot->length == 0 || __builtin_memcmp(value->string, slot->string, slot->length) == 0);
  }
}

/* === between two primitives (objects are never equal: a fresh parse each). */
static bool strictEqual(const sf_Primitive* a, const sf_Primitive* b) {
  if (a->type != b->type) return false;
  switch (a->type) {
    case SF_UNDEFINED:
    case SF_NULL: return true;
    case SF_BOOLEAN: return a->boolean == b->boolean;
    case SF_NUMBER: return a->number == b->number;
    case SF_STRING: return a->length == b->length && (a->length == 0 || __builtin_memcmp(a->string, b->string, a->length) == 0);
    default: return false;
  }
}

static bool setSlot(const sf_SettingDecl* decl, Slot* slot, const sf_Primitive* value) {
  if (decl->type == SF_SETTING_NUMBER) slot->number = value->number;
  else if (decl->type == SF_SETTING_BOOLEAN) slot->boolean = value->boolean;
  else {
    char* copy = copyBytes(value->string, value->length);
    if (!copy) return false;
    hal_free(slot->string);
    slot->string = copy;
    slot->length = value->length;
  }
  return true;
}

/* JSON.stringify of a primitive. */
static void appendJson(sf_Text* out, const sf_Primitive* value) {
  switch (value->type) {
    case SF_NUMBER:
      if (value->number != value->number || value->number - value->number != 0) sf_text_appendString(out, "null");
      else sf_text_appendNumber(out, value->number);
      return;
    case SF_BOOLEAN: sf_text_appendString(out, value->boolean ? "true" : "false"); return;
    case SF_STRING: sf_text_appendJsonString(out, value->string, value->length); return;
    default: sf_text_appendString(out, "null");
  }
}

/* String(value) of a JSON value (an answer's code and message). */
static void appendString(sf_Text* out, const sf_JsonDocument* d, int32_t node) {
  sf_Primitive p = jsonValue(d, node);
  switch (p.type) {
    case SF_UNDEFINED: sf_text_appendString(out, "undefined"); return;
    case SF_NULL: sf_text_appendString(out, "null"); return;
    case SF_STRING: sf_text_append(out, p.string, p.length); return;
    case SF_UNREPRESENTABLE: sf_text_appendString(out, "[object Object]"); return;
    default: appendJson(out, &p);
  }
}

static int extraIndex(const sf_SettingsSync* s, const char* name, size_t length) {
  for (int i = 0; i < s->extraCount; i++)
    if (sf_strlen(s->extras[i].name) == length && __builtin_memcmp(s->extras[i].name, name, length) == 0) return i;
  return -1;
}

static int declIndex(const sf_SettingsSync* s, const char* name, size_t length) {
  for (int i = 0; i < s->count; i++) {
    const char* declared = s->o.decls->items[i].name;
    if (sf_strlen(declared) == length && __builtin_memcmp(declared, name, length) == 0) return i;
  }
  return -1;
}

static bool isLocal(const sf_SettingsSync* s, int index) {
  for (int i = 0; i < s->localCount; i++)
    if (s->localOrder[i] == index) return true;
  return false;
}

/* Set.add: a name already there keeps its place. */
static void addLocal(sf_SettingsSync* s, int index) {
  if (!isLocal(s, index)) s->localOrder[s->localCount++] = (uint8_t)index;
}

static bool removeLocal(sf_SettingsSync* s, int index) {
  for (int i = 0; i < s->localCount; i++) {
    if (s->localOrder[i] != index) continue;
    for (int j = i + 1; j < s->localCount; j++) s->localOrder[j - 1] = s->localOrder[j];
    s->localCount--;
    return true;
  }
  return false;
}

/* Every value as JSON members ("name":value,...): the app's settings, then the ones kept for
 * settings this version no longer has (saved file and first report alike). */
static void appendAllValues(const sf_SettingsSync* s, sf_Text* t) {
  for (int i = 0; i < s->count; i++) {
    const sf_SettingDecl* decl = &s->o.decls->items[i];
    if (i > 0) sf_text_appendChar(t, ',');
    sf_text_appendJsonString(t, decl->name, sf_strlen(decl->name));
    sf_text_appendChar(t, ':');
    sf_Primitive value = slotValue(decl, &s->values[i]);
    appendJson(t, &value);
  }
  for (int i = 0; i < s->extraCount; i++) {
    sf_text_appendChar(t, ',');
    sf_text_appendJsonString(t, s->extras[i].name, sf_strlen(s->extras[i].name));
    sf_text_appendChar(t, ':');
    sf_text_appendString(t, s->extras[i].json);
  }
}

/* ------------------------------------------------------------------ storage */

/* {"values":{...},"localChanges":[...]}, as FileSettingsStorage writes it. */
static void save(sf_SettingsSync* s) {
  hal_Storage* storage = s->o.platform->storage;
  if (!storage) return;
  sf_Text t;
  sf_text_init(&t, 0);
  sf_text_appendString(&t, "{\"values\":{");
  appendAllValues(s, &t);
  sf_text_appendString(&t, "},\"localChanges\":[");
  for (int i = 0; i < s->localCount; i++) {
    const char* name = s->o.decls->items[s->localOrder[i]].name;
    if (i > 0) sf_text_appendChar(&t, ',');
    sf_text_appendJsonString(&t, name, sf_strlen(name));
  }
  sf_text_appendString(&t, "]}");
  hal_StorageResult result = t.failed ? HAL_STORAGE_IO_ERROR : storage->ops->write(storage, SF_SETTINGS_BLOB, (const uint8_t*)t.data, t.length);
  sf_text_free(&t);
  if (result == HAL_STORAGE_OK) return;
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "settings: could not save the applied values: ");
  sf_text_appendString(&line, result == HAL_STORAGE_IO_ERROR ? "the storage failed to write " SF_SETTINGS_BLOB " (or memory ran out)" : "the storage refused " SF_SETTINGS_BLOB);
  report(s, &line);
  sf_text_free(&line);
}

/* The saved document, or false (none, unreadable: the defaults, and the shadow's desired values
 * follow at connect). */
static bool loadSaved(sf_SettingsSync* s, sf_JsonDocument* saved) {
  hal_Storage* storage = s->o.platform->storage;
  if (!storage) return false;
  uint8_t probe[256];
  size_t length = 0;
  hal_StorageResult result = storage->ops->read(storage, SF_SETTINGS_BLOB, probe, sizeof probe, &length);
  if (result == HAL_STORAGE_OK) return sf_json_parse(saved, (const char*)probe, length, 0);
  if (result != HAL_STORAGE_TOO_LARGE) return false;
  uint8_t* buffer = hal_malloc(length);
  if (!buffer) return false;
  size_t got = 0;
  bool ok = storage->ops->read(storage, SF_SETTINGS_BLOB, buffer, length, &got) == HAL_STORAGE_OK && sf_json_parse(saved, (const char*)buffer, got, 0);
  hal_free(buffer);
  return ok;
}

/* startingValues() of deviceSettingsSync.ts, plus the constructor's extras and local changes. */
static bool startingValues(sf_SettingsSync* s) {
  sf_JsonDocument saved;
  sf_json_init(&saved);
  bool have = loadSaved(s, &saved);
  int32_t values = have ? member(&saved, 0, "values") : SF_JSON_NONE;
  bool ok = true;
  for (int i = 0; i < s->count && ok; i++) {
    const sf_SettingDecl* decl = &s->o.decls->items[i];
    sf_Primitive fallback = sf_settingDefault(decl);
    int32_t node = member(&saved, values, decl->name);
    sf_Primitive value = jsonValue(&saved, node);
    sf_Text problem;
    sf_text_init(&problem, 0);
    bool dropped = node != SF_JSON_NONE && sf_settingValueProblem(decl, &value, &problem);
    ok = setSlot(decl, &s->values[i], node == SF_JSON_NONE || dropped ? &fallback : &value);
    if (dropped) {
      sf_Text line;
      sf_text_init(&line, 0);
      sf_text_appendString(&line, "setting \"");
      sf_text_appendString(&line, decl->name);
      sf_text_appendString(&line, "\": the saved value is not valid for this app version (");
      sf_text_append(&line, problem.data ? problem.data : "", problem.length);
      sf_text_appendString(&line, "); using the default ");
      appendJson(&line, &fallback);
      report(s, &line);
      sf_text_free(&line);
    }
    sf_text_free(&problem);
  }
  if (values != SF_JSON_NONE && saved.nodes[values].type == SF_JSON_OBJECT) {
    int32_t first = saved.nodes[values].firstChild;
    for (int32_t m = first; m != SF_JSON_NONE && ok; m = saved.nodes[m].next) {
      const sf_JsonNode* n = &saved.nodes[m];
      if (declIndex(s, sf_json_key(&saved, n), n->keyLength) >= 0 || repeatedEarlier(&saved, first, m)) continue;
      sf_Primitive value = jsonValue(&saved, lastWithKey(&saved, m));
      if (value.type == SF_UNREPRESENTABLE || value.type == SF_UNDEFINED) continue; /* never saved by a device */
      sf_Text json;
      sf_text_init(&json, 0);
      appendJson(&json, &value);
      Extra* grown = hal_malloc(sizeof(Extra) * (size_t)(s->extraCount + 1));
      char* name = copyBytes(sf_json_key(&saved, n), n->keyLength);
      char* text = json.failed ? 0 : copyBytes(json.data, json.length);
      ok = grown && name && text;
      if (ok) {
        if (s->extraCount) __builtin_memcpy(grown, s->extras, sizeof(Extra) * (size_t)s->extraCount);
        hal_free(s->extras);
        s->extras = grown;
        s->extras[s->extraCount].name = name;
        s->extras[s->extraCount++].json = text;
      } else {
        hal_free(grown);
        hal_free(name);
        hal_free(text);
      }
      sf_text_free(&json);
    }
  }
  int32_t local = have ? member(&saved, 0, "localChanges") : SF_JSON_NONE;
  if (local != SF_JSON_NONE && saved.nodes[local].type == SF_JSON_ARRAY) {
    for (int32_t e = saved.nodes[local].firstChild; e != SF_JSON_NONE; e = saved.nodes[e].next) {
      const sf_JsonNode* n = &saved.nodes[e];
      int index = n->type == SF_JSON_STRING ? declIndex(s, sf_json_string(&saved, n), n->stringLength) : -1;
      if (index >= 0) addLocal(s, index);
    }
  }
  sf_json_free(&saved);
  return ok;
}

/* ------------------------------------------------------------------ life */

static void expandTopic(sf_Text* out, const char* template, const char* thing, const char* app) {
  sf_text_clear(out);
  for (const char* c = template; *c; c++) {
    if (*c == SF_SHADOW_MARK_THING) sf_text_appendString(out, thing);
    else if (*c == SF_SHADOW_MARK_APP) sf_text_appendString(out, app);
    else sf_text_appendChar(out, *c);
  }
}

bool sf_settingsShadowAnswerTopic(sf_Text* out, const char* answer, const char* thing, const char* app) {
  for (int i = 0; i < TOPIC_COUNT; i++) {
    if (!ANSWER_NAMES[i] || !sf_streq(ANSWER_NAMES[i], answer)) continue;
    expandTopic(out, TOPIC_TEMPLATES[i], thing, app);
    return true;
  }
  return false;
}

sf_SettingsSync* sf_settingsSync_create(const sf_SettingsSyncOptions* options) {
  sf_SettingsSync* s = hal_malloc(sizeof *s);
  if (!s) return 0;
  __builtin_memset(s, 0, sizeof *s);
  s->o = *options;
  s->count = options->decls->count;
  sf_json_init(&s->answer);
  for (int i = 0; i < TOPIC_COUNT; i++) sf_text_init(&s->topics[i], 0);
  s->values = hal_malloc(sizeof(Slot) * (size_t)s->count);
  s->settledBy = hal_malloc(sizeof(uint32_t) * (size_t)s->count);
  bool ok = s->values && s->settledBy;
  if (ok) {
    __builtin_memset(s->values, 0, sizeof(Slot) * (size_t)s->count);
    __builtin_memset(s->settledBy, 0, sizeof(uint32_t) * (size_t)s->count);
    for (int i = 0; i < TOPIC_COUNT; i++) {
      expandTopic(&s->topics[i], TOPIC_TEMPLATES[i], options->thing, options->app);
      ok = ok && !s->topics[i].failed;
    }
  }
  if (!ok || !startingValues(s)) {
    sf_settingsSync_destroy(s);
    return 0;
  }
  return s;
}

void sf_settingsSync_destroy(sf_SettingsSync* s) {
  if (!s) return;
  for (int i = 0; s->values && i < s->count; i++) hal_free(s->values[i].string);
  hal_free(s->values);
  hal_free(s->settledBy);
  for (int i = 0; i < s->extraCount; i++) {
    hal_free(s->extras[i].name);
    hal_free(s->extras[i].json);
  }
  hal_free(s->extras);
  for (int i = 0; i < TOPIC_COUNT; i++) sf_text_free(&s->topics[i]);
  sf_json_free(&s->answer);
  hal_free(s);
}

sf_Primitive sf_settingsSync_value(const sf_SettingsSync* s, int index) {
  return slotValue(&s->o.decls->items[index], &s->values[index]);
}

/* ------------------------------------------------------------------ requests */

static uint32_t publish(sf_SettingsSync* s, int topic, const char* op, const sf_Text* body) {
  hal_Net* n = net(s);
  uint32_t token = SF_SETTINGS_TOKENS | (++s->publishTokens & ~SF_SETTINGS_TOKEN_MASK);
  hal_NetResult result = body->failed ? HAL_NET_INVALID : n->ops->publish(n, s->topics[topic].data, (const uint8_t*)body->data, body->length, 1, false, token);
  if (result == HAL_NET_OK) return token;
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "settings shadow: ");
  sf_text_appendString(&line, op);
  sf_text_appendString(&line, " not sent: ");
  sf_text_appendString(&line, result == HAL_NET_OFFLINE ? "the link is down" : result == HAL_NET_BUSY ? "the network has no room for it now" : "the network refused it (too long?)");
  report(s, &line);
  sf_text_free(&line);
  return 0;
}

static void appendClientToken(sf_SettingsSync* s, sf_Text* body) {
  sf_Text token;
  sf_text_init(&token, 0);
  size_t length = sf_strlen(s->o.thing);
  sf_text_append(&token, s->o.thing, length < TOKEN_THING_CHARS ? length : TOKEN_THING_CHARS);
  sf_text_appendChar(&token, '-');
  sf_text_appendInt(&token, ++s->clientTokens);
  sf_text_appendString(body, "\"clientToken\":");
  sf_text_appendJsonString(body, token.data ? token.data : "", token.length);
  if (token.failed) body->failed = true;
  sf_text_free(&token);
}

static void cancelRetry(sf_SettingsSync* s) {
  s->retryArmed = false;
}

/* A get was answered (or the link fell, and the next connect asks again): no retry. */
static void answered(sf_SettingsSync* s) {
  cancelRetry(s);
  s->getAttempts = 0;
}

static void requestShadow(sf_SettingsSync* s) {
  /* Versions are compared within a connection's answers only: a shadow service that lost its
   * store counts from 1 again, and the full document answers that. */
  s->lastVersion = 0;
  sf_Text body;
  sf_text_init(&body, 0);
  sf_text_appendChar(&body, '{');
  appendClientToken(s, &body);
  sf_text_appendChar(&body, '}');
  publish(s, TOPIC_GET, "get", &body);
  sf_text_free(&body);
  /* The answer subscriptions went out without waiting for their SUBACK, and a broker routes an
   * answer only to subscriptions already in place: ask again until an answer comes, backing off. */
  int64_t delay = GET_RETRY_FIRST_MS;
  for (uint32_t i = 0; i < s->getAttempts && delay < GET_RETRY_MAX_MS; i++) delay *= 2;
  if (delay > GET_RETRY_MAX_MS) delay = GET_RETRY_MAX_MS;
  s->getAttempts++;
  s->retryArmed = true;
  s->retryDue = now(s) + delay;
  s->retrySequence = (*s->o.timerSequence)++;
}

/* `state` ({"reported":...,"desired":...}) as an update; `settled`: the local changes it tells
 * the shadow about, forgotten once it is acknowledged. */
static void sendReport(sf_SettingsSync* s, const sf_Text* state, uint64_t settled) {
  hal_Net* n = net(s);
  if (!n->ops->connected(n)) return; /* the next connect's get reconciles */
  sf_Text body;
  sf_text_init(&body, 0);
  sf_text_appendString(&body, "{\"state\":");
  sf_text_append(&body, state->data ? state->data : "{}", state->length);
  sf_text_appendChar(&body, ',');
  appendClientToken(s, &body);
  sf_text_appendChar(&body, '}');
  if (state->failed) body.failed = true;
  uint32_t token = publish(s, TOPIC_UPDATE, "update", &body);
  sf_text_free(&body);
  if (!token) return;
  for (int i = 0; i < s->count; i++)
    if (settled & ((uint64_t)1 << i)) s->settledBy[i] = token;
}

static uint64_t localMask(const sf_SettingsSync* s) {
  uint64_t mask = 0;
  for (int i = 0; i < s->localCount; i++) mask |= (uint64_t)1 << s->localOrder[i];
  return mask;
}

/* ------------------------------------------------------------------ reconciling */

/* One member of a report being built: a declared setting's value, or null. */
typedef struct ReportEntry {
  const char* name;
  size_t length;
  int decl; /* -1: null */
} ReportEntry;

typedef struct Reconcile {
  ReportEntry reported[2 * SF_MAX_SETTINGS];
  int reportedCount;
  /* Names to clear from desired (keys of the answer). */
  ReportEntry clear[SF_MAX_SETTINGS];
  int clearCount;
  bool clearOverflow;
  /* Values to apply: the answer's node per declared setting, in the desired order. */
  int applyOrder[SF_MAX_SETTINGS];
  int32_t applyNode[SF_MAX_SETTINGS];
  int applyCount;
} Reconcile;

static void addReported(Reconcile* r, const char* name, size_t length, int decl) {
  for (int i = 0; i < r->reportedCount; i++)
    if (r->reported[i].length == length && __builtin_memcmp(r->reported[i].name, name, length) == 0) {
      r->reported[i].decl = decl; /* an object keeps a key's first place */
      return;
    }
  if (r->reportedCount < 2 * SF_MAX_SETTINGS) r->reported[r->reportedCount++] = (ReportEntry){name, length, decl};
}

static int32_t applying(const Reconcile* r, int decl) {
  for (int i = 0; i < r->applyCount; i++)
    if (r->applyOrder[i] == decl) return r->applyNode[i];
  return SF_JSON_NONE;
}

/* The value a declared setting has after the apply. */
static sf_Primitive after(const sf_SettingsSync* s, const Reconcile* r, int decl) {
  int32_t node = applying(r, decl);
  return node != SF_JSON_NONE ? jsonValue(&s->answer, node) : slotValue(&s->o.decls->items[decl], &s->values[decl]);
}

static void appendMembers(sf_Text* out, const sf_SettingsSync* s, const Reconcile* r, const ReportEntry* entries, int count) {
  sf_text_appendChar(out, '{');
  for (int i = 0; i < count; i++) {
    if (i > 0) sf_text_appendChar(out, ',');
    sf_text_appendJsonString(out, entries[i].name, entries[i].length);
    sf_text_appendChar(out, ':');
    if (entries[i].decl < 0) {
      sf_text_appendString(out, "null");
      continue;
    }
    sf_Primitive value = after(s, r, entries[i].decl);
    appendJson(out, &value);
  }
  sf_text_appendChar(out, '}');
}

static void refusedLine(sf_SettingsSync* s, const char* name, size_t length, int decl, const sf_Text* reason) {
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "settings: refused the desired value of ");
  bool unknown = reason->length >= 15 && __builtin_memcmp(reason->data, "unknown setting", 15) == 0;
  if (!unknown) {
    sf_text_appendString(&line, "setting \"");
    sf_text_append(&line, name, length);
    sf_text_appendString(&line, "\": ");
  }
  sf_text_append(&line, reason->data ? reason->data : "", reason->length);
  sf_text_appendString(&line, "; keeping ");
  int extra = decl < 0 ? extraIndex(s, name, length) : -1;
  if (decl >= 0) {
    sf_Primitive value = slotValue(&s->o.decls->items[decl], &s->values[decl]);
    appendJson(&line, &value);
  } else {
    sf_text_appendString(&line, extra >= 0 ? s->extras[extra].json : "null");
  }
  report(s, &line);
  sf_text_free(&line);
}

/* reconcileDesired() of deviceSettingsSync.ts and handle() of deviceSettings.ts: refusals said,
 * values applied and saved, listeners told, then the report. `reported`: the document's
 * reported object (full: NONE stands for {}), or NONE with !full for a delta. */
static void reconcile(sf_SettingsSync* s, int32_t desired, int32_t reported, bool full) {
  Reconcile* r = hal_malloc(sizeof *r);
  if (!r) return;
  __builtin_memset(r, 0, sizeof *r);
  const sf_JsonDocument* d = &s->answer;
  if (desired != SF_JSON_NONE && d->nodes[desired].type == SF_JSON_OBJECT) {
    int32_t first = d->nodes[desired].firstChild;
    for (int32_t m = first; m != SF_JSON_NONE; m = d->nodes[m].next) {
      if (repeatedEarlier(d, first, m)) continue;
      const sf_JsonNode* n = &d->nodes[m];
      const char* name = sf_json_key(d, n);
      int32_t valueNode = lastWithKey(d, m);
      sf_Text problem;
      sf_text_init(&problem, 0);
      int decl = sf_findSetting(s->o.decls, name, n->keyLength, &problem);
      bool clear = false;
      if (decl >= 0 && isLocal(s, decl)) {
        clear = true;
      } else {
        sf_Primitive value = jsonValue(d, valueNode);
        bool refused = decl < 0 || sf_settingValueProblem(&s->o.decls->items[decl], &value, &problem);
        if (refused) {
          refusedLine(s, name, n->keyLength, decl, &problem);
          clear = true;
        } else if (!sameValue(&s->o.decls->items[decl], &s->values[decl], &value) && r->applyCount < SF_MAX_SETTINGS) {
          r->applyOrder[r->applyCount] = decl;
          r->applyNode[r->applyCount++] = valueNode;
        }
      }
      sf_text_free(&problem);
      if (clear && r->clearCount < SF_MAX_SETTINGS) r->clear[r->clearCount++] = (ReportEntry){name, n->keyLength, -1};
      else if (clear) r->clearOverflow = true;
    }
  }
  for (int i = 0; i < r->applyCount; i++) addReported(r, s->o.decls->items[r->applyOrder[i]].name, sf_strlen(s->o.decls->items[r->applyOrder[i]].name), r->applyOrder[i]);
  for (int i = 0; i < s->localCount; i++) {
    const char* name = s->o.decls->items[s->localOrder[i]].name;
    addReported(r, name, sf_strlen(name), s->localOrder[i]);
  }
  if (full) {
    for (int i = 0; i < s->count; i++) {
      const char* name = s->o.decls->items[i].name;
      sf_Primitive shadowSays = jsonValue(d, member(d, reported, name));
      sf_Primitive value = after(s, r, i);
      if (!strictEqual(&shadowSays, &value)) addReported(r, name, sf_strlen(name), i);
    }
    if (reported != SF_JSON_NONE && d->nodes[reported].type == SF_JSON_OBJECT) {
      int32_t first = d->nodes[reported].firstChild;
      for (int32_t m = first; m != SF_JSON_NONE; m = d->nodes[m].next) {
        const sf_JsonNode* n = &d->nodes[m];
        const char* name = sf_json_key(d, n);
        if (repeatedEarlier(d, first, m) || declIndex(s, name, n->keyLength) >= 0 || extraIndex(s, name, n->keyLength) >= 0) continue;
        addReported(r, name, n->keyLength, -1);
      }
    }
  }
  /* The report's text before anything is applied: `after` reads the answer's values. */
  sf_Text state;
  sf_text_init(&state, 0);
  bool hasReport = r->reportedCount > 0 || r->clearCount > 0;
  if (hasReport) {
    sf_text_appendChar(&state, '{');
    if (r->reportedCount > 0) {
      sf_text_appendString(&state, "\"reported\":");
      appendMembers(&state, s, r, r->reported, r->reportedCount);
    }
    if (r->clearCount > 0) {
      if (r->reportedCount > 0) sf_text_appendChar(&state, ',');
      sf_text_appendString(&state, "\"desired\":");
      appendMembers(&state, s, r, r->clear, r->clearCount);
    }
    sf_text_appendChar(&state, '}');
  }
  uint64_t settled = localMask(s);
  s->setDuringApply = 0;
  if (r->applyCount > 0) {
    bool applied = true;
    for (int i = 0; i < r->applyCount; i++) {
      int decl = r->applyOrder[i];
      sf_Primitive value = jsonValue(d, r->applyNode[i]);
      applied = setSlot(&s->o.decls->items[decl], &s->values[decl], &value) && applied;
      s->settledBy[decl] = 0;
    }
    if (!applied) {
      sf_Text line;
      sf_text_init(&line, 0);
      sf_text_appendString(&line, "settings: out of memory for a desired value; keeping the old one");
      report(s, &line);
      sf_text_free(&line);
    }
    save(s);
    /* each listener hears the value the shadow brought, even when an earlier listener set() it
     * since, as on the TypeScript device (the answer stays parsed: nothing arrives meanwhile) */
    for (int i = 0; i < r->applyCount; i++) {
      sf_Primitive value = jsonValue(d, r->applyNode[i]);
      if (s->o.applied) s->o.applied(s->o.context, r->applyOrder[i], &value);
    }
  }
  if (hasReport) sendReport(s, &state, settled & ~s->setDuringApply);
  sf_text_free(&state);
  hal_free(r);
}

/* Versions only grow; an answer older than one already handled is stale (MQTT may reorder). */
static bool newer(sf_SettingsSync* s, int32_t root) {
  int32_t version = member(&s->answer, root, "version");
  if (version == SF_JSON_NONE || s->answer.nodes[version].type != SF_JSON_NUMBER) return true;
  double v = s->answer.nodes[version].number;
  if (v < s->lastVersion) return false;
  s->lastVersion = v;
  return true;
}

static void onGetRejected(sf_SettingsSync* s, int32_t root) {
  int32_t code = member(&s->answer, root, "code");
  if (code != SF_JSON_NONE && s->answer.nodes[code].type == SF_JSON_NUMBER && s->answer.nodes[code].number == 404) {
    /* no shadow yet: report every value (which creates it), and clear the local changes' desired */
    sf_Text state;
    sf_text_init(&state, 0);
    sf_text_appendString(&state, "{\"reported\":{");
    appendAllValues(s, &state);
    sf_text_appendChar(&state, '}');
    if (s->localCount > 0) {
      sf_text_appendString(&state, ",\"desired\":{");
      for (int i = 0; i < s->localCount; i++) {
        const char* name = s->o.decls->items[s->localOrder[i]].name;
        if (i > 0) sf_text_appendChar(&state, ',');
        sf_text_appendJsonString(&state, name, sf_strlen(name));
        sf_text_appendString(&state, ":null");
      }
      sf_text_appendChar(&state, '}');
    }
    sf_text_appendChar(&state, '}');
    sendReport(s, &state, localMask(s));
    sf_text_free(&state);
    return;
  }
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "settings shadow: get refused: ");
  appendString(&line, &s->answer, code);
  sf_text_appendChar(&line, ' ');
  appendString(&line, &s->answer, member(&s->answer, root, "message"));
  report(s, &line);
  sf_text_free(&line);
}

/* ------------------------------------------------------------------ events */

void sf_settingsSync_start(sf_SettingsSync* s) {
  hal_Net* n = net(s);
  /* QoS 0, as deviceSettings.ts explains: a lost answer is asked for again at the next connect.
   * A subscription the network won't take (hal/net.h: FULL or INVALID) is reported, not dropped
   * silently; the app runs on with its saved values. */
  for (unsigned i = 0; i < sizeof ANSWERS / sizeof ANSWERS[0]; i++) {
    hal_NetResult result = n->ops->subscribe(n, s->topics[ANSWERS[i]].data, 0);
    if (result == HAL_NET_OK) continue;
    sf_Text line;
    sf_text_init(&line, 0);
    sf_text_appendString(&line, "settings: can't subscribe to ");
    sf_text_appendString(&line, s->topics[ANSWERS[i]].data);
    sf_text_appendString(&line, result == HAL_NET_FULL ? ": no room on this device for more subscriptions; desired values won't reach it" : ": the network refused it (topic too long?)");
    report(s, &line);
    sf_text_free(&line);
  }
  if (n->ops->connected(n)) requestShadow(s);
}

void sf_settingsSync_stop(sf_SettingsSync* s) {
  answered(s);
  hal_Net* n = net(s);
  for (unsigned i = 0; i < sizeof ANSWERS / sizeof ANSWERS[0]; i++) n->ops->unsubscribe(n, s->topics[ANSWERS[i]].data);
}

void sf_settingsSync_set(sf_SettingsSync* s, int index, const sf_Primitive* value) {
  const sf_SettingDecl* decl = &s->o.decls->items[index];
  if (!setSlot(decl, &s->values[index], value)) {
    sf_Text line;
    sf_text_init(&line, 0);
    sf_text_appendString(&line, "settings: out of memory for the value of setting \"");
    sf_text_appendString(&line, decl->name);
    sf_text_appendString(&line, "\"; it is not saved");
    report(s, &line);
    sf_text_free(&line);
    return;
  }
  s->settledBy[index] = 0;
  s->setDuringApply |= (uint64_t)1 << index;
  addLocal(s, index);
  save(s);
  sf_Text state;
  sf_text_init(&state, 0);
  size_t length = sf_strlen(decl->name);
  sf_text_appendString(&state, "{\"reported\":{");
  sf_text_appendJsonString(&state, decl->name, length);
  sf_text_appendChar(&state, ':');
  appendJson(&state, value);
  sf_text_appendString(&state, "},\"desired\":{");
  sf_text_appendJsonString(&state, decl->name, length);
  sf_text_appendString(&state, ":null}}");
  sendReport(s, &state, (uint64_t)1 << index);
  sf_text_free(&state);
}

void sf_settingsSync_connectionChanged(sf_SettingsSync* s, bool up) {
  if (up) requestShadow(s);
  else answered(s);
}

bool sf_settingsSync_onMessage(sf_SettingsSync* s, const char* topic, const uint8_t* payload, size_t length) {
  int which = -1;
  for (unsigned i = 0; i < sizeof ANSWERS / sizeof ANSWERS[0] && which < 0; i++)
    if (sf_streq(s->topics[ANSWERS[i]].data, topic)) which = ANSWERS[i];
  if (which < 0) return false;
  if (!sf_json_parse(&s->answer, (const char*)payload, length, 0)) {
    sf_Text line;
    sf_text_init(&line, 0);
    sf_text_appendString(&line, "settings shadow: a ");
    sf_text_appendString(&line, ANSWER_NAMES[which]);
    sf_text_appendString(&line, " message is not JSON; ignored");
    report(s, &line);
    sf_text_free(&line);
    return true;
  }
  if (s->answer.nodes[0].type != SF_JSON_OBJECT) return true;
  switch (which) {
    case TOPIC_UPDATE_DELTA:
      if (newer(s, 0)) reconcile(s, member(&s->answer, 0, "state"), SF_JSON_NONE, false);
      break;
    case TOPIC_GET_ACCEPTED: {
      answered(s);
      if (!newer(s, 0)) break;
      int32_t state = member(&s->answer, 0, "state");
      int32_t reported = member(&s->answer, state, "reported");
      if (reported != SF_JSON_NONE && s->answer.nodes[reported].type == SF_JSON_NULL) reported = SF_JSON_NONE; /* `?? {}` */
      reconcile(s, member(&s->answer, state, "desired"), reported, true);
      break;
    }
    case TOPIC_GET_REJECTED:
      answered(s);
      onGetRejected(s, 0);
      break;
    default: {
      sf_Text line;
      sf_text_init(&line, 0);
      sf_text_appendString(&line, "settings shadow refused the device's report: ");
      appendString(&line, &s->answer, member(&s->answer, 0, "code"));
      sf_text_appendChar(&line, ' ');
      appendString(&line, &s->answer, member(&s->answer, 0, "message"));
      report(s, &line);
      sf_text_free(&line);
    }
  }
  return true;
}

bool sf_settingsSync_onPublished(sf_SettingsSync* s, uint32_t token, bool delivered) {
  if ((token & SF_SETTINGS_TOKEN_MASK) != SF_SETTINGS_TOKENS) return false;
  if (!delivered) return true; /* stays a local change: reported at the next connect */
  bool forgot = false;
  for (int i = 0; i < s->count; i++) {
    if (s->settledBy[i] != token) continue;
    s->settledBy[i] = 0;
    forgot = removeLocal(s, i) || forgot;
  }
  if (forgot) save(s);
  return true;
}

bool sf_settingsSync_nextTimer(const sf_SettingsSync* s, int64_t* due, uint64_t* sequence) {
  if (!s->retryArmed) return false;
  *due = s->retryDue;
  *sequence = s->retrySequence;
  return true;
}

void sf_settingsSync_fireTimer(sf_SettingsSync* s) {
  s->retryArmed = false;
  hal_Net* n = net(s);
  if (n->ops->connected(n)) requestShadow(s);
}

const sf_SettingsSyncOps sf_settingsShadowSync = {
    sf_settingsSync_create,   sf_settingsSync_destroy,           sf_settingsSync_value,     sf_settingsSync_start,       sf_settingsSync_stop,     sf_settingsSync_set,
    sf_settingsSync_connectionChanged, sf_settingsSync_onMessage, sf_settingsSync_onPublished, sf_settingsSync_nextTimer, sf_settingsSync_fireTimer,
};
