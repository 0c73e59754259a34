#include "netEvents.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void sf_netEvents_init(sf_NetEventQueue* q) {
  pthread_mutex_init(&q->lock, NULL);
  pthread_condattr_t attributes;
  pthread_condattr_init(&attributes);
  pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
  pthread_cond_init(&q->ready, &attributes);
  pthread_condattr_destroy(&attributes);
  q->head = q->tail = NULL;
}

void sf_netEvents_destroy(sf_NetEventQueue* q) {
  for (sf_NetEvent* e = q->head; e;) {
    sf_NetEvent* next = e->next;
    sf_netEvents_free(e);
    e = next;
  }
  q->head = q->tail = NULL;
  pthread_cond_destroy(&q->ready);
  pthread_mutex_destroy(&q->lock);
}

void sf_netEvents_push(sf_NetEventQueue* q, sf_NetEventKind kind, bool flag, uint32_t token, const char* text, size_t textLength, const void* payload, size_t length) {
  sf_NetEvent* e = calloc(1, sizeof *e);
  if (!e) return;
  e->kind = kind;
  e->flag = flag;
  e->token = token;
  if (text) {
    e->text = malloc(textLength + 1);
    if (!e->text) {
      free(e);
      return;
    }
    memcpy(e->text, text, textLength);
    e->text[textLength] = '\0';
  }
  if (payload) {
    e->payload = malloc(length ? length : 1);
    if (!e->payload) {
      sf_netEvents_free(e);
      return;
    }
    memcpy(e->payload, payload, length);
    e->length = length;
  }
  pthread_mutex_lock(&q->lock);
  if (q->tail) q->tail->next = e;
  else q->head = e;
  q->tail = e;
  pthread_cond_signal(&q->ready);
  pthread_mutex_unlock(&q->lock);
}

sf_NetEvent* sf_netEvents_pop(sf_NetEventQueue* q, uint32_t maxWaitMs) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += maxWaitMs / 1000;
  until.tv_nsec += (long)(maxWaitMs % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&q->lock);
  /* One wait: a wake (or a spurious wakeup) returns NULL early and the loop looks at its timers. */
  if (!q->head && maxWaitMs > 0) pthread_cond_timedwait(&q->ready, &q->lock, &until);
  sf_NetEvent* e = q->head;
  if (e) {
    q->head = e->next;
    if (!q->head) q->tail = NULL;
    e->next = NULL;
  }
  pthread_mutex_unlock(&q->lock);
  return e;
}

void sf_netEvents_wake(sf_NetEventQueue* q) {
  pthread_mutex_lock(&q->lock);
  pthread_cond_signal(&q->ready);
  pthread_mutex_unlock(&q->lock);
}

void sf_netEvents_free(sf_NetEvent* e) {
  if (!e) return;
  free(e->text);
  free(e->payload);
  free(e);
}
