#include "runtimeErrors.h"

#include "sf_deviceTexts.h"

/* The texts of core/runtime/runtimeErrors.ts on the device target: the tables are generated from
 * it (scripts/runtimeErrorsHeader.mjs) with markers where the API, the name or a part depending
 * on the API id goes; this file expands them. An image built with SF_CODED_TEXTS (the Cortex-M0+)
 * sends the arguments instead and the host expands them (sf_deviceTexts.h). */

void sf_appendPrimitiveString(sf_Text* out, const sf_Primitive* v) {
  switch (v->type) {
    case SF_UNDEFINED: sf_text_appendString(out, "undefined"); return;
    case SF_NULL: sf_text_appendString(out, "null"); return;
    case SF_BOOLEAN: sf_text_appendString(out, v->boolean ? "true" : "false"); return;
    case SF_NUMBER: sf_text_appendNumber(out, v->number); return;
    case SF_STRING: sf_text_append(out, v->string, v->length); return;
    default: sf_text_appendString(out, "[object]"); return;
  }
}

#if SF_CODED_TEXTS
/* The arguments alone, each its type's tag and its text: the host words them
 * (firmware/native/deviceTexts.ts, formatRuntimeError), and the tables stay off a small image. */
static void codedArgument(sf_Text* out, const sf_Primitive* v) {
  switch (v->type) {
    case SF_UNDEFINED: sf_text_appendChar(out, SF_CODED_TAG_UNDEFINED); break;
    case SF_NULL: sf_text_appendChar(out, SF_CODED_TAG_NULL); break;
    case SF_BOOLEAN: sf_text_appendChar(out, SF_CODED_TAG_BOOLEAN); sf_appendPrimitiveString(out, v); break;
    case SF_NUMBER: sf_text_appendChar(out, SF_CODED_TAG_NUMBER); sf_appendPrimitiveString(out, v); break;
    case SF_STRING: sf_text_appendChar(out, SF_CODED_TAG_STRING); sf_appendPrimitiveString(out, v); break;
    default: sf_text_appendChar(out, SF_CODED_TAG_OTHER); break;
  }
  sf_text_appendChar(out, (char)SF_CODED_END);
}

void sf_formatRuntimeError(const sf_Primitive* code, const sf_Primitive* api, const sf_Primitive* name, sf_Text* out) {
  sf_text_appendChar(out, (char)SF_CODED_START);
  sf_text_appendChar(out, SF_CODED_RUNTIME);
  codedArgument(out, code);
  codedArgument(out, api);
  codedArgument(out, name);
}
#else
#include "sf_runtimeErrorTexts.h"

static int apiId(const sf_Primitive* api) {
  if (api->type != SF_NUMBER || api->number != (double)(int)api->number) return -1;
  return (int)api->number;
}

static void expand(sf_Text* out, const char* text, const sf_Primitive* code, const sf_Primitive* api, const sf_Primitive* name);

static void apiBase(sf_Text* out, const sf_Primitive* api) {
  int id = apiId(api);
  if (id >= 0 && id < SF_RE_API_COUNT && SF_RE_API_NAMES[id]) sf_text_appendString(out, SF_RE_API_NAMES[id]);
  else expand(out, SF_RE_UNKNOWN_API_BASE, api, api, api);
}

static void apiText(sf_Text* out, const sf_Primitive* api, const sf_Primitive* name) {
  int id = apiId(api);
  if (name->type == SF_UNDEFINED) apiBase(out, api);
  else if (id >= 0 && id < SF_RE_API_COUNT && SF_RE_API_FORMS[id]) expand(out, SF_RE_API_FORMS[id], api, api, name);
  else expand(out, SF_RE_UNKNOWN_API_FORM, api, api, name);
}

static void expand(sf_Text* out, const char* text, const sf_Primitive* code, const sf_Primitive* api, const sf_Primitive* name) {
  int id = apiId(api);
  const char* run = text;
  for (const char* p = text;; p++) {
    char c = *p;
    if (c != 0 && c != SF_RE_API && c != SF_RE_NAME && c != SF_RE_API_TEXT && c != SF_RE_API_BASE && c != SF_RE_SERVED_BY && c != SF_RE_CODE) continue;
    sf_text_append(out, run, (size_t)(p - run));
    run = p + 1;
    switch (c) {
      case 0: return;
      case SF_RE_API: sf_appendPrimitiveString(out, api); break;
      case SF_RE_NAME: sf_appendPrimitiveString(out, name); break;
      case SF_RE_API_TEXT: apiText(out, api, name); break;
      case SF_RE_API_BASE: apiBase(out, api); break;
      case SF_RE_SERVED_BY: sf_text_appendString(out, id >= 0 && id < SF_RE_API_COUNT ? SF_RE_SERVED_BY_TARGET[id] : SF_RE_SERVED_BY_OTHER); break;
      default: sf_appendPrimitiveString(out, code); break;
    }
  }
}

void sf_formatRuntimeError(const sf_Primitive* code, const sf_Primitive* api, const sf_Primitive* name, sf_Text* out) {
  int c = code->type == SF_NUMBER && code->number == (double)(int)code->number ? (int)code->number : -1;
  if (c < 0 || c >= SF_RE_CODE_COUNT) expand(out, SF_RE_UNKNOWN_CODE, code, api, name);
  else expand(out, api->type == SF_UNDEFINED && SF_RE_TEMPLATES_NO_API[c] ? SF_RE_TEMPLATES_NO_API[c] : SF_RE_TEMPLATES[c], code, api, name);
}
#endif
