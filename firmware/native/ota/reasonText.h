/* Reasons and the state blob written into fixed buffers: OTA reasons live in the agent's own
 * arrays (no allocation while an install fails), cut rather than overrun. Growable text is
 * core/textBuffer.h; sf_strlen and sf_streq come from there too. */
#ifndef SF_OTA_REASON_TEXT_H
#define SF_OTA_REASON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/textBuffer.h"

typedef struct {
  char* buffer;
  size_t size;
  size_t length;
} sf_Reason;

/* Starts an empty text in buffer (size includes the NUL; size 0 writes nothing). */
sf_Reason sf_reason_on(char* buffer, size_t size);
void sf_reason_add(sf_Reason* t, const char* s);
void sf_reason_addN(sf_Reason* t, const char* s, size_t n);
void sf_reason_addUint(sf_Reason* t, unsigned long value);
/* The first 12 hex digits of a version, as the TypeScript agent logs them. */
void sf_reason_addShort(sf_Reason* t, const char* version);

#endif
