#include "scriptedNet.h"

#include <stdlib.h>
#include <string.h>

typedef enum EventKind { EVENT_CONNECTION, EVENT_MESSAGE, EVENT_PUBLISHED } EventKind;

typedef struct Event {
  EventKind kind;
  bool flag;
  uint32_t token;
  char* topic;
  char* payload;
  size_t length;
  struct Event* next;
} Event;

struct sf_ScriptedNet {
  hal_Net base;
  bool connected;
  hal_NetEvents events;
  bool hasEvents;
  char** topics;
  size_t topicCount, topicCapacity;
  Event* head;
  Event* tail;
  void (*onPublish)(void*, const char*, const uint8_t*, size_t, uint8_t, bool);
  void* context;
};

static void queue(sf_ScriptedNet* n, Event* e) {
  e->next = NULL;
  if (n->tail) n->tail->next = e;
  else n->head = e;
  n->tail = e;
}

static bool connected(hal_Net* base) {
  return ((sf_ScriptedNet*)base)->connected;
}

static hal_NetResult publish(hal_Net* base, const char* topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain, uint32_t token) {
  sf_ScriptedNet* n = (sf_ScriptedNet*)base;
  if (!n->connected) return HAL_NET_OFFLINE;
  n->onPublish(n->context, topic, payload, length, qos, retain);
  Event* e = calloc(1, sizeof *e);
  if (!e) return HAL_NET_BUSY;
  e->kind = EVENT_PUBLISHED;
  e->token = token;
  e->flag = true;
  queue(n, e);
  return HAL_NET_OK;
}

static hal_NetResult subscribe(hal_Net* base, const char* topic, uint8_t qos) {
  sf_ScriptedNet* n = (sf_ScriptedNet*)base;
  (void)qos;
  if (n->topicCount == n->topicCapacity) {
    size_t capacity = n->topicCapacity ? n->topicCapacity * 2 : 16;
    char** grown = realloc(n->topics, capacity * sizeof *grown);
    if (!grown) return HAL_NET_FULL; /* out of memory */
    n->topics = grown;
    n->topicCapacity = capacity;
  }
  n->topics[n->topicCount] = strdup(topic);
  if (!n->topics[n->topicCount]) return HAL_NET_FULL; /* out of memory */
  n->topicCount++;
  return HAL_NET_OK;
}

static hal_NetResult unsubscribe(hal_Net* base, const char* topic) {
  sf_ScriptedNet* n = (sf_ScriptedNet*)base;
  for (size_t i = 0; i < n->topicCount; i++) {
    if (strcmp(n->topics[i], topic) != 0) continue;
    free(n->topics[i]);
    n->topics[i] = n->topics[--n->topicCount];
    return HAL_NET_OK;
  }
  return HAL_NET_OK;
}

static void setEvents(hal_Net* base, const hal_NetEvents* events) {
  sf_ScriptedNet* n = (sf_ScriptedNet*)base;
  n->hasEvents = events != NULL;
  if (events) n->events = *events;
}

static void poll(hal_Net* base, uint32_t maxWaitMs) {
  sf_ScriptedNet* n = (sf_ScriptedNet*)base;
  (void)maxWaitMs;
  while (n->head) {
    Event* e = n->head;
    n->head = e->next;
    if (!n->head) n->tail = NULL;
    if (n->hasEvents) {
      if (e->kind == EVENT_CONNECTION) n->events.connectionChanged(n->events.context, e->flag);
      /* A script's steps are live messages (RETAIN 0), as firmware/scriptedDevice.ts injects
       * them; nothing a script reaches reads the flag (the supervisor alone, no status topic). */
      else if (e->kind == EVENT_MESSAGE) n->events.message(n->events.context, e->topic, (const uint8_t*)e->payload, e->length, false);
      else n->events.published(n->events.context, e->token, e->flag);
    }
    free(e->topic);
    free(e->payload);
    free(e);
  }
}

static const hal_NetOps OPS = {connected, publish, subscribe, unsubscribe, setEvents, poll};

sf_ScriptedNet* sf_scriptedNet_create(void (*onPublish)(void*, const char*, const uint8_t*, size_t, uint8_t, bool), void* context) {
  sf_ScriptedNet* n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->base.ops = &OPS;
  n->connected = true;
  n->onPublish = onPublish;
  n->context = context;
  return n;
}

void sf_scriptedNet_destroy(sf_ScriptedNet* n) {
  if (!n) return;
  n->hasEvents = false;
  poll(&n->base, 0);
  for (size_t i = 0; i < n->topicCount; i++) free(n->topics[i]);
  free(n->topics);
  free(n);
}

hal_Net* sf_scriptedNet_hal(sf_ScriptedNet* n) {
  return &n->base;
}

void sf_scriptedNet_inject(sf_ScriptedNet* n, const char* topic, const char* payload, size_t length) {
  bool subscribed = false;
  for (size_t i = 0; i < n->topicCount; i++) subscribed = subscribed || strcmp(n->topics[i], topic) == 0;
  if (!subscribed) return;
  Event* e = calloc(1, sizeof *e);
  if (!e) return;
  e->kind = EVENT_MESSAGE;
  e->topic = strdup(topic);
  e->payload = malloc(length + 1);
  if (!e->topic || !e->payload) {
    free(e->topic);
    free(e->payload);
    free(e);
    return;
  }
  memcpy(e->payload, payload, length);
  e->payload[length] = 0;
  e->length = length;
  queue(n, e);
}

void sf_scriptedNet_setConnected(sf_ScriptedNet* n, bool up) {
  if (up == n->connected) return;
  n->connected = up;
  Event* e = calloc(1, sizeof *e);
  if (!e) return;
  e->kind = EVENT_CONNECTION;
  e->flag = up;
  queue(n, e);
}

bool sf_scriptedNet_pending(const sf_ScriptedNet* n) {
  return n->head != NULL;
}
