/* Onboarding by claim for the native device, as firmware/provisioning/claimProvisioning.ts is for
 * the TypeScript one: a board flashed with its batch's claim certificate asks the cloud for an
 * identity of its own with AWS IoT's fleet provisioning MQTT API
 * (https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html):
 * CreateKeysAndCertificate, then RegisterThing with its serial, on a connection whose client id
 * is `sf-{app}-claim-{serial}` (core/provisioning/claimPolicy.ts allows no other). It keeps the
 * certificate and key in `{state}/identity/` (the same files the TypeScript board keeps) and from
 * then on connects as the thing it was given, never with the claim again. */
#ifndef SF_POSIX_CLAIM_PROVISIONING_H
#define SF_POSIX_CLAIM_PROVISIONING_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../hal/clock.h"
#include "../../../hal/random.h"

/* AWS thing names are at most 128 characters. */
#define SF_CLAIM_THING_MAX 128

typedef struct sf_ClaimConfig {
  const char* app;
  /* The board's serial number: its thing name once an operator approves it. */
  const char* serial;
  /* The provisioning template (snapfleet's: sf-{app}-claim, core/provisioning/claimApi.ts). */
  const char* templateName;
  const char* host;
  int port;
  const char* claimCertPath;
  const char* claimKeyPath;
  /* The local cloud's CA; NULL on AWS (system trust store). */
  const char* caPath;
  /* The device's flash: the identity goes to `{stateDir}/identity/`. */
  const char* stateDir;
  /* Waits between attempts while the board is not approved (0: 2000 doubling up to 60000 ms,
   * as the TypeScript board). */
  uint32_t retryMinMs;
  uint32_t retryMaxMs;
  /* The claim connection's first-connect budget (sf_MqttNetConfig's; 0: the default). */
  uint32_t firstConnectBudgetMs;
  hal_Clock* clock;
  hal_Random* random;
  /* Set (by a signal handler) to give up waiting. */
  volatile sig_atomic_t* stop;
  void (*log)(void* context, const char* line);
  void* logContext;
} sf_ClaimConfig;

/* The identity the device connects with: the thing name and its certificate and key files. */
typedef struct sf_ClaimIdentity {
  char thing[SF_CLAIM_THING_MAX + 1];
  char certPath[600];
  char keyPath[600];
} sf_ClaimIdentity;

/* The identity kept in `{stateDir}/identity/` by an earlier boot: true and `out` filled, or false
 * when there is none (then `error` is empty) or it can't be read (`error` says why). */
bool sf_claim_keptIdentity(const char* stateDir, sf_ClaimIdentity* out, char* error, size_t errorSize);

/* The kept identity, or a new one by claim: asks until an operator approves the board (a
 * RegisterThing refused with 403, which is all AWS tells an unapproved board, is asked again with
 * backoff), then stores it. false with `error` on any other refusal, a bad answer, a claim file
 * that can't be read, or when `*stop` was set. The private key and the ownership token are never
 * logged. */
bool sf_claim_identity(const sf_ClaimConfig* config, sf_ClaimIdentity* out, char* error, size_t errorSize);

#endif
