#include "unholdableNames.h"

#include "sf_deviceTexts.h"

sf_UnholdableName sf_unholdableName(const char* name, uint32_t length) {
  if (length == 9 && __builtin_memcmp(name, "__proto__", 9) == 0) return SF_NAME_PROTOTYPE;
  if (length == 0) return SF_NAME_HELD; /* "" is held */
  for (uint32_t i = 0; i < length; i++) {
    if (name[i] < '0' || name[i] > '9') return SF_NAME_HELD;
  }
  return SF_NAME_DIGITS;
}

static bool identifierChar(char c, bool first) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$' || (!first && c >= '0' && c <= '9');
}

void sf_unholdable_appendStep(sf_Text* path, const char* name, uint32_t length) {
  bool identifier = length > 0;
  for (uint32_t i = 0; i < length && identifier; i++) identifier = identifierChar(name[i], i == 0);
  if (identifier) {
    sf_text_appendChar(path, '.');
    sf_text_append(path, name, length);
    return;
  }
  sf_text_appendChar(path, '[');
  sf_text_appendJsonString(path, name, length);
  sf_text_appendChar(path, ']');
}

void sf_unholdable_appendProblem(sf_Text* out, const char* name, uint32_t length, const sf_Text* path) {
  sf_text_appendString(out, SF_TX_UNHOLDABLE_PROPERTY_NAME);
  sf_text_appendJsonString(out, name, length);
  sf_text_appendString(out, SF_TX_UNHOLDABLE_AT);
  sf_text_append(out, path->data ? path->data : "", path->length);
  sf_text_appendString(out, sf_unholdableName(name, length) == SF_NAME_DIGITS ? SF_TX_UNHOLDABLE_DIGITS_ONLY_FIX : SF_TX_UNHOLDABLE_PROTOTYPE_FIX);
}
