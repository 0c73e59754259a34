/*
 * Reliable, ordered messages over the link's frames (linkFrame.h), one side of it (the MCU here,
 * the co-processor in firmware/coprocessor/linkSession.ts, the same rules):
 *
 * - One message in flight (stop-and-wait): a DATA frame with seq n is sent again every
 *   SF_LINK_RETRANSMIT_MS until a frame from the peer carries ack = n + 1 (acks are cumulative:
 *   "the next seq I expect"; every frame carries one). A receiver delivers DATA only when its
 *   seq is the one expected, so a retransmission is acknowledged again but never delivered twice.
 * - Keepalive: a PING when nothing was sent for SF_LINK_KEEPALIVE_MS; the link is down when
 *   nothing came from the peer for SF_LINK_OUTAGE_MS (both sides detect an outage).
 * - Resynchronisation: every frame carries its sender's session id (random, new at each boot).
 *   A frame with another session id than before means the peer restarted: both sequence numbers
 *   start again at 0 and the message in flight is sent again (nothing queued is lost; the one in
 *   flight may arrive twice across a restart of the receiver: at least once, and the envelope id
 *   drops the repeat above the link); the owner hears `peerRestarted` (e.g. to subscribe again).
 *
 * Outgoing messages wait in a ring of SF_LINK_QUEUE_BYTES; `send` refuses when it is full.
 */
#ifndef SF_LINK_SESSION_H
#define SF_LINK_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linkFrame.h"

#define SF_LINK_RETRANSMIT_MS 300
#define SF_LINK_KEEPALIVE_MS 500
#define SF_LINK_OUTAGE_MS 3500
#ifndef SF_LINK_QUEUE_BYTES
#define SF_LINK_QUEUE_BYTES 2048
#endif

typedef struct sf_LinkSessionEvents {
  void* context;
  /* Writes encoded bytes to the stream (the UART). */
  void (*write)(void* context, const uint8_t* bytes, size_t length);
  /* A message from the peer, in order, once. */
  void (*message)(void* context, const uint8_t* body, size_t length);
  void (*linkChanged)(void* context, bool up);
  void (*peerRestarted)(void* context);
} sf_LinkSessionEvents;

typedef struct sf_LinkSession {
  sf_LinkSessionEvents events;
  uint32_t session, peerSession;
  uint8_t txSeq, rxExpected;
  bool inFlight, up;
  int64_t lastSentMs, lastHeardMs, inFlightSentMs;
  uint8_t queue[SF_LINK_QUEUE_BYTES]; /* [u16 length][body] records, oldest first */
  size_t queueStart, queueUsed;
  sf_LinkDecoder decoder;
  uint8_t encoded[SF_LINK_MAX_ENCODED];
  /* Counters for the bench and the tests. */
  uint32_t retransmissions, outages, peerRestarts, delivered;
} sf_LinkSession;

void sf_linkSession_init(sf_LinkSession* s, const sf_LinkSessionEvents* events, uint32_t sessionId, int64_t nowMs);
/* Queues a message (at most SF_LINK_MAX_BODY bytes); false when the queue is full. */
bool sf_linkSession_send(sf_LinkSession* s, const uint8_t* body, size_t length);
size_t sf_linkSession_queueFree(const sf_LinkSession* s);
/* Bytes from the stream. */
void sf_linkSession_receive(sf_LinkSession* s, const uint8_t* bytes, size_t length, int64_t nowMs);
/* Time passes: retransmission, keepalive, outage. */
void sf_linkSession_poll(sf_LinkSession* s, int64_t nowMs);

#endif
