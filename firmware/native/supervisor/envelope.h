/* The message envelope on every channel topic (core/contracts/envelope.ts):
 * {"id":"<bootId>:<seq>","v":value,"t":unixMs}. Extra fields are ignored. */
#ifndef SF_ENVELOPE_H
#define SF_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/json.h"
#include "../core/textBuffer.h"

/* Appends the envelope of a value given as JSON text. */
void sf_envelope_encode(sf_Text* out, const char* bootId, uint32_t seq, const char* valueJson, size_t valueLength, int64_t now);

typedef struct sf_Envelope {
  const char* bootId; /* into the document's strings */
  size_t bootIdLength;
  int64_t seq;
  int32_t value; /* node of v */
} sf_Envelope;

/* Parses and checks an envelope into `document`; false with the reason (decodeEnvelope's text) in
 * `error`. */
bool sf_envelope_decode(sf_JsonDocument* document, const char* payload, size_t length, sf_Envelope* out, sf_Text* error);

#endif
