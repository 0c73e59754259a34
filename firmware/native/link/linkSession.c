#include "linkSession.h"

static void writeFrame(sf_LinkSession* s, uint8_t type, uint8_t seq, const uint8_t* body, size_t length, int64_t nowMs) {
  sf_LinkFrame f = {type, seq, s->rxExpected, s->session, body, length};
  size_t n = sf_linkFrame_encode(&f, s->encoded);
  if (n) s->events.write(s->events.context, s->encoded, n);
  s->lastSentMs = nowMs;
}

static size_t queuedLength(const sf_LinkSession* s, size_t at) {
  return (size_t)s->queue[at % SF_LINK_QUEUE_BYTES] | (size_t)s->queue[(at + 1) % SF_LINK_QUEUE_BYTES] << 8;
}

/* The oldest message, copied out of the ring (it may wrap). */
static size_t oldest(const sf_LinkSession* s, uint8_t* body) {
  size_t length = queuedLength(s, s->queueStart);
  for (size_t i = 0; i < length; i++) body[i] = s->queue[(s->queueStart + 2 + i) % SF_LINK_QUEUE_BYTES];
  return length;
}

static void sendOldest(sf_LinkSession* s, int64_t nowMs) {
  uint8_t body[SF_LINK_MAX_BODY];
  size_t length = oldest(s, body);
  writeFrame(s, SF_LINK_DATA, s->txSeq, body, length, nowMs);
  s->inFlight = true;
  s->inFlightSentMs = nowMs;
}

void sf_linkSession_init(sf_LinkSession* s, const sf_LinkSessionEvents* events, uint32_t sessionId, int64_t nowMs) {
  *s = (sf_LinkSession){0};
  s->events = *events;
  s->session = sessionId ? sessionId : 1;
  s->lastHeardMs = nowMs;
  sf_linkDecoder_init(&s->decoder);
  writeFrame(s, SF_LINK_PING, 0, NULL, 0, nowMs); /* tells the peer about this session at once */
}

size_t sf_linkSession_queueFree(const sf_LinkSession* s) {
  return SF_LINK_QUEUE_BYTES - s->queueUsed;
}

bool sf_linkSession_send(sf_LinkSession* s, const uint8_t* body, size_t length) {
  if (length > SF_LINK_MAX_BODY || length + 2 > sf_linkSession_queueFree(s)) return false;
  size_t end = s->queueStart + s->queueUsed;
  s->queue[end % SF_LINK_QUEUE_BYTES] = (uint8_t)length;
  s->queue[(end + 1) % SF_LINK_QUEUE_BYTES] = (uint8_t)(length >> 8);
  for (size_t i = 0; i < length; i++) s->queue[(end + 2 + i) % SF_LINK_QUEUE_BYTES] = body[i];
  s->queueUsed += length + 2;
  return true; /* sent by the next poll */
}

static void setUp(sf_LinkSession* s, bool up) {
  if (s->up == up) return;
  s->up = up;
  if (!up) s->outages++;
  if (s->events.linkChanged) s->events.linkChanged(s->events.context, up);
}

static void onFrame(sf_LinkSession* s, const sf_LinkFrame* f, int64_t nowMs) {
  s->lastHeardMs = nowMs;
  if (f->session != s->peerSession) {
    bool restart = s->peerSession != 0;
    s->peerSession = f->session;
    s->txSeq = 0;
    s->rxExpected = 0;
    s->inFlight = false; /* the message in flight goes again, as seq 0 */
    if (restart) {
      s->peerRestarts++;
      if (s->events.peerRestarted) s->events.peerRestarted(s->events.context);
    }
  }
  setUp(s, true);
  if (s->inFlight && f->ack == (uint8_t)(s->txSeq + 1)) {
    size_t length = queuedLength(s, s->queueStart);
    s->queueStart = (s->queueStart + 2 + length) % SF_LINK_QUEUE_BYTES;
    s->queueUsed -= 2 + length;
    s->txSeq++;
    s->inFlight = false;
  }
  if (f->type == SF_LINK_DATA) {
    bool fresh = f->seq == s->rxExpected;
    if (fresh) s->rxExpected++;
    writeFrame(s, SF_LINK_ACK, 0, NULL, 0, nowMs); /* a repeat is acknowledged again */
    if (fresh) {
      s->delivered++;
      s->events.message(s->events.context, f->body, f->bodyLength);
    }
  }
  if (!s->inFlight && s->queueUsed && s->up) sendOldest(s, nowMs);
}

void sf_linkSession_receive(sf_LinkSession* s, const uint8_t* bytes, size_t length, int64_t nowMs) {
  sf_LinkFrame f;
  for (size_t i = 0; i < length; i++)
    if (sf_linkDecoder_push(&s->decoder, bytes[i], &f)) onFrame(s, &f, nowMs);
}

void sf_linkSession_poll(sf_LinkSession* s, int64_t nowMs) {
  if (s->up && nowMs - s->lastHeardMs > SF_LINK_OUTAGE_MS) setUp(s, false);
  if (s->inFlight && nowMs - s->inFlightSentMs >= SF_LINK_RETRANSMIT_MS) {
    s->retransmissions++;
    sendOldest(s, nowMs);
  } else if (!s->inFlight && s->queueUsed && s->up) {
    sendOldest(s, nowMs);
  } else if (nowMs - s->lastSentMs >= SF_LINK_KEEPALIVE_MS) {
    writeFrame(s, SF_LINK_PING, 0, NULL, 0, nowMs);
  }
}
