/* Property names the engine can't hold: a string of ASCII digits ("3", "03"; Microvium's
 * toPropertyName fails it with MVM_E_TYPE_ERROR). core/runtime/unholdableNames.ts is the
 * TypeScript twin: the same test, the same path (`.zones["3"]`, `[2]["07"]`) and, from the
 * phrases of deviceTexts.json, the same words (test/nativeEquivalence.test.ts). */
#ifndef SF_UNHOLDABLE_NAMES_H
#define SF_UNHOLDABLE_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "textBuffer.h"

/* Inline: one caller per image, and a call would cost more flash than the loop (the M0+ budget). */
static inline bool sf_unholdableName(const char* name, uint32_t length) {
  if (length == 0) return false; /* "" is held */
  for (uint32_t i = 0; i < length; i++) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  return true;
}

/* One step of a path: `.name` for an ASCII identifier, else `["name"]` (JSON-quoted). */
void sf_unholdable_appendStep(sf_Text* path, const char* name, uint32_t length);
/* `property name "3" (at <path>) is digits only, ...; send an array, or names that ...`. */
void sf_unholdable_appendProblem(sf_Text* out, const char* name, uint32_t length, const sf_Text* path);

#endif
