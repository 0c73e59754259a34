/* Error texts of the feature runtime for the device target (core/runtime/runtimeErrors.ts is the
 * source; the VM raises numeric codes with the API and name involved, the host words them). */
#ifndef SF_RUNTIME_ERRORS_H
#define SF_RUNTIME_ERRORS_H

#include "primitive.h"
#include "textBuffer.h"

void sf_formatRuntimeError(const sf_Primitive* code, const sf_Primitive* api, const sf_Primitive* name, sf_Text* out);
/* String(value) of a primitive, as JavaScript writes it. */
void sf_appendPrimitiveString(sf_Text* out, const sf_Primitive* value);

#endif
