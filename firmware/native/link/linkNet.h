/*
 * hal/net.h over the link: the supervisor publishes and subscribes as with MQTT; the messages
 * cross the link to the co-processor, which holds the certificate and the MQTT/TLS session.
 * Online = the link is up and the co-processor's MQTT session is up. When either goes down,
 * every publish in flight is reported `published(token, false)` (the supervisor keeps QoS 1
 * messages and sends them again; receivers drop repeats by envelope id). Subscriptions are kept
 * here and sent again when the co-processor restarts; one the link's queue has no room for now
 * waits here and goes at the next poll with room (then the session's retransmission carries it),
 * so a subscription is never dropped; meanwhile a publish is BUSY, so none overtakes it (the
 * co-processor takes the app's status `online` as all its subscriptions made,
 * firmware/coprocessor/mcuSubscriptions.ts). Messages the supervisor doesn't own (pins, OTA) go
 * to `other`.
 *
 * OTA replies (sf_linkNet_send) are made once, when their moment comes (an offer's answer, a
 * trial's verdict), and nobody would make them again: a publish refused as busy is tried again by
 * the supervisor and a subscription waits here, but a lost reply would leave the job IN_PROGRESS
 * until it times out. So publishes and subscriptions leave SF_LINK_REPLY_RESERVE_BYTES of the
 * link's queue free, room for SF_LINK_REPLIES_RESERVED replies of the longest body, which only
 * replies may take. Two wait at once at most: the co-processor offers one job at a time and waits
 * for its answer, so the answer and either an interrupted trial's FAILED (sent just before it) or
 * the running trial's verdict. The queue can then be as small as the reserve and one publish of
 * the longest body (sizeBudget.json's SF_LINK_QUEUE_BYTES for the M0+).
 */
#ifndef SF_LINK_NET_H
#define SF_LINK_NET_H

#include "../hal/net.h"
#include "../supervisor/settingsSync.h"
#include "../supervisor/supervisor.h"
#include "linkSession.h"

/* Every subscription the image can make: the app's (2 per incoming channel, SF_MAX_CHANNELS of
 * the image: a per-app build's own count) and the settings shadow's answers (the link device
 * doesn't keep settings yet; the room is there for when it does). A topic is a heap copy of its
 * own length; a place here is a pointer, its QoS and a flag. */
#ifndef SF_LINK_MAX_SUBSCRIPTIONS
#define SF_LINK_MAX_SUBSCRIPTIONS (SF_SUPERVISOR_MAX_SUBSCRIPTIONS + SF_SETTINGS_SUBSCRIPTIONS)
#endif
#define SF_LINK_TOPIC_MAX 128
#ifndef SF_LINK_MAX_IN_FLIGHT
#define SF_LINK_MAX_IN_FLIGHT 16
#endif
#if SF_LINK_MAX_IN_FLIGHT < HAL_NET_MIN_IN_FLIGHT
#error "SF_LINK_MAX_IN_FLIGHT is below HAL_NET_MIN_IN_FLIGHT: the supervisor's default window would fill the link (hal/net.h)"
#endif

#define SF_LINK_REPLIES_RESERVED 2
#define SF_LINK_REPLY_RESERVE_BYTES (SF_LINK_REPLIES_RESERVED * (2 + SF_LINK_MAX_BODY))
#if SF_LINK_QUEUE_BYTES < SF_LINK_REPLY_RESERVE_BYTES + 2 + SF_LINK_MAX_BODY
#error "SF_LINK_QUEUE_BYTES must hold the OTA replies' reserve and one message of SF_LINK_MAX_BODY beside it (linkNet.h)"
#endif

/* The port's byte stream and clock. */
typedef struct sf_LinkPort {
  void* context;
  size_t (*read)(void* context, uint8_t* bytes, size_t capacity); /* what has arrived, no wait */
  void (*write)(void* context, const uint8_t* bytes, size_t length);
  int64_t (*nowMs)(void* context);                                 /* monotonic */
  void (*wait)(void* context, uint32_t maxMs);                     /* until a byte or maxMs */
} sf_LinkPort;

typedef struct sf_LinkNet {
  hal_Net base;
  sf_LinkPort port;
  sf_LinkSession session;
  hal_NetEvents events;
  bool hasEvents, mqttUp, online;
  uint32_t inFlight[SF_LINK_MAX_IN_FLIGHT];
  int inFlightCount;
  char* topics[SF_LINK_MAX_SUBSCRIPTIONS]; /* hal_malloc'd, NUL-terminated */
  uint8_t qos[SF_LINK_MAX_SUBSCRIPTIONS];
  bool unsent[SF_LINK_MAX_SUBSCRIPTIONS]; /* not in the link's queue yet: no room when made */
  int topicCount;
  void (*other)(void* context, const uint8_t* body, size_t length);
  void* otherContext;
} sf_LinkNet;

void sf_linkNet_init(sf_LinkNet* net, const sf_LinkPort* port, uint32_t sessionId);
/* Sends an OTA reply; it may take the room kept for replies (above). false when even that is full. */
bool sf_linkNet_send(sf_LinkNet* net, const uint8_t* body, size_t length);

#endif
