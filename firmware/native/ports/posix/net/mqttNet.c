#include "mqttNet.h"

#include <MQTTAsync.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "connectFailure.h"
#include "netEvents.h"

/* AWS IoT: 50 subscriptions per connection (docs/aws-iot.md). */
#define MAX_SUBSCRIPTIONS 50
/* AWS IoT: 100 unacknowledged QoS 1 publishes per connection. */
#define MAX_INFLIGHT 100
#if MAX_INFLIGHT < HAL_NET_MIN_IN_FLIGHT
#error "MAX_INFLIGHT is below HAL_NET_MIN_IN_FLIGHT (hal/net.h)"
#endif

typedef struct Subscription {
  char* topic;
  uint8_t qos;
  bool acked;
} Subscription;

/* What a Paho callback needs to know about the request it answers. Kept in a list so that
 * requests Paho never answered are freed with the client. */
typedef struct Request {
  struct Request* prev;
  struct Request* next;
  struct MqttNet* net;
  uint32_t token;
  char* topic;
} Request;

typedef struct MqttNet {
  hal_Net base;
  sf_MqttNetConfig config;
  char* uri;
  MQTTAsync client;
  sf_NetEventQueue queue;
  hal_NetEvents events;
  bool hasEvents;
  pthread_mutex_t requestsLock;
  Request* requests;
  Subscription subscriptions[MAX_SUBSCRIPTIONS];
  size_t subscriptionCount;
  size_t pendingSubacks;
  /* The main loop's view: CONNACK seen, connectionChanged(true) told. */
  bool linkUp;
  bool reportedUp;
  bool connecting;
  bool everConnected;
  /* The first connect: when its first attempt started, how many failed, the last attempt's TLS
   * error (OpenSSL's words, "" if none), and why it failed for good ("" while it may succeed). */
  int64_t firstAttemptAt;
  uint32_t failedAttempts;
  char attemptTlsError[300];
  char failure[900];
  int64_t nextAttemptAt;
  uint32_t backoffMs;
  volatile int disconnected;
  sf_MqttNetStats stats;
} MqttNet;

static void say(MqttNet* n, const char* format, const char* detail) {
  if (!n->config.log) return;
  char line[600];
  snprintf(line, sizeof line, format, detail ? detail : "");
  char prefixed[700];
  snprintf(prefixed, sizeof prefixed, "[mqtt %s] %s", n->config.thing, line);
  n->config.log(n->config.logContext, prefixed);
}

static int64_t now(MqttNet* n) { return n->config.clock->ops->now(n->config.clock); }

/* --- requests ---------------------------------------------------------------------------- */

static Request* request(MqttNet* n, uint32_t token, const char* topic) {
  Request* r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->net = n;
  r->token = token;
  if (topic && !(r->topic = strdup(topic))) {
    free(r);
    return NULL;
  }
  pthread_mutex_lock(&n->requestsLock);
  r->next = n->requests;
  if (n->requests) n->requests->prev = r;
  n->requests = r;
  pthread_mutex_unlock(&n->requestsLock);
  return r;
}

static void release(Request* r) {
  MqttNet* n = r->net;
  pthread_mutex_lock(&n->requestsLock);
  if (r->prev) r->prev->next = r->next;
  else n->requests = r->next;
  if (r->next) r->next->prev = r->prev;
  pthread_mutex_unlock(&n->requestsLock);
  free(r->topic);
  free(r);
}

/* --- Paho's threads: copy into the queue, nothing else ---------------------------------- */

static void onConnect(void* context, MQTTAsync_successData* response) {
  MqttNet* n = context;
  sf_netEvents_push(&n->queue, SF_NET_CONNECTED, response && response->alt.connect.sessionPresent, 0, NULL, 0, NULL, 0);
}

static void onConnectFailure(void* context, MQTTAsync_failureData* response) {
  MqttNet* n = context;
  int code = response ? response->code : MQTTASYNC_FAILURE;
  char why[300];
  /* A CONNACK's code says it all (Paho's message is only "CONNACK return code"). */
  if (code > 0) snprintf(why, sizeof why, "%s", sf_connectFailure_codeWords(code));
  else snprintf(why, sizeof why, "%s: %s", sf_connectFailure_codeWords(code), response && response->message ? response->message : "no answer");
  sf_netEvents_push(&n->queue, SF_NET_CONNECT_FAILED, false, (uint32_t)code, why, strlen(why), NULL, 0);
}

static void onConnectionLost(void* context, char* cause) {
  MqttNet* n = context;
  const char* why = cause ? cause : "the connection closed or a PINGRESP did not come in time";
  sf_netEvents_push(&n->queue, SF_NET_LOST, false, 0, why, strlen(why), NULL, 0);
}

static int onMessage(void* context, char* topic, int topicLength, MQTTAsync_message* message) {
  MqttNet* n = context;
  size_t length = topicLength > 0 ? (size_t)topicLength : strlen(topic);
  sf_netEvents_push(&n->queue, SF_NET_MESSAGE, message->retained != 0, 0, topic, length, message->payload ? message->payload : "", (size_t)message->payloadlen);
  MQTTAsync_freeMessage(&message);
  MQTTAsync_free(topic);
  return 1;
}

static void onPublished(void* context, MQTTAsync_successData* response) {
  (void)response;
  Request* r = context;
  sf_netEvents_push(&r->net->queue, SF_NET_PUBLISHED, true, r->token, NULL, 0, NULL, 0);
  release(r);
}

static void onPublishFailed(void* context, MQTTAsync_failureData* response) {
  (void)response;
  Request* r = context;
  sf_netEvents_push(&r->net->queue, SF_NET_PUBLISHED, false, r->token, NULL, 0, NULL, 0);
  release(r);
}

static void onSubscribed(void* context, MQTTAsync_successData* response) {
  Request* r = context;
  /* SUBACK 0x80: the policy refused the filter (AWS keeps a 3.1.1 connection open). */
  bool granted = !response || response->alt.qos != 0x80;
  sf_netEvents_push(&r->net->queue, SF_NET_SUBACK, granted, 0, r->topic, strlen(r->topic), NULL, 0);
  release(r);
}

static void onSubscribeFailed(void* context, MQTTAsync_failureData* response) {
  (void)response;
  Request* r = context;
  sf_netEvents_push(&r->net->queue, SF_NET_SUBACK, false, 0, r->topic, strlen(r->topic), NULL, 0);
  release(r);
}

static void onUnsubscribeDone(void* context, MQTTAsync_successData* response) {
  (void)response;
  release(context);
}

static void onUnsubscribeFailed(void* context, MQTTAsync_failureData* response) {
  (void)response;
  release(context);
}

static void onDisconnected(void* context, MQTTAsync_successData* response) {
  (void)response;
  ((MqttNet*)context)->disconnected = 1;
}

static void onDisconnectFailed(void* context, MQTTAsync_failureData* response) {
  (void)response;
  ((MqttNet*)context)->disconnected = 1;
}

static int onTlsError(const char* text, size_t length, void* context) {
  MqttNet* n = context;
  while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' ')) length--; /* OpenSSL ends its lines */
  sf_netEvents_push(&n->queue, SF_NET_TLS_ERROR, false, 0, text, length > 299 ? 299 : length, NULL, 0);
  return 0;
}

/* --- the device's loop -------------------------------------------------------------------- */

static void startConnect(MqttNet* n) {
  MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
  ssl.trustStore = n->config.caPath;
  ssl.keyStore = n->config.certPath;
  ssl.privateKey = n->config.keyPath;
  ssl.enableServerCertAuth = 1;
  ssl.verify = 1; /* the server certificate must name the host */
  ssl.sslVersion = MQTT_SSL_VERSION_TLS_1_2;
  ssl.ssl_error_cb = onTlsError;
  ssl.ssl_error_context = n;
  MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;
  MQTTAsync_connectOptions options = MQTTAsync_connectOptions_initializer;
  options.keepAliveInterval = n->config.keepAliveSeconds;
  options.cleansession = n->config.cleanSession ? 1 : 0;
  options.maxInflight = MAX_INFLIGHT;
  options.connectTimeout = 10;
  options.MQTTVersion = MQTTVERSION_3_1_1;
  options.automaticReconnect = 0;
  options.ssl = &ssl;
  if (n->config.willTopic) {
    will.topicName = n->config.willTopic;
    will.message = n->config.willPayload;
    will.qos = 1;
    will.retained = 1;
    options.will = &will;
  }
  options.onSuccess = onConnect;
  options.onFailure = onConnectFailure;
  options.context = n;
  n->connecting = true;
  n->attemptTlsError[0] = '\0';
  if (!n->everConnected && n->failedAttempts == 0) n->firstAttemptAt = now(n);
  int rc = MQTTAsync_connect(n->client, &options);
  if (rc != MQTTASYNC_SUCCESS) {
    char why[80];
    snprintf(why, sizeof why, "MQTTAsync_connect returned %d", rc);
    sf_netEvents_push(&n->queue, SF_NET_CONNECT_FAILED, false, (uint32_t)rc, why, strlen(why), NULL, 0);
  }
}

/* The next attempt's wait: full jitter in [min, current], then the current bound doubles. */
static uint32_t nextWait(MqttNet* n) {
  uint32_t min = n->config.reconnectMinMs;
  uint32_t span = n->backoffMs > min ? n->backoffMs - min : 0;
  uint32_t r = 0;
  n->config.random->ops->fill(n->config.random, (uint8_t*)&r, sizeof r);
  n->backoffMs = n->backoffMs >= n->config.reconnectMaxMs / 2 ? n->config.reconnectMaxMs : n->backoffMs * 2;
  return min + (span ? r % (span + 1) : 0);
}

static void scheduleReconnect(MqttNet* n) { n->nextAttemptAt = now(n) + nextWait(n); }

/* A failed attempt before the first CONNACK: refused ends the link; transient is tried again
 * within the budget (the TypeScript device's words, firmware/comms/mqttTransport.ts). */
static void firstConnectFailed(MqttNet* n, int code, const char* why) {
  n->failedAttempts++;
  const char* thing = n->config.thing;
  const char* tls = n->attemptTlsError[0] ? n->attemptTlsError : NULL;
  if (sf_connectFailure_refused(code, tls)) {
    snprintf(n->failure, sizeof n->failure,
             "\"%s\" could not connect to %s:%d: %s%s%s (refused, not retried). Check the endpoint, the CA (--ca) that signed the broker's certificate, that the certificate is registered and active, and that its policy allows iot:Connect for client id \"%s\".",
             thing, n->config.host, n->config.port, why, tls ? "; TLS: " : "", tls ? tls : "", thing);
    return;
  }
  uint32_t wait = nextWait(n);
  int64_t elapsed = now(n) - n->firstAttemptAt;
  if (elapsed + wait > (int64_t)n->config.firstConnectBudgetMs) {
    snprintf(n->failure, sizeof n->failure,
             "\"%s\" could not connect to %s:%d: gave up after %u attempt%s over %.1f s (budget %.1f s, --first-connect-budget); last: %s%s%s. Check the endpoint and that the broker runs there, and that it accepts this certificate (a broker refusing it in TLS 1.3 looks like a hang-up).",
             thing, n->config.host, n->config.port, n->failedAttempts, n->failedAttempts == 1 ? "" : "s", (double)elapsed / 1000.0, n->config.firstConnectBudgetMs / 1000.0, why, tls ? "; TLS: " : "", tls ? tls : "");
    return;
  }
  char line[500];
  snprintf(line, sizeof line, "connect attempt %u failed (%s); trying again in %.1f s", n->failedAttempts, why, wait / 1000.0);
  say(n, "%s", line);
  n->nextAttemptAt = now(n) + wait;
}

static void sendSubscribe(MqttNet* n, Subscription* s) {
  Request* r = request(n, 0, s->topic);
  if (!r) return;
  MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
  options.onSuccess = onSubscribed;
  options.onFailure = onSubscribeFailed;
  options.context = r;
  if (MQTTAsync_subscribe(n->client, s->topic, s->qos, &options) != MQTTASYNC_SUCCESS) {
    release(r);
    sf_netEvents_push(&n->queue, SF_NET_SUBACK, false, 0, s->topic, strlen(s->topic), NULL, 0);
  }
}

/* Paho leaves Nagle's algorithm on and has no option for it: small QoS 1 publishes then wait
 * for the broker's delayed ACK (40-200 ms stalls at the p99). Its socket is the one TCP stream
 * of this process whose peer has the broker's port; TCP_NODELAY on it (libcurl sets it itself). */
static void disableNagle(MqttNet* n) {
  for (int fd = 0; fd < 1024; fd++) {
    int type = 0;
    socklen_t size = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0 || type != SOCK_STREAM) continue;
    struct sockaddr_storage peer;
    socklen_t peerSize = sizeof peer;
    if (getpeername(fd, (struct sockaddr*)&peer, &peerSize) != 0) continue;
    int port = peer.ss_family == AF_INET ? ntohs(((struct sockaddr_in*)&peer)->sin_port) : peer.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6*)&peer)->sin6_port) : -1;
    if (port != n->config.port) continue;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
}

static void reportUp(MqttNet* n) {
  if (n->reportedUp || !n->linkUp) return;
  n->reportedUp = true;
  if (n->hasEvents && n->events.connectionChanged) n->events.connectionChanged(n->events.context, true);
}

static void handle(MqttNet* n, sf_NetEvent* e) {
  switch (e->kind) {
    case SF_NET_CONNECTED:
      n->linkUp = true;
      n->connecting = false;
      n->backoffMs = n->config.reconnectMinMs;
      if (n->everConnected) n->stats.reconnects++;
      n->everConnected = true;
      disableNagle(n);
      say(n, e->flag ? "connected (session resumed)" : "connected (new session)", NULL);
      /* Subscribing again is harmless when the broker kept the session, and needed when it
       * lost it (a restart without persistence, an expired session). */
      n->pendingSubacks = n->subscriptionCount;
      for (size_t i = 0; i < n->subscriptionCount; i++) {
        n->subscriptions[i].acked = false;
        sendSubscribe(n, &n->subscriptions[i]);
      }
      if (n->pendingSubacks == 0) reportUp(n);
      break;
    case SF_NET_SUBACK:
      for (size_t i = 0; i < n->subscriptionCount; i++) {
        Subscription* s = &n->subscriptions[i];
        if (strcmp(s->topic, e->text) != 0 || s->acked) continue;
        s->acked = true;
        if (n->pendingSubacks > 0) n->pendingSubacks--;
        break;
      }
      if (!e->flag) {
        n->stats.subscriptionsRefused++;
        say(n, "subscription to \"%s\" refused by the broker (check the thing's policy allows iot:Subscribe on it)", e->text);
      }
      if (n->pendingSubacks == 0) reportUp(n);
      break;
    case SF_NET_TLS_ERROR:
      say(n, "TLS: %s", e->text);
      snprintf(n->attemptTlsError, sizeof n->attemptTlsError, "%s", e->text);
      break;
    case SF_NET_CONNECT_FAILED:
      n->connecting = false;
      n->stats.connectFailures++;
      if (!n->everConnected) {
        firstConnectFailed(n, (int)e->token, e->text);
        break;
      }
      say(n, "connect attempt failed: %s", e->text);
      scheduleReconnect(n);
      break;
    case SF_NET_LOST:
      if (!n->linkUp) break;
      n->linkUp = false;
      n->connecting = false;
      n->stats.outages++;
      say(n, "link lost: %s", e->text);
      if (n->reportedUp) {
        n->reportedUp = false;
        if (n->hasEvents && n->events.connectionChanged) n->events.connectionChanged(n->events.context, false);
      }
      scheduleReconnect(n);
      break;
    case SF_NET_MESSAGE:
      if (n->hasEvents && n->events.message) n->events.message(n->events.context, e->text, e->payload, e->length, e->flag);
      break;
    case SF_NET_PUBLISHED:
      if (n->hasEvents && n->events.published) n->events.published(n->events.context, e->token, e->flag);
      break;
  }
}

static void poll(hal_Net* net, uint32_t maxWaitMs) {
  MqttNet* n = (MqttNet*)net;
  int64_t t = now(n);
  if (n->failure[0]) {
    /* Nothing more to try: wait as asked, so a caller that doesn't look at the failure yet
     * doesn't spin. */
    sf_NetEvent* e = sf_netEvents_pop(&n->queue, maxWaitMs);
    if (e) sf_netEvents_free(e);
    return;
  }
  if (!n->linkUp && !n->connecting && t >= n->nextAttemptAt) startConnect(n);
  if (!n->linkUp && !n->connecting && n->nextAttemptAt - t < (int64_t)maxWaitMs) {
    maxWaitMs = n->nextAttemptAt > t ? (uint32_t)(n->nextAttemptAt - t) : 0;
  }
  for (sf_NetEvent* e = sf_netEvents_pop(&n->queue, maxWaitMs); e; e = sf_netEvents_pop(&n->queue, 0)) {
    handle(n, e);
    sf_netEvents_free(e);
  }
}

static bool connected(hal_Net* net) { return ((MqttNet*)net)->reportedUp; }

static hal_NetResult publish(hal_Net* net, const char* topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain, uint32_t token) {
  MqttNet* n = (MqttNet*)net;
  if (!n->linkUp) return HAL_NET_OFFLINE;
  if (qos > 1 || length > 128 * 1024) return HAL_NET_INVALID;
  Request* r = request(n, token, NULL);
  if (!r) return HAL_NET_BUSY;
  MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
  options.onSuccess = onPublished;
  options.onFailure = onPublishFailed;
  options.context = r;
  /* Paho copies topic and payload before returning. */
  int rc = MQTTAsync_send(n->client, topic, (int)length, payload, qos, retain, &options);
  if (rc == MQTTASYNC_SUCCESS) return HAL_NET_OK;
  release(r);
  if (rc == MQTTASYNC_DISCONNECTED) return HAL_NET_OFFLINE;
  if (rc == MQTTASYNC_BAD_UTF8_STRING || rc == MQTTASYNC_BAD_QOS || rc == MQTTASYNC_BAD_STRUCTURE) return HAL_NET_INVALID;
  return HAL_NET_BUSY;
}

static hal_NetResult subscribe(hal_Net* net, const char* topic, uint8_t qos) {
  MqttNet* n = (MqttNet*)net;
  for (size_t i = 0; i < n->subscriptionCount; i++) {
    if (strcmp(n->subscriptions[i].topic, topic) == 0) return HAL_NET_OK;
  }
  if (qos > 1) return HAL_NET_INVALID;
  if (n->subscriptionCount == MAX_SUBSCRIPTIONS) return HAL_NET_FULL;
  Subscription* s = &n->subscriptions[n->subscriptionCount];
  if (!(s->topic = strdup(topic))) return HAL_NET_FULL;
  s->qos = qos;
  s->acked = false;
  n->subscriptionCount++;
  if (n->linkUp) sendSubscribe(n, s);
  return HAL_NET_OK;
}

static hal_NetResult unsubscribe(hal_Net* net, const char* topic) {
  MqttNet* n = (MqttNet*)net;
  for (size_t i = 0; i < n->subscriptionCount; i++) {
    if (strcmp(n->subscriptions[i].topic, topic) != 0) continue;
    if (!n->subscriptions[i].acked && n->pendingSubacks > 0 && n->linkUp) n->pendingSubacks--;
    free(n->subscriptions[i].topic);
    n->subscriptions[i] = n->subscriptions[--n->subscriptionCount];
    if (n->linkUp) {
      Request* r = request(n, 0, NULL);
      if (r) {
        MQTTAsync_responseOptions options = MQTTAsync_responseOptions_initializer;
        options.onSuccess = onUnsubscribeDone;
        options.onFailure = onUnsubscribeFailed;
        options.context = r;
        if (MQTTAsync_unsubscribe(n->client, topic, &options) != MQTTASYNC_SUCCESS) release(r);
      }
    }
    if (n->pendingSubacks == 0) reportUp(n);
    return HAL_NET_OK;
  }
  return HAL_NET_OK;
}

static void setEvents(hal_Net* net, const hal_NetEvents* events) {
  MqttNet* n = (MqttNet*)net;
  n->hasEvents = events != NULL;
  if (events) n->events = *events;
}

static const hal_NetOps OPS = {connected, publish, subscribe, unsubscribe, setEvents, poll};

static bool readable(const char* path, const char* what, const char* flag, char* error, size_t errorSize) {
  if (path && access(path, R_OK) == 0) return true;
  snprintf(error, errorSize, "%s %s: %s is %s", flag, path ? path : "(not given)", what, path ? "not a readable file" : "required");
  return false;
}

hal_Net* sf_mqttNet_create(const sf_MqttNetConfig* config, char* error, size_t errorSize) {
  if (!config->host || !config->thing || config->port <= 0 || config->port > 65535) {
    snprintf(error, errorSize, "the MQTT endpoint needs a host, a port from 1 to 65535 and a thing name");
    return NULL;
  }
  if (!readable(config->certPath, "the thing's certificate (PEM)", "--cert", error, errorSize)) return NULL;
  if (!readable(config->keyPath, "the thing's private key (PEM)", "--key", error, errorSize)) return NULL;
  if (config->caPath && !readable(config->caPath, "the CA that signed the broker's certificate (PEM)", "--ca", error, errorSize)) return NULL;
  MqttNet* n = calloc(1, sizeof *n);
  if (!n) {
    snprintf(error, errorSize, "out of memory");
    return NULL;
  }
  n->base.ops = &OPS;
  n->config = *config;
  if (n->config.keepAliveSeconds <= 0) n->config.keepAliveSeconds = 30;
  if (n->config.reconnectMinMs == 0) n->config.reconnectMinMs = 1000;
  if (n->config.firstConnectBudgetMs == 0) n->config.firstConnectBudgetMs = SF_FIRST_CONNECT_BUDGET_MS;
  if (n->config.reconnectMaxMs < n->config.reconnectMinMs) n->config.reconnectMaxMs = n->config.reconnectMinMs > 64000 ? n->config.reconnectMinMs : 64000;
  n->backoffMs = n->config.reconnectMinMs;
  size_t uriSize = strlen(config->host) + 32;
  n->uri = malloc(uriSize);
  snprintf(n->uri, uriSize, "ssl://%s:%d", config->host, config->port);
  sf_netEvents_init(&n->queue);
  pthread_mutex_init(&n->requestsLock, NULL);
  /* Paho formats a trace line into its in-memory ring for every packet at its default level
   * (minimum), on its own threads, from command data another of its threads may have freed
   * already (valgrind shows the reads); we never read that ring, so only errors are formatted. */
  MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
  MQTTAsync_createOptions create = MQTTAsync_createOptions_initializer;
  create.MQTTVersion = MQTTVERSION_3_1_1;
  create.sendWhileDisconnected = 0;
  int rc = MQTTAsync_createWithOptions(&n->client, n->uri, config->thing, MQTTCLIENT_PERSISTENCE_NONE, NULL, &create);
  if (rc != MQTTASYNC_SUCCESS) {
    snprintf(error, errorSize, "Paho could not create a client for %s (code %d)", n->uri, rc);
    sf_netEvents_destroy(&n->queue);
    free(n->uri);
    free(n);
    return NULL;
  }
  MQTTAsync_setCallbacks(n->client, n, onConnectionLost, onMessage, NULL);
  n->nextAttemptAt = 0;
  startConnect(n);
  return &n->base;
}

void sf_mqttNet_destroy(hal_Net* net, uint32_t timeoutMs) {
  MqttNet* n = (MqttNet*)net;
  if (!n) return;
  if (n->linkUp) {
    MQTTAsync_disconnectOptions options = MQTTAsync_disconnectOptions_initializer;
    options.timeout = (int)timeoutMs;
    options.onSuccess = onDisconnected;
    options.onFailure = onDisconnectFailed;
    options.context = n;
    if (MQTTAsync_disconnect(n->client, &options) == MQTTASYNC_SUCCESS) {
      const struct timespec tick = {0, 10 * 1000000L};
      for (uint32_t waited = 0; !n->disconnected && waited < timeoutMs + 200; waited += 10) nanosleep(&tick, NULL);
    }
  }
  MQTTAsync_destroy(&n->client);
  while (n->requests) release(n->requests);
  for (size_t i = 0; i < n->subscriptionCount; i++) free(n->subscriptions[i].topic);
  sf_netEvents_destroy(&n->queue);
  pthread_mutex_destroy(&n->requestsLock);
  free(n->uri);
  free(n);
}

const char* sf_mqttNet_failure(hal_Net* net) {
  MqttNet* n = (MqttNet*)net;
  return n->failure[0] ? n->failure : NULL;
}

void sf_mqttNet_wake(hal_Net* net) { sf_netEvents_wake(&((MqttNet*)net)->queue); }

void sf_mqttNet_stats(hal_Net* net, sf_MqttNetStats* out) { *out = ((MqttNet*)net)->stats; }
