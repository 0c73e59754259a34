#include "claimProvisioning.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../storage.h"
#include "mqttNet.h"
/* The fleet provisioning MQTT API's topics, the serial parameter and the claim's client id,
 * generated from core/provisioning/claimApi.ts (scripts/claimApiHeader.mjs). */
#include "sf_claimApi.h"
/* As the TypeScript board: an answer that doesn't come in 10 s ends the attempt. */
#define ANSWER_TIMEOUT_MS 10000
#define POLL_MS 200
/* The identity's files (firmware/provisioning/claimProvisioning.ts keeps the same ones). */
#define IDENTITY_DIR "identity"
#define THING_FILE "thing-name"
#define CERT_FILE "device.crt"
#define KEY_FILE "device.key"

/* ANSWERED: a request got its answer (accepted or rejected); the others end an attempt. */
typedef enum Outcome { ANSWERED, IDENTITY, NOT_APPROVED, FAILED, STOPPED } Outcome;

/* One answer on an accepted/rejected pair. */
typedef struct Answer {
  char accepted[300];
  char rejected[300];
  bool arrived;
  bool refused;
  char* body;
  size_t length;
} Answer;

typedef struct Attempt {
  const sf_ClaimConfig* config;
  hal_Net* net;
  Answer* waiting;
} Attempt;

static void say(const sf_ClaimConfig* c, const char* format, ...) __attribute__((format(printf, 2, 3)));
static void say(const sf_ClaimConfig* c, const char* format, ...) {
  if (!c->log) return;
  char text[700], line[800];
  va_list args;
  va_start(args, format);
  vsnprintf(text, sizeof text, format, args);
  va_end(args);
  snprintf(line, sizeof line, "[claim %s] %s", c->serial, text);
  c->log(c->logContext, line);
}

static bool stopped(const sf_ClaimConfig* c) { return c->stop && *c->stop; }

/* Wipes what held a private key or an ownership token before the memory goes back. */
static void wipeFree(char* text, size_t length) {
  if (!text) return;
  explicit_bzero(text, length);
  free(text);
}

static void wipeString(cJSON* item) {
  if (cJSON_IsString(item) && item->valuestring) explicit_bzero(item->valuestring, strlen(item->valuestring));
}

static void onMessage(void* context, const char* topic, const uint8_t* payload, size_t length, bool retained) {
  (void)retained; /* the answers are never published retained */
  Attempt* a = context;
  Answer* w = a->waiting;
  if (!w || w->arrived) return;
  bool refused = strcmp(topic, w->rejected) == 0;
  if (!refused && strcmp(topic, w->accepted) != 0) return;
  if (!(w->body = malloc(length + 1))) return;
  memcpy(w->body, payload, length);
  w->body[length] = '\0';
  w->length = length;
  w->refused = refused;
  w->arrived = true;
}

/* Runs the link until `ready` or the deadline (INT64_MAX: none); false when stopped, out of time
 * or the link's first connect failed for good (sf_mqttNet_failure). */
static bool runUntil(Attempt* a, bool (*ready)(Attempt*), int64_t deadline) {
  hal_Clock* clock = a->config->clock;
  while (!ready(a)) {
    if (stopped(a->config) || clock->ops->now(clock) >= deadline || sf_mqttNet_failure(a->net)) return false;
    a->net->ops->poll(a->net, POLL_MS);
  }
  return true;
}

static bool linkReady(Attempt* a) { return a->net->ops->connected(a->net); }
static bool answered(Attempt* a) { return a->waiting->arrived; }

/* "403 AccessDenied: ACCESS_DENIED: …" from a `/rejected` payload {statusCode, errorCode, errorMessage}. */
static int describeRefusal(const Answer* answer, char* out, size_t size) {
  cJSON* body = cJSON_ParseWithLength(answer->body, answer->length);
  const cJSON* status = cJSON_GetObjectItemCaseSensitive(body, "statusCode");
  const cJSON* code = cJSON_GetObjectItemCaseSensitive(body, "errorCode");
  const cJSON* message = cJSON_GetObjectItemCaseSensitive(body, "errorMessage");
  int statusCode = cJSON_IsNumber(status) ? (int)status->valuedouble : 0;
  snprintf(out, size, "%d %.60s: %.240s", statusCode, cJSON_IsString(code) ? code->valuestring : "?", cJSON_IsString(message) ? message->valuestring : "(no errorMessage)");
  cJSON_Delete(body);
  return statusCode;
}

/* Publishes `payload` on `topic` and waits for the answer on `answer`'s pair. */
static Outcome ask(Attempt* a, const char* what, const char* topic, const char* payload, Answer* answer, char* error, size_t errorSize) {
  a->waiting = answer;
  hal_NetResult sent = a->net->ops->publish(a->net, topic, (const uint8_t*)payload, strlen(payload), 1, false, 0);
  if (sent != HAL_NET_OK) {
    snprintf(error, errorSize, "%s: the request could not be sent (link %s)", what, sent == HAL_NET_OFFLINE ? "down" : "busy or request refused");
    return FAILED;
  }
  hal_Clock* clock = a->config->clock;
  if (!runUntil(a, answered, clock->ops->now(clock) + ANSWER_TIMEOUT_MS)) {
    if (stopped(a->config)) return STOPPED;
    snprintf(error, errorSize, "%s: no answer within %d ms on %s or %s (check the template name and that the claim policy allows them)", what, ANSWER_TIMEOUT_MS, answer->accepted, answer->rejected);
    return FAILED;
  }
  return ANSWERED;
}

static bool validThingName(const char* name) {
  size_t n = strlen(name);
  if (n == 0 || n > SF_CLAIM_THING_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '_' || c == '-')) return false;
  }
  return true;
}

static void identityPaths(const char* stateDir, sf_ClaimIdentity* out) {
  snprintf(out->certPath, sizeof out->certPath, "%s/%s/%s", stateDir, IDENTITY_DIR, CERT_FILE);
  snprintf(out->keyPath, sizeof out->keyPath, "%s/%s/%s", stateDir, IDENTITY_DIR, KEY_FILE);
}

/* Key first, the thing name last: a boot that finds the thing name finds a whole identity (each
 * file is written to a temporary, fsynced and renamed, private to the device: ../storage.c). */
static bool storeIdentity(const sf_ClaimConfig* c, const char* thing, const char* certPem, const char* keyPem, char* error, size_t errorSize) {
  char dir[560];
  snprintf(dir, sizeof dir, "%s/%s", c->stateDir, IDENTITY_DIR);
  sf_PosixStorage storage;
  if (!sf_posixStorage_init(&storage, dir)) {
    snprintf(error, errorSize, "can't create %s to keep the identity: %s", dir, strerror(errno));
    return false;
  }
  char thingLine[SF_CLAIM_THING_MAX + 2];
  snprintf(thingLine, sizeof thingLine, "%s\n", thing);
  const struct {
    const char* name;
    const char* text;
  } files[] = {{KEY_FILE, keyPem}, {CERT_FILE, certPem}, {THING_FILE, thingLine}};
  for (size_t i = 0; i < 3; i++) {
    if (storage.base.ops->write(&storage.base, files[i].name, (const uint8_t*)files[i].text, strlen(files[i].text)) != HAL_STORAGE_OK) {
      snprintf(error, errorSize, "can't write %s/%s (disk full or read-only?): nothing is kept, the board asks again at its next boot", dir, files[i].name);
      return false;
    }
  }
  return true;
}

bool sf_claim_keptIdentity(const char* stateDir, sf_ClaimIdentity* out, char* error, size_t errorSize) {
  error[0] = '\0';
  char dir[560];
  snprintf(dir, sizeof dir, "%s/%s", stateDir, IDENTITY_DIR);
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, THING_FILE);
  FILE* file = fopen(path, "r");
  if (!file) {
    if (errno == ENOENT) return false;
    snprintf(error, errorSize, "%s: can't read the kept thing name: %s", path, strerror(errno));
    return false;
  }
  char line[SF_CLAIM_THING_MAX + 8] = "";
  bool read = fgets(line, sizeof line, file) != NULL;
  fclose(file);
  line[strcspn(line, "\r\n")] = '\0';
  if (!read || !validThingName(line)) {
    snprintf(error, errorSize, "%s does not hold a thing name (1-128 of a-z A-Z 0-9 : _ -): delete %s to onboard by claim again", path, dir);
    return false;
  }
  snprintf(out->thing, sizeof out->thing, "%s", line);
  identityPaths(stateDir, out);
  const char* missing = access(out->keyPath, R_OK) != 0 ? out->keyPath : access(out->certPath, R_OK) != 0 ? out->certPath : NULL;
  if (missing) {
    snprintf(error, errorSize, "%s is missing or unreadable though %s names thing \"%s\": delete %s to onboard by claim again", missing, path, line, dir);
    return false;
  }
  return true;
}

/* One CreateKeysAndCertificate + RegisterThing on a fresh claim connection. */
static Outcome askOnce(const sf_ClaimConfig* c, sf_ClaimIdentity* out, char* message, size_t messageSize) {
  char clientId[300];
  snprintf(clientId, sizeof clientId, SF_CLAIM_CLIENT_ID_FORMAT, c->app, c->serial);
  sf_MqttNetConfig link = {0};
  link.host = c->host;
  link.port = c->port;
  link.thing = clientId;
  link.certPath = c->claimCertPath;
  link.keyPath = c->claimKeyPath;
  link.caPath = c->caPath;
  link.cleanSession = true;
  link.firstConnectBudgetMs = c->firstConnectBudgetMs;
  link.clock = c->clock;
  link.random = c->random;
  link.log = c->log;
  link.logContext = c->logContext;
  hal_Net* net = sf_mqttNet_create(&link, message, messageSize);
  if (!net) return FAILED;
  Attempt a = {c, net, NULL};
  hal_NetEvents events = {&a, NULL, onMessage, NULL};
  net->ops->setEvents(net, &events);

  Answer created = {0}, registered = {0};
  char registerTopic[300];
  snprintf(registerTopic, sizeof registerTopic, SF_CLAIM_REGISTER_TOPIC_FORMAT, c->templateName);
  snprintf(created.accepted, sizeof created.accepted, "%s/accepted", SF_CLAIM_CREATE_KEYS_TOPIC);
  snprintf(created.rejected, sizeof created.rejected, "%s/rejected", SF_CLAIM_CREATE_KEYS_TOPIC);
  snprintf(registered.accepted, sizeof registered.accepted, "%s/accepted", registerTopic);
  snprintf(registered.rejected, sizeof registered.rejected, "%s/rejected", registerTopic);
  /* "Before publishing a request message topic, subscribe to the response topics": the link
   * reports itself connected once the broker acknowledged all four. */
  const char* answers[] = {created.accepted, created.rejected, registered.accepted, registered.rejected};
  for (size_t i = 0; i < 4; i++) net->ops->subscribe(net, answers[i], 1);

  Outcome outcome = FAILED;
  cJSON* keys = NULL;
  char* request = NULL;
  if (!runUntil(&a, linkReady, INT64_MAX)) {
    const char* failure = sf_mqttNet_failure(net);
    if (failure) snprintf(message, messageSize, "the claim's connection: %s", failure);
    outcome = failure ? FAILED : STOPPED;
    goto done;
  }
  /* An answer the broker won't deliver would only time out: say why at once. */
  sf_MqttNetStats stats;
  sf_mqttNet_stats(net, &stats);
  if (stats.subscriptionsRefused > 0) {
    snprintf(message, messageSize, "the broker refused the subscription to the answer topics of template \"%s\": the claim's policy allows only its app's template (" SF_CLAIM_TEMPLATE_FORMAT " unless --template names another)", c->templateName, c->app);
    goto done;
  }
  /* CreateKeysAndCertificate: "with an empty message payload". */
  if ((outcome = ask(&a, "CreateKeysAndCertificate", SF_CLAIM_CREATE_KEYS_TOPIC, "", &created, message, messageSize)) != ANSWERED) goto done;
  outcome = FAILED;
  char refusal[400];
  if (created.refused) {
    describeRefusal(&created, refusal, sizeof refusal);
    snprintf(message, messageSize, "CreateKeysAndCertificate: %s", refusal);
    goto done;
  }
  keys = cJSON_ParseWithLength(created.body, created.length);
  cJSON* certificate = cJSON_GetObjectItemCaseSensitive(keys, "certificatePem");
  cJSON* privateKey = cJSON_GetObjectItemCaseSensitive(keys, "privateKey");
  cJSON* token = cJSON_GetObjectItemCaseSensitive(keys, "certificateOwnershipToken");
  if (!cJSON_IsString(certificate) || !cJSON_IsString(privateKey) || !cJSON_IsString(token) || !token->valuestring[0]) {
    snprintf(message, messageSize, "CreateKeysAndCertificate answered without certificatePem, privateKey or certificateOwnershipToken");
    goto done;
  }

  cJSON* body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "certificateOwnershipToken", token->valuestring);
  cJSON_AddStringToObject(cJSON_AddObjectToObject(body, "parameters"), SF_CLAIM_SERIAL_PARAMETER, c->serial);
  request = cJSON_PrintUnformatted(body);
  wipeString(cJSON_GetObjectItemCaseSensitive(body, "certificateOwnershipToken"));
  cJSON_Delete(body);
  if (!request) {
    snprintf(message, messageSize, "out of memory for the RegisterThing request");
    goto done;
  }
  if ((outcome = ask(&a, "RegisterThing", registerTopic, request, &registered, message, messageSize)) != ANSWERED) goto done;
  outcome = FAILED;
  if (registered.refused) {
    int status = describeRefusal(&registered, refusal, sizeof refusal);
    snprintf(message, messageSize, "RegisterThing: %s", refusal);
    /* AWS tells an unapproved board ACCESS_DENIED and nothing more (pre-provisioning-hook.html). */
    if (status == 403) outcome = NOT_APPROVED;
    goto done;
  }
  cJSON* thingAnswer = cJSON_ParseWithLength(registered.body, registered.length);
  const cJSON* thingName = cJSON_GetObjectItemCaseSensitive(thingAnswer, "thingName");
  if (!cJSON_IsString(thingName) || !validThingName(thingName->valuestring)) {
    snprintf(message, messageSize, "RegisterThing answered without a valid thingName (1-128 of a-z A-Z 0-9 : _ -)");
  } else if (storeIdentity(c, thingName->valuestring, certificate->valuestring, privateKey->valuestring, message, messageSize)) {
    snprintf(out->thing, sizeof out->thing, "%s", thingName->valuestring);
    identityPaths(c->stateDir, out);
    outcome = IDENTITY;
  }
  cJSON_Delete(thingAnswer);

done:
  if (keys) {
    wipeString(cJSON_GetObjectItemCaseSensitive(keys, "privateKey"));
    wipeString(cJSON_GetObjectItemCaseSensitive(keys, "certificateOwnershipToken"));
    cJSON_Delete(keys);
  }
  if (request) wipeFree(request, strlen(request));
  wipeFree(created.body, created.length);
  wipeFree(registered.body, registered.length);
  /* "the device must disconnect from the session that it initiated with the provisioning claim
   * certificate and reconnect using the permanent certificate" (provision-wo-cert.html). */
  sf_mqttNet_destroy(net, 2000);
  return outcome;
}

static void sleepMs(const sf_ClaimConfig* c, uint32_t ms) {
  for (uint32_t slept = 0; slept < ms && !stopped(c); slept += POLL_MS) {
    uint32_t slice = ms - slept < POLL_MS ? ms - slept : POLL_MS;
    const struct timespec tick = {slice / 1000, (long)(slice % 1000) * 1000000L};
    nanosleep(&tick, NULL);
  }
}

static bool startsWith(const char* text, const char* prefix) {
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Why the cloud would refuse this serial whatever an operator decides (core/provisioning/
 * approval.ts's claimSerialProblem, its words from sf_claimApi.h), or false. Checked before
 * asking: the refusal, ACCESS_DENIED, is the same as "not approved yet", so the board would ask
 * forever. */
static bool serialProblem(const char* app, const char* serial, char* error, size_t errorSize) {
  size_t length = strlen(serial);
  bool named = length >= 1 && length <= SF_NAME_MAX_LENGTH && serial[0] != '-';
  for (size_t i = 0; named && i < length; i++) named = (serial[i] >= 'a' && serial[i] <= 'z') || (serial[i] >= '0' && serial[i] <= '9') || serial[i] == '-';
  if (!named) {
    snprintf(error, errorSize, SF_CLAIM_SERIAL_NAME_PROBLEM_FORMAT, serial);
    return true;
  }
  char dashboards[200], server[200], claims[200];
  snprintf(dashboards, sizeof dashboards, SF_DASHBOARD_CLIENT_ID_PREFIX_FORMAT, app);
  snprintf(server, sizeof server, SF_SERVER_CLIENT_ID_FORMAT, app);
  snprintf(claims, sizeof claims, SF_CLAIM_CLIENT_ID_FORMAT, app, "");
  if (startsWith(serial, dashboards) || strcmp(serial, server) == 0 || startsWith(serial, claims)) {
    snprintf(error, errorSize, SF_CLAIM_SERIAL_RESERVED_FORMAT, serial);
    return true;
  }
  return false;
}

bool sf_claim_identity(const sf_ClaimConfig* c, sf_ClaimIdentity* out, char* error, size_t errorSize) {
  if (sf_claim_keptIdentity(c->stateDir, out, error, errorSize)) return true;
  if (error[0]) return false;
  char problem[600];
  if (serialProblem(c->app, c->serial, problem, sizeof problem)) {
    snprintf(error, errorSize, "--serial: %s; the cloud refuses this board whatever an operator decides: flash it with another serial (nothing was asked)", problem);
    return false;
  }
  const struct {
    const char* path;
    const char* flag;
    const char* what;
  } files[] = {{c->claimCertPath, "--claim-cert", "the batch's claim certificate (PEM)"}, {c->claimKeyPath, "--claim-key", "the claim's private key (PEM)"}};
  for (size_t i = 0; i < 2; i++) {
    if (files[i].path && access(files[i].path, R_OK) == 0) continue;
    snprintf(error, errorSize, "%s %s: %s is not a readable file, and %s/%s holds no identity of the board's own yet (snapfleet claim mint --batch NAME writes claim.crt and claim.key)", files[i].flag, files[i].path ? files[i].path : "(not given)", files[i].what, c->stateDir, IDENTITY_DIR);
    return false;
  }
  uint32_t wait = c->retryMinMs ? c->retryMinMs : 2000;
  uint32_t maxWait = c->retryMaxMs >= wait ? c->retryMaxMs : (wait > 60000 ? wait : 60000);
  say(c, "no identity in %s/%s: asking for one with the claim as client \"" SF_CLAIM_CLIENT_ID_FORMAT "\", template \"%s\"", c->stateDir, IDENTITY_DIR, c->app, c->serial, c->templateName);
  for (unsigned attempt = 1;; attempt++) {
    char message[1100] = "";
    Outcome outcome = askOnce(c, out, message, sizeof message);
    if (outcome == IDENTITY) {
      say(c, "provisioned by claim as \"%s\"; its certificate and key are kept in %s/%s", out->thing, c->stateDir, IDENTITY_DIR);
      return true;
    }
    if (outcome == STOPPED || stopped(c)) {
      snprintf(error, errorSize, "provisioning by claim was stopped before an identity came (nothing was kept)");
      return false;
    }
    if (outcome == FAILED) {
      snprintf(error, errorSize, "provisioning by claim failed: %s (nothing was kept)", message);
      return false;
    }
    say(c, "not approved yet (attempt %u: %s); asking again in %.1f s", attempt, message, wait / 1000.0);
    sleepMs(c, wait);
    wait = wait >= maxWait / 2 ? maxWait : wait * 2;
  }
}
