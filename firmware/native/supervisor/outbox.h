/* The device's send side of the resilient link (firmware/comms/reliableOutbox.ts): messages
 * wait here while offline and leave in order once connected. A QoS 1 message stays counted until
 * its PUBACK; at most `window` are in flight; a message the network gave up on goes back where it
 * was and the queue waits for the next reconnect. Over capacity the oldest waiting message is
 * dropped and counted: a long outage costs the oldest readings, never memory. */
#ifndef SF_OUTBOX_H
#define SF_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hal/net.h"

typedef struct sf_OutboxMessage sf_OutboxMessage;

typedef struct sf_Outbox {
  hal_Net* net;
  uint32_t capacity;
  uint32_t window;
  /* Tokens this outbox gives the network: base + counter (distinct per outbox). */
  uint32_t tokenBase;
  uint32_t nextToken;
  sf_OutboxMessage** waiting;
  uint32_t waitingCount, waitingCapacity;
  sf_OutboxMessage** inFlight;
  uint32_t inFlightCount;
  uint64_t nextOrder;
  bool stalled;
  uint32_t dropped;
  uint32_t acknowledged;
  /* Why a publish failed (local echo). */
  void (*onError)(void* context, const char* line);
  void* context;
} sf_Outbox;

/* false when out of memory. */
bool sf_outbox_init(sf_Outbox* outbox, hal_Net* net, uint32_t capacity, uint32_t window, uint32_t tokenBase);
void sf_outbox_free(sf_Outbox* outbox);
/* Copies the message; false when out of memory (counted as dropped). */
bool sf_outbox_push(sf_Outbox* outbox, const char* topic, const char* payload, size_t length, uint8_t qos);
/* The link is back: a stalled queue tries again. */
void sf_outbox_resume(sf_Outbox* outbox);
void sf_outbox_pump(sf_Outbox* outbox);
/* The network's outcome for one of this outbox's tokens; false when the token is not ours. */
bool sf_outbox_published(sf_Outbox* outbox, uint32_t token, bool delivered);
bool sf_outbox_owns(const sf_Outbox* outbox, uint32_t token);

#endif
