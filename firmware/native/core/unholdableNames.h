/* Property names the engine can't hold: a string of ASCII digits ("3", "03"; Microvium's
 * toPropertyName fails it with MVM_E_TYPE_ERROR), and "__proto__". core/runtime/unholdableNames.ts is the
 * TypeScript twin: the same test, the same path (`.zones["3"]`, `[2]["07"]`) and, from the
 * phrases of deviceTexts.json, the same words (test/nativeEquivalence.test.ts). */
#ifndef SF_UNHOLDABLE_NAMES_H
#define SF_UNHOLDABLE_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "textBuffer.h"

typedef enum sf_UnholdableName { SF_NAME_HELD, SF_NAME_DIGITS, SF_NAME_PROTOTYPE } sf_UnholdableName;

/* Why the engine can't take the name from outside (unholdableNames.ts' unholdableReason): digits
 * only, or "__proto__" (it would set the prototype; from a message that stopped the app's VM). */
sf_UnholdableName sf_unholdableName(const char* name, uint32_t length);
/* One step of a path: `.name` for an ASCII identifier, else `["name"]` (JSON-quoted). */
void sf_unholdable_appendStep(sf_Text* path, const char* name, uint32_t length);
/* `property name "3" (at <path>) is digits only, ...; send an array, or names that ...`. */
void sf_unholdable_appendProblem(sf_Text* out, const char* name, uint32_t length, const sf_Text* path);

#endif
