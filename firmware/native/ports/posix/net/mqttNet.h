/* hal/net.h on Eclipse Paho's MQTTAsync client (libpaho-mqtt3as: MQTT 3.1.1 over TLS with
 * OpenSSL), for a device on AWS IoT Core or the local cloud: mutual TLS with the thing's
 * certificate, client id = thing (for a claim's link: sf-{app}-claim-{serial}), persistent session
 * (cleansession 0; a claim's link asks for a clean one) so the broker keeps our
 * subscriptions and queued QoS 1 deliveries and Paho retransmits our unacknowledged publishes
 * after an outage, last will = the retained offline status.
 *
 * Outages: Paho's keepalive (PINGREQ after keepAliveSeconds idle, link dropped when the answer
 * doesn't come) notices a dead link within two keepalive periods. Reconnects are ours, not
 * Paho's automaticReconnect, because Paho's has no jitter: exponential backoff from min to max
 * with "full jitter" (each wait drawn in [min, current]), so a fleet that lost the broker at once
 * comes back spread out.
 *
 * The first connect is different: until the first CONNACK, a refusal (connectFailure.h: the broker
 * said no to this identity, or the certificates can't work) ends the link at once, and transient
 * failures are tried again only within firstConnectBudgetMs (a broker not up yet gets that long to
 * come up), as firmware/comms/mqttTransport.ts does. The link then says why in
 * sf_mqttNet_failure, naming the device, the endpoint and what to check; the program exits with it.
 * Once it was connected, it reconnects forever. */
#ifndef SF_POSIX_MQTT_NET_H
#define SF_POSIX_MQTT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../hal/clock.h"
#include "../../../hal/net.h"
#include "../../../hal/random.h"

/* The first connect's default budget: FIRST_CONNECT_BUDGET_MS of firmware/comms/mqttTransport.ts. */
#define SF_FIRST_CONNECT_BUDGET_MS 60000u

typedef struct sf_MqttNetConfig {
  /* Host name or address and port (8883 on AWS IoT). */
  const char* host;
  int port;
  const char* thing;
  const char* certPath;
  const char* keyPath;
  /* The local cloud's CA; NULL uses the system trust store (Amazon's roots on AWS). */
  const char* caPath;
  /* true: a session the broker forgets at disconnect (a claim's connection, which asks once and
   * goes); false: the device's persistent session. */
  bool cleanSession;
  /* The retained last will (NULL: none). */
  const char* willTopic;
  const char* willPayload;
  /* PINGREQ interval (default 30; AWS accepts 30-1200). */
  int keepAliveSeconds;
  /* Reconnect backoff bounds (defaults 1000 and 64000 ms). */
  uint32_t reconnectMinMs;
  uint32_t reconnectMaxMs;
  /* How long transient failures of the first connect are tried again (0: SF_FIRST_CONNECT_BUDGET_MS;
   * below the first retry's wait: one attempt). */
  uint32_t firstConnectBudgetMs;
  hal_Clock* clock;
  hal_Random* random;
  void (*log)(void* context, const char* line);
  void* logContext;
} sf_MqttNetConfig;

/* Creates the client and starts the first connect. NULL with `error` on bad settings or a
 * missing file (it names the file and what to pass instead). */
hal_Net* sf_mqttNet_create(const sf_MqttNetConfig* config, char* error, size_t errorSize);
/* Clean DISCONNECT (the broker discards the last will), waits up to timeoutMs for queued
 * publishes, and frees everything. */
void sf_mqttNet_destroy(hal_Net* net, uint32_t timeoutMs);
/* NULL while the link may still come up; else why the first connect failed for good (refused,
 * or its budget ran out): what, where and what to check. The link tries nothing more. */
const char* sf_mqttNet_failure(hal_Net* net);
/* Wakes a poll that is waiting (from a signal handler's flag check or a timer). */
void sf_mqttNet_wake(hal_Net* net);

typedef struct sf_MqttNetStats {
  uint32_t outages;
  uint32_t reconnects;
  uint32_t connectFailures;
  /* SUBACKs with 0x80 (the policy refused the filter). */
  uint32_t subscriptionsRefused;
} sf_MqttNetStats;
void sf_mqttNet_stats(hal_Net* net, sf_MqttNetStats* out);

#endif
