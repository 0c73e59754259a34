/* The standard library's host functions (ids 100-149, core/runtime/stdlib/hostFunctions.ts is
 * the TypeScript twin): string methods on UTF-16 code units, number formatting and parsing,
 * JSON quoting and parsing, Math. Each behaves as its JavaScript counterpart in Node does, so a
 * feature computes the same on the native device. */
#ifndef SF_STANDARD_LIBRARY_H
#define SF_STANDARD_LIBRARY_H

#include <stdbool.h>

#include "json.h"
#include "primitive.h"
#include "textBuffer.h"
#include "valueTokens.h"

/* Longest string the engine can allocate (4 KB allocation incl. terminator), in UTF-8 bytes;
 * the standard library's text buffers are sized by it (about 10 bytes of RAM per byte). A small
 * target lowers it (sizeBudget.json's "limits"): longer strings fail as "Invalid string length". */
#ifndef SF_MAX_STRING_BYTES
#define SF_MAX_STRING_BYTES 0xFFE
#endif

typedef struct sf_StdlibContext {
  /* JSON.parse's value goes back to the VM through this reader (parsed into `document`). */
  sf_TokenReader* reader;
  sf_JsonDocument* document;
  /* Math.random(): a double in [0, 1). */
  double (*random)(void* context);
  void* randomContext;
} sf_StdlibContext;

/* Runs stdlib function `id` (SF_STDLIB_*). Returns false with the JavaScript error's message in
 * `error` when it throws. A string result is written into `resultText` and `result` points into
 * it. */
bool sf_stdlib_call(sf_StdlibContext* context, int id, const sf_Primitive* args, int argCount, sf_Primitive* result, sf_Text* resultText,
                    sf_Text* error);

/* Whether `id` is one of the standard library's functions. */
bool sf_stdlib_has(int id);

#endif
