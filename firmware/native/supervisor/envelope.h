/* The message envelope on every channel topic (core/contracts/envelope.ts):
 * {"id":"<bootId>:<seq>","v":value,"t":unixMs,"p":previousSeqOnTopic}. `p` is the seq of the sender's
 * previous message on the same topic (0 for its first since boot), which lets a receiver restore
 * one topic's order (core/contracts/reorderBuffer.ts). Extra fields are ignored on decode. */
#ifndef SF_ENVELOPE_H
#define SF_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/json.h"
#include "../core/textBuffer.h"

/* Appends the envelope of a value given as JSON text. */
void sf_envelope_encode(sf_Text* out, const char* bootId, uint32_t seq, const char* valueJson, size_t valueLength, int64_t now, uint32_t previousOnTopic);

typedef struct sf_Envelope {
  const char* bootId; /* into the document's strings; also the start of the id */
  size_t bootIdLength;
  size_t idLength; /* of the whole id `<bootId>:<seq>` */
  int64_t seq;
  int64_t previous; /* p; 0 when absent (an older sender's message, delivered as it comes) */
  int32_t value;    /* node of v */
} sf_Envelope;

/* Parses and checks an envelope into `document`; false with the reason (decodeEnvelope's text) in
 * `error`. */
bool sf_envelope_decode(sf_JsonDocument* document, const char* payload, size_t length, sf_Envelope* out, sf_Text* error);

#endif
