#include "outbox.h"

#include "../core/textBuffer.h"
#include "../hal/platform.h"
#include "sf_deviceTexts.h"

/* Tokens of one outbox: tokenBase + 0 .. TOKEN_SPAN - 1. */
#define TOKEN_SPAN 0x10000000u

struct sf_OutboxMessage {
  uint64_t order;
  uint32_t token;
  uint8_t qos;
  size_t length;
  char* topic;
  char* payload;
};

bool sf_outbox_init(sf_Outbox* o, hal_Net* net, uint32_t capacity, uint32_t window, uint32_t tokenBase) {
  __builtin_memset(o, 0, sizeof *o);
  o->net = net;
  o->capacity = capacity;
  o->window = window;
  o->tokenBase = tokenBase;
  o->waitingCapacity = capacity + window + 1;
  o->waiting = hal_malloc(o->waitingCapacity * sizeof *o->waiting);
  o->inFlight = hal_malloc((window + 1) * sizeof *o->inFlight);
  return o->waiting && o->inFlight;
}

static void freeMessage(sf_OutboxMessage* m) {
  hal_free(m);
}

void sf_outbox_free(sf_Outbox* o) {
  for (uint32_t i = 0; o->waiting && i < o->waitingCount; i++) freeMessage(o->waiting[i]);
  for (uint32_t i = 0; o->inFlight && i < o->inFlightCount; i++) freeMessage(o->inFlight[i]);
  hal_free(o->waiting);
  hal_free(o->inFlight);
  o->waiting = o->inFlight = 0;
  o->waitingCount = o->inFlightCount = 0;
}

static void removeWaiting(sf_Outbox* o, uint32_t index) {
  for (uint32_t i = index + 1; i < o->waitingCount; i++) o->waiting[i - 1] = o->waiting[i];
  o->waitingCount--;
}

/* Puts a message back in the send order (a failed retry keeps its place). */
static void insertWaiting(sf_Outbox* o, sf_OutboxMessage* m) {
  if (o->waitingCount == o->waitingCapacity) {
    /* full of retries: the oldest goes, as push does */
    freeMessage(o->waiting[0]);
    removeWaiting(o, 0);
    o->dropped++;
  }
  uint32_t at = 0;
  while (at < o->waitingCount && o->waiting[at]->order < m->order) at++;
  for (uint32_t i = o->waitingCount; i > at; i--) o->waiting[i] = o->waiting[i - 1];
  o->waiting[at] = m;
  o->waitingCount++;
}

bool sf_outbox_push(sf_Outbox* o, const char* topic, const char* payload, size_t length, uint8_t qos) {
  size_t topicLength = sf_strlen(topic);
  sf_OutboxMessage* m = hal_malloc(sizeof *m + topicLength + 1 + length + 1);
  if (!m) {
    o->dropped++;
    return false;
  }
  m->topic = (char*)(m + 1);
  m->payload = m->topic + topicLength + 1;
  __builtin_memcpy(m->topic, topic, topicLength + 1);
  __builtin_memcpy(m->payload, payload, length);
  m->payload[length] = 0;
  m->length = length;
  m->qos = qos;
  m->token = 0;
  m->order = o->nextOrder++;
  if (o->waitingCount >= o->capacity) {
    freeMessage(o->waiting[0]);
    removeWaiting(o, 0);
    o->dropped++;
  }
  insertWaiting(o, m);
  sf_outbox_pump(o);
  return true;
}

void sf_outbox_resume(sf_Outbox* o) {
  o->stalled = false;
  o->busy = o->saidBusy = false;
  sf_outbox_pump(o);
}

void sf_outbox_retry(sf_Outbox* o) {
  if (!o->busy) return;
  o->busy = false;
  sf_outbox_pump(o);
}

/* `publish on "TOPIC"` + what happened to the message, to the owner's log. */
static void tell(sf_Outbox* o, const sf_OutboxMessage* m, const char* what, const char* why, const char* then) {
  if (!o->onError) return;
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, SF_TX_PUBLISH_ON);
  sf_text_appendString(&line, m->topic);
  sf_text_appendString(&line, what);
  sf_text_appendString(&line, why);
  sf_text_appendString(&line, then);
  o->onError(o->context, line.data ? line.data : "");
  sf_text_free(&line);
}

/* Refused as busy: the message keeps its place at the head (QoS 0 too: it is lost only when the
 * bound is reached) and waits for room; said once per backlog, not at every retry. */
static void waitForRoom(sf_Outbox* o, sf_OutboxMessage* m) {
  insertWaiting(o, m);
  o->busy = true;
  if (!o->saidBusy) tell(o, m, SF_TX_WAITING_ROOM_NETWORK, "", "");
  o->saidBusy = true;
  if (o->onBusy) o->onBusy(o->context);
}

static void failed(sf_Outbox* o, sf_OutboxMessage* m, const char* why) {
  tell(o, m, "\" failed (", why, SF_TX_RETRYING_AFTER_NEXT_RECONNECT);
  if (m->qos == 0) {
    /* at most once: a QoS 0 message the network refused is lost, and counted */
    o->dropped++;
    freeMessage(m);
    return;
  }
  insertWaiting(o, m);
  o->stalled = true;
}

void sf_outbox_pump(sf_Outbox* o) {
  const hal_NetOps* net = o->net->ops;
  while (!o->stalled && !o->busy && net->connected(o->net) && o->waitingCount > 0 && o->inFlightCount < o->window) {
    sf_OutboxMessage* m = o->waiting[0];
    removeWaiting(o, 0);
    m->token = o->tokenBase + (o->nextToken++ % TOKEN_SPAN);
    hal_NetResult result = net->publish(o->net, m->topic, (const uint8_t*)m->payload, m->length, m->qos, false, m->token);
    if (result == HAL_NET_BUSY) {
      waitForRoom(o, m);
      break;
    }
    if (result != HAL_NET_OK) {
      failed(o, m, result == HAL_NET_OFFLINE ? "offline" : "refused");
      continue;
    }
    if (m->qos == 1) o->inFlight[o->inFlightCount++] = m;
    else freeMessage(m);
  }
  if (o->waitingCount == 0) o->saidBusy = false;
}

bool sf_outbox_owns(const sf_Outbox* o, uint32_t token) {
  return token >= o->tokenBase && token - o->tokenBase < TOKEN_SPAN;
}

bool sf_outbox_published(sf_Outbox* o, uint32_t token, bool delivered) {
  if (!sf_outbox_owns(o, token)) return false;
  for (uint32_t i = 0; i < o->inFlightCount; i++) {
    sf_OutboxMessage* m = o->inFlight[i];
    if (m->token != token) continue;
    o->inFlight[i] = o->inFlight[--o->inFlightCount];
    if (delivered) {
      o->acknowledged++;
      freeMessage(m);
      sf_outbox_pump(o);
    } else {
      failed(o, m, SF_TX_NETWORK_GAVE_UP);
    }
    return true;
  }
  /* QoS 0: nothing kept; a refusal still counts as a drop */
  if (!delivered) o->dropped++;
  return true;
}
