#include "linkNet.h"

#include "linkMessages.h"

static size_t textLength(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

static void updateOnline(sf_LinkNet* n) {
  bool online = n->session.up && n->mqttUp;
  if (online == n->online) return;
  n->online = online;
  if (!online) {
    /* Whatever was in flight may or may not have reached the broker: the supervisor sends QoS 1
     * again after the reconnect (the envelope id lets receivers drop a repeat). */
    int count = n->inFlightCount;
    n->inFlightCount = 0;
    for (int i = 0; i < count; i++)
      if (n->hasEvents) n->events.published(n->events.context, n->inFlight[i], false);
  }
  if (n->hasEvents) n->events.connectionChanged(n->events.context, online);
}

/* Queues a publish, subscribe or unsubscribe if it leaves the OTA replies' reserve free (linkNet.h). */
static bool fitsBesideReplies(const sf_LinkNet* n, size_t length) {
  return sf_linkSession_queueFree(&n->session) >= SF_LINK_REPLY_RESERVE_BYTES + 2 + length;
}

static bool sendBesideReplies(sf_LinkNet* n, const uint8_t* body, size_t length) {
  return fitsBesideReplies(n, length) && sf_linkSession_send(&n->session, body, length);
}

/* Queues subscription i on the link; when the queue has no room it stays unsent and
 * sendUnsent tries again at the next poll. */
static void sendSubscribe(sf_LinkNet* n, int i) {
  uint8_t body[1 + 1 + SF_LINK_TOPIC_MAX];
  size_t length = textLength(n->topics[i]);
  body[0] = SF_LINK_MSG_SUBSCRIBE;
  body[1] = n->qos[i];
  for (size_t k = 0; k < length; k++) body[2 + k] = (uint8_t)n->topics[i][k];
  n->unsent[i] = !sendBesideReplies(n, body, 2 + length);
}

/* True when a subscription is still unsent after trying (the link's queue had no room). */
static bool sendUnsent(sf_LinkNet* n) {
  bool left = false;
  for (int i = 0; i < n->topicCount; i++)
    if (n->unsent[i]) sendSubscribe(n, i), left |= n->unsent[i];
  return left;
}

static int findTopic(const sf_LinkNet* n, const char* topic, size_t length) {
  for (int i = 0; i < n->topicCount; i++)
    if (textLength(n->topics[i]) == length && __builtin_memcmp(n->topics[i], topic, length) == 0) return i;
  return -1;
}

static uint32_t readU32(const uint8_t* p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void onMessage(void* context, const uint8_t* body, size_t length) {
  sf_LinkNet* n = context;
  if (length == 0) return;
  switch (body[0]) {
    case SF_LINK_MSG_MQTT_STATE:
      if (length >= 2) {
        n->mqttUp = body[1] != 0;
        updateOnline(n);
      }
      return;
    case SF_LINK_MSG_MESSAGE: {
      if (length < 3) return;
      size_t topicLength = (size_t)body[1] | (size_t)body[2] << 8;
      if (3 + topicLength > length || topicLength >= SF_LINK_TOPIC_MAX) return;
      char topic[SF_LINK_TOPIC_MAX];
      for (size_t i = 0; i < topicLength; i++) topic[i] = (char)body[3 + i];
      topic[topicLength] = 0;
      /* The MESSAGE body has no RETAIN flag, and nothing on the MCU would read one: its only
       * reader is the networked device's own-status answer, and on a board the co-processor
       * watches the MCU's status topic and answers for it (firmware/coprocessor/mcuStatus.ts),
       * where a RETAIN 1 skip would not even hold (that watch is subscribed after the MCU's first
       * online). false: taken as live, hal/net.h's cautious case. */
      if (n->hasEvents) n->events.message(n->events.context, topic, body + 3 + topicLength, length - 3 - topicLength, false);
      return;
    }
    case SF_LINK_MSG_PUBLISHED: {
      if (length < 6) return;
      uint32_t token = readU32(body + 1);
      for (int i = 0; i < n->inFlightCount; i++) {
        if (n->inFlight[i] != token) continue;
        n->inFlight[i] = n->inFlight[--n->inFlightCount];
        if (n->hasEvents) n->events.published(n->events.context, token, body[5] != 0);
        return;
      }
      return; /* reported false already (an outage came first) */
    }
    default:
      if (n->other) n->other(n->otherContext, body, length);
  }
}

static void onLinkChanged(void* context, bool up) {
  sf_LinkNet* n = context;
  if (!up) n->mqttUp = false; /* the co-processor says again once the link is back */
  updateOnline(n);
}

static void onPeerRestarted(void* context) {
  sf_LinkNet* n = context;
  n->mqttUp = false;
  updateOnline(n);
  for (int i = 0; i < n->topicCount; i++) sendSubscribe(n, i); /* in order; what doesn't fit waits */
}

static void onWrite(void* context, const uint8_t* bytes, size_t length) {
  sf_LinkNet* n = context;
  n->port.write(n->port.context, bytes, length);
}

static bool connected(hal_Net* base) {
  return ((sf_LinkNet*)base)->online;
}

static hal_NetResult publish(hal_Net* base, const char* topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain, uint32_t token) {
  sf_LinkNet* n = (sf_LinkNet*)base;
  size_t topicLength = textLength(topic);
  if (9 + topicLength + length > SF_LINK_MAX_BODY) return HAL_NET_INVALID;
  if (!n->online) return HAL_NET_OFFLINE;
  /* Subscriptions go first: the co-processor takes the app's status `online` as "all its
   * subscriptions made" (firmware/coprocessor/mcuSubscriptions.ts). */
  if (sendUnsent(n)) return HAL_NET_BUSY;
  if (n->inFlightCount == SF_LINK_MAX_IN_FLIGHT || !fitsBesideReplies(n, 9 + topicLength + length)) return HAL_NET_BUSY;
  uint8_t body[SF_LINK_MAX_BODY];
  body[0] = SF_LINK_MSG_PUBLISH;
  for (int i = 0; i < 4; i++) body[1 + i] = (uint8_t)(token >> (8 * i));
  body[5] = qos;
  body[6] = retain;
  body[7] = (uint8_t)topicLength;
  body[8] = (uint8_t)(topicLength >> 8);
  for (size_t i = 0; i < topicLength; i++) body[9 + i] = (uint8_t)topic[i];
  for (size_t i = 0; i < length; i++) body[9 + topicLength + i] = payload[i];
  sf_linkSession_send(&n->session, body, 9 + topicLength + length);
  n->inFlight[n->inFlightCount++] = token;
  return HAL_NET_OK;
}

static hal_NetResult subscribe(hal_Net* base, const char* topic, uint8_t qos) {
  sf_LinkNet* n = (sf_LinkNet*)base;
  size_t length = textLength(topic);
  if (length >= SF_LINK_TOPIC_MAX) return HAL_NET_INVALID;
  int i = findTopic(n, topic, length);
  if (i < 0) {
    /* The table holds what the image supports (linkNet.h): past it, nothing will ever fit. */
    if (n->topicCount == SF_LINK_MAX_SUBSCRIPTIONS) return HAL_NET_FULL;
    char* copy = hal_malloc(length + 1);
    if (!copy) return HAL_NET_FULL;
    __builtin_memcpy(copy, topic, length + 1);
    i = n->topicCount++;
    n->topics[i] = copy;
  }
  n->qos[i] = qos;
  sendSubscribe(n, i);
  return HAL_NET_OK; /* taken: sent now or at a poll with room */
}

static hal_NetResult unsubscribe(hal_Net* base, const char* topic) {
  sf_LinkNet* n = (sf_LinkNet*)base;
  size_t length = textLength(topic);
  if (length >= SF_LINK_TOPIC_MAX) return HAL_NET_INVALID;
  int i = findTopic(n, topic, length);
  if (i >= 0) {
    hal_free(n->topics[i]);
    int last = --n->topicCount;
    n->topics[i] = n->topics[last];
    n->qos[i] = n->qos[last];
    n->unsent[i] = n->unsent[last];
  }
  uint8_t body[1 + SF_LINK_TOPIC_MAX];
  body[0] = SF_LINK_MSG_UNSUBSCRIBE;
  __builtin_memcpy(body + 1, topic, length);
  return sendBesideReplies(n, body, 1 + length) ? HAL_NET_OK : HAL_NET_BUSY;
}

static void setEvents(hal_Net* base, const hal_NetEvents* events) {
  sf_LinkNet* n = (sf_LinkNet*)base;
  n->hasEvents = events != NULL;
  if (events) n->events = *events;
}

static void poll(hal_Net* base, uint32_t maxWaitMs) {
  sf_LinkNet* n = (sf_LinkNet*)base;
  uint8_t bytes[64];
  int64_t until = n->port.nowMs(n->port.context) + maxWaitMs;
  for (;;) {
    size_t got = n->port.read(n->port.context, bytes, sizeof bytes);
    int64_t now = n->port.nowMs(n->port.context);
    if (got) sf_linkSession_receive(&n->session, bytes, got, now);
    sf_linkSession_poll(&n->session, now);
    sendUnsent(n);
    if (got) continue; /* drain what has arrived */
    if (now >= until) return;
    n->port.wait(n->port.context, (uint32_t)(until - now < 10 ? until - now : 10));
  }
}

static const hal_NetOps OPS = {connected, publish, subscribe, unsubscribe, setEvents, poll};

void sf_linkNet_init(sf_LinkNet* n, const sf_LinkPort* port, uint32_t sessionId) {
  *n = (sf_LinkNet){0};
  n->base.ops = &OPS;
  n->port = *port;
  sf_LinkSessionEvents events = {n, onWrite, onMessage, onLinkChanged, onPeerRestarted};
  sf_linkSession_init(&n->session, &events, sessionId, port->nowMs(port->context));
}

bool sf_linkNet_send(sf_LinkNet* n, const uint8_t* body, size_t length) {
  return sf_linkSession_send(&n->session, body, length);
}
