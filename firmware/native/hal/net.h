/*
 * The network as the supervisor (and the OTA agent) see it: an MQTT 3.1.1 session that publishes,
 * subscribes and reports what happens. A port implements one hal_Net per connection (POSIX: Paho
 * over TLS in ports/posix/mqttNet.c; the scripted mode: ports/posix/scriptedNet.c).
 *
 * Why a table of functions rather than link-time functions: one binary holds two networks (the
 * scripted one for tests and the MQTT one), and a test can hand the supervisor its own.
 *
 * Rules every implementation keeps (the supervisor relies on them):
 * - Nothing blocks. Events (connection changes, messages, publish outcomes) are delivered only
 *   from inside hal_NetOps.poll, never from inside publish/subscribe, so the supervisor is never
 *   re-entered.
 * - publish copies topic and payload before returning.
 * - QoS 1: `published(token, true)` after the PUBACK; across an outage the implementation keeps
 *   the message in its persistent session and retransmits it after reconnecting (the supervisor
 *   bounds how many are in flight). QoS 0: `published(token, true)` once written.
 *   `published(token, false)` when it gave up on the message (the supervisor puts a QoS 1 message
 *   back in its outbox and waits for the next reconnect).
 * - Subscriptions survive reconnects (the implementation re-subscribes, or uses a persistent
 *   session); connectionChanged(true) comes after they are in place. subscribe answers OK once
 *   it has taken the subscription: from then on the implementation sends it when it can (a busy
 *   link: when its queue has room), again after a reconnect, until unsubscribe. It answers FULL
 *   when it can't keep it (no place or no memory), INVALID for a topic it refuses; never BUSY or
 *   OFFLINE (the supervisor refuses to start the app on any answer but OK).
 */
#ifndef SF_HAL_NET_H
#define SF_HAL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every implementation takes at least this many publishes awaiting their outcome before it says
 * HAL_NET_BUSY (the Cortex-M link: SF_LINK_MAX_IN_FLIGHT; Paho: its maxInflight); the
 * supervisor's default in-flight window stays below it. */
#define HAL_NET_MIN_IN_FLIGHT 16

typedef enum hal_NetResult {
  HAL_NET_OK = 0,
  /* Not connected: nothing was queued (the supervisor keeps the message). */
  HAL_NET_OFFLINE = 1,
  /* The implementation can't take more now (its own buffers are full): try again when room comes
   * (the supervisor: at the next outcome it hears of, or a turn of its loop). */
  HAL_NET_BUSY = 2,
  /* Topic or payload refused (too long, invalid UTF-8 topic). */
  HAL_NET_INVALID = 3,
  /* subscribe only: no room to keep the subscription, and none will come by waiting: the table
   * is full (the Cortex-M link keeps SF_LINK_MAX_SUBSCRIPTIONS, sized for what the image
   * supports; Paho: AWS's 50 per connection) or memory is out. */
  HAL_NET_FULL = 4,
} hal_NetResult;

/* What the network tells its owner. Called only from within poll. */
typedef struct hal_NetEvents {
  void* context;
  /* true after every (re)connect, false at every outage. */
  void (*connectionChanged)(void* context, bool up);
  /* A message on a subscribed topic. `payload` is not NUL-terminated; both are valid only
   * during the call. `retained` is the RETAIN flag it arrived with: MQTT 3.1.1 section 3.3.1.3
   * sets it to 1 only on a stored message the broker sends because of a new subscription, 0 on
   * one matching an established subscription (a live publish). An implementation that can't
   * know it says false: the message is then taken as live, the reader's cautious case. */
  void (*message)(void* context, const char* topic, const uint8_t* payload, size_t length, bool retained);
  /* The outcome of publish(..., token). */
  void (*published)(void* context, uint32_t token, bool delivered);
} hal_NetEvents;

typedef struct hal_Net hal_Net;

typedef struct hal_NetOps {
  bool (*connected)(hal_Net* net);
  /* retain: the broker keeps the message for later subscribers (device status). */
  hal_NetResult (*publish)(hal_Net* net, const char* topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain, uint32_t token);
  hal_NetResult (*subscribe)(hal_Net* net, const char* topic, uint8_t qos);
  hal_NetResult (*unsubscribe)(hal_Net* net, const char* topic);
  /* Replaces the event receiver (NULL: events are dropped). */
  void (*setEvents)(hal_Net* net, const hal_NetEvents* events);
  /* Runs the network for at most `maxWaitMs` (0: only what is ready) and delivers events. */
  void (*poll)(hal_Net* net, uint32_t maxWaitMs);
} hal_NetOps;

/* Implementations embed this as their first member. */
struct hal_Net {
  const hal_NetOps* ops;
};

#endif
