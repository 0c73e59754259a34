/* The device's send side of the resilient link (firmware/comms/reliableOutbox.ts): messages
 * wait here while offline and leave in order once connected. A QoS 1 message stays counted until
 * its PUBACK; at most `window` are in flight; a message the network gave up on goes back where it
 * was and the queue waits for the next reconnect. A message the network refuses as busy (its own
 * queue full) goes back to the head, QoS 0 too, and the queue waits for sf_outbox_retry (the
 * owner calls it when room may have come: an acknowledgement, a turn of its loop). Over capacity
 * the oldest waiting message is dropped and counted: a long outage or a busy network costs the
 * oldest readings, never memory. */
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
  /* The network refused the head as busy: nothing leaves until sf_outbox_retry. */
  bool busy;
  /* "waiting for room" was said for the current backlog (again only once it has drained). */
  bool saidBusy;
  uint32_t dropped;
  uint32_t acknowledged;
  /* Why a publish failed (local echo). */
  void (*onError)(void* context, const char* line);
  /* Every refusal as busy: the owner arranges a retry (supervisor.c: the next acknowledgement or
   * a later turn of the loop, the same retry as the status's). */
  void (*onBusy)(void* context);
  void* context;
} sf_Outbox;

/* false when out of memory. */
bool sf_outbox_init(sf_Outbox* outbox, hal_Net* net, uint32_t capacity, uint32_t window, uint32_t tokenBase);
void sf_outbox_free(sf_Outbox* outbox);
/* Copies the message; false when out of memory (counted as dropped). */
bool sf_outbox_push(sf_Outbox* outbox, const char* topic, const char* payload, size_t length, uint8_t qos);
/* The link is back: a stalled or busy queue tries again. */
void sf_outbox_resume(sf_Outbox* outbox);
/* Room may have come on the network: a busy queue tries its head again (nothing else changes). */
void sf_outbox_retry(sf_Outbox* outbox);
void sf_outbox_pump(sf_Outbox* outbox);
/* The network's outcome for one of this outbox's tokens; false when the token is not ours. */
bool sf_outbox_published(sf_Outbox* outbox, uint32_t token, bool delivered);
bool sf_outbox_owns(const sf_Outbox* outbox, uint32_t token);

#endif
