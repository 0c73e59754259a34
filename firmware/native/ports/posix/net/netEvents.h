/* Network events handed from Paho's threads to the device's one loop. hal/net.h promises that
 * events arrive only from inside poll, never re-entrantly: Paho calls back on threads of its
 * own, so its callbacks only copy what happened into this queue, and poll delivers it. */
#ifndef SF_POSIX_NET_EVENTS_H
#define SF_POSIX_NET_EVENTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sf_NetEventKind {
  SF_NET_CONNECTED,      /* CONNACK: flag = session present */
  SF_NET_CONNECT_FAILED, /* text = why; token = Paho's failure code, as an int */
  SF_NET_TLS_ERROR,      /* text = OpenSSL's words (they come before the failure they explain) */
  SF_NET_LOST,           /* text = why */
  SF_NET_SUBACK,         /* flag = granted; text = topic */
  SF_NET_MESSAGE,        /* text = topic, payload; flag = RETAIN (hal/net.h, message) */
  SF_NET_PUBLISHED,      /* token, flag = delivered */
} sf_NetEventKind;

typedef struct sf_NetEvent {
  struct sf_NetEvent* next;
  sf_NetEventKind kind;
  bool flag;
  uint32_t token;
  char* text;
  uint8_t* payload;
  size_t length;
} sf_NetEvent;

typedef struct sf_NetEventQueue {
  pthread_mutex_t lock;
  pthread_cond_t ready;
  sf_NetEvent* head;
  sf_NetEvent* tail;
} sf_NetEventQueue;

void sf_netEvents_init(sf_NetEventQueue* q);
void sf_netEvents_destroy(sf_NetEventQueue* q);
/* Copies text and payload. Out of memory drops the event (a message then counts as lost). */
void sf_netEvents_push(sf_NetEventQueue* q, sf_NetEventKind kind, bool flag, uint32_t token, const char* text, size_t textLength, const void* payload, size_t length);
/* The oldest event, waiting at most maxWaitMs for one; NULL when none came. Free with sf_netEvents_free. */
sf_NetEvent* sf_netEvents_pop(sf_NetEventQueue* q, uint32_t maxWaitMs);
/* Wakes a waiting pop (a timer of the loop is due, or the process stops). */
void sf_netEvents_wake(sf_NetEventQueue* q);
void sf_netEvents_free(sf_NetEvent* e);

#endif
