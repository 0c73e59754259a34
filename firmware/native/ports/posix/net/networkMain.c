/* `snapfleet-device connect …`: the native device on a network, against the local cloud
 * (`snapfleet dev --device-runtime native`) or AWS IoT Core (firmware/native/README.md has the
 * command line with `pulumi stack output devices --show-secrets`). Options may also come from
 * the environment (SNAPFLEET_THING, _APP, _ENDPOINT, _CERT, _KEY, _CA, _STATE, _CLAIM_CERT,
 * _CLAIM_KEY, _SERIAL), so a key path needn't sit in a service file's command line. A board
 * flashed with its batch's claim instead of its own certificate (--claim-cert, --claim-key,
 * --serial) gets its identity on first boot (claimProvisioning.h) and keeps it in the state dir. SIGTERM or SIGINT stop the device cleanly: the
 * app publishes its offline status, then the link closes. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../../hal/platform.h"
#include "../posixPlatform.h"
#include "claimProvisioning.h"
#include "sf_claimApi.h"
#include "downloadProcess.h"
#include "mqttNet.h"
#include "networkDevice.h"

#ifndef SF_ENGINE_ID
#include "engineId.h"
#endif

#define MAX_PINS 32

static volatile sig_atomic_t stopRequested = 0;

static void onSignal(int signal) {
  (void)signal;
  stopRequested = 1;
}

static void printLine(void* context, const char* line) {
  (void)context;
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

typedef struct Options {
  const char* thing;
  const char* app;
  const char* endpoint;
  int port;
  const char* cert;
  const char* key;
  const char* ca;
  const char* state;
  /* Onboarding by claim: the batch's claim, the board's serial, the provisioning template. */
  const char* claimCert;
  const char* claimKey;
  const char* serial;
  const char* templateName;
  long claimRetryMinMs;
  long claimRetryMaxMs;
  const char* pins[MAX_PINS];
  int pinCount;
  long graceMs;
  long loopFailures;
  long loopWithinMs;
  long keepAlive;
  long firstConnectBudgetMs;
  long instructionBudget;
  bool hasInstructionBudget;
  long seconds;
} Options;

static const char USAGE[] =
    "usage: snapfleet-device connect --thing NAME --app APP --endpoint HOST[:PORT] --cert FILE --key FILE --state DIR\n"
    "       snapfleet-device connect --serial SN --claim-cert FILE --claim-key FILE --app APP --endpoint HOST[:PORT] --state DIR\n"
    "         [--template NAME] [--claim-retry MIN_MS/MAX_MS]\n"
    "       either form takes [--port N] [--ca FILE] [--pin PIN=MODEL]... [--grace-ms N] [--crash-loop N/MS] [--keepalive S]\n"
    "         [--first-connect-budget MS] [--instruction-budget N] [--seconds N]\n"
    "  --endpoint   AWS IoT data endpoint (pulumi stack output iotEndpoint) or the local broker's host\n"
    "  --port       8883 (default; AWS) or the local broker's MQTT/TLS port\n"
    "  --cert/--key the thing's certificate and private key, PEM files\n"
    "  --ca         the CA of the broker and artifact server (local cloud); omit on AWS\n"
    "  --state      the device's flash: OTA slots and state, kept across restarts\n"
    "  --first-connect-budget  how long a first connect that fails for a passing reason (no broker yet) is\n"
    "               tried again, default 60000 ms; a refusal (identity, policy, certificates) ends the program\n"
    "               at once, exit status 1; once connected it reconnects forever\n"
    "  --claim-cert/--claim-key  the batch's claim (snapfleet claim mint): on first boot the board asks\n"
    "               for its own certificate as thing SN, waits while not approved (snapfleet devices approve SN),\n"
    "               keeps it in STATE/identity/ and uses it from then on, never the claim again\n"
    "  --template   the provisioning template (default sf-APP-claim, the one snapfleet makes)\n"
    "  --claim-retry  waits between asks while not approved (default 2000/60000: 2 s doubling to 60 s)\n"
    "  environment: SNAPFLEET_THING, SNAPFLEET_APP, SNAPFLEET_ENDPOINT, SNAPFLEET_CERT, SNAPFLEET_KEY, SNAPFLEET_CA, SNAPFLEET_STATE,\n"
    "               SNAPFLEET_CLAIM_CERT, SNAPFLEET_CLAIM_KEY, SNAPFLEET_SERIAL\n";

static int usage(const char* problem) {
  fprintf(stderr, "snapfleet-device connect: %s\n%s", problem, USAGE);
  return 2;
}

static bool number(const char* text, long min, long max, long* out) {
  char* end = NULL;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || !end || *end != '\0' || value < min || value > max) return false;
  *out = value;
  return true;
}

/* "A/B" into two numbers from min to max. */
static bool pair(const char* text, long min, long max, long* a, long* b) {
  char first[16];
  const char* slash = strchr(text, '/');
  if (!slash || slash - text >= (long)sizeof first) return false;
  snprintf(first, sizeof first, "%.*s", (int)(slash - text), text);
  return number(first, min, max, a) && number(slash + 1, min, max, b);
}

/* 0, or a usage error's exit code. */
static int parse(int argc, char** argv, Options* o) {
  memset(o, 0, sizeof *o);
  o->thing = getenv("SNAPFLEET_THING");
  o->app = getenv("SNAPFLEET_APP");
  o->endpoint = getenv("SNAPFLEET_ENDPOINT");
  o->cert = getenv("SNAPFLEET_CERT");
  o->key = getenv("SNAPFLEET_KEY");
  o->ca = getenv("SNAPFLEET_CA");
  o->state = getenv("SNAPFLEET_STATE");
  o->claimCert = getenv("SNAPFLEET_CLAIM_CERT");
  o->claimKey = getenv("SNAPFLEET_CLAIM_KEY");
  o->serial = getenv("SNAPFLEET_SERIAL");
  o->port = 8883;
  char problem[300];
  for (int i = 1; i < argc; i++) {
    const char* flag = argv[i];
    if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
      fputs(USAGE, stdout);
      exit(0);
    }
    if (i + 1 >= argc) {
      snprintf(problem, sizeof problem, "%s needs a value", flag);
      return usage(problem);
    }
    const char* value = argv[++i];
    long n = 0;
    if (strcmp(flag, "--thing") == 0) o->thing = value;
    else if (strcmp(flag, "--app") == 0) o->app = value;
    else if (strcmp(flag, "--endpoint") == 0) o->endpoint = value;
    else if (strcmp(flag, "--cert") == 0) o->cert = value;
    else if (strcmp(flag, "--key") == 0) o->key = value;
    else if (strcmp(flag, "--ca") == 0) o->ca = value;
    else if (strcmp(flag, "--state") == 0) o->state = value;
    else if (strcmp(flag, "--claim-cert") == 0) o->claimCert = value;
    else if (strcmp(flag, "--claim-key") == 0) o->claimKey = value;
    else if (strcmp(flag, "--serial") == 0) o->serial = value;
    else if (strcmp(flag, "--template") == 0) o->templateName = value;
    else if (strcmp(flag, "--pin") == 0 && o->pinCount < MAX_PINS) o->pins[o->pinCount++] = value;
    else if (strcmp(flag, "--port") == 0 && number(value, 1, 65535, &n)) o->port = (int)n;
    else if (strcmp(flag, "--grace-ms") == 0 && number(value, 1, 3600000, &n)) o->graceMs = n;
    else if (strcmp(flag, "--keepalive") == 0 && number(value, 1, 1200, &n)) o->keepAlive = n;
    else if (strcmp(flag, "--first-connect-budget") == 0 && number(value, 1, 86400000, &n)) o->firstConnectBudgetMs = n;
    else if (strcmp(flag, "--seconds") == 0 && number(value, 1, 86400 * 365, &n)) o->seconds = n;
    else if (strcmp(flag, "--instruction-budget") == 0 && number(value, 0, 2000000000, &n)) {
      o->instructionBudget = n;
      o->hasInstructionBudget = true;
    } else if (strcmp(flag, "--claim-retry") == 0) {
      if (!pair(value, 1, 3600000, &o->claimRetryMinMs, &o->claimRetryMaxMs) || o->claimRetryMaxMs < o->claimRetryMinMs) return usage("--claim-retry takes MIN_MS/MAX_MS, e.g. 2000/60000, with MIN_MS at most MAX_MS");
    } else if (strcmp(flag, "--crash-loop") == 0) {
      if (!strchr(value, '/')) return usage("--crash-loop takes N/MS, e.g. 5/60000 (5 failures within 60 s)");
      if (!pair(value, 1, 86400000, &o->loopFailures, &o->loopWithinMs) || o->loopFailures > 32) return usage("--crash-loop takes N/MS with N from 1 to 32 and MS above 0");
    } else {
      snprintf(problem, sizeof problem, "unknown option or bad value: %s %s", flag, value);
      return usage(problem);
    }
  }
  bool byClaim = o->claimCert || o->claimKey || o->serial;
  if (byClaim && (o->cert || o->key || o->thing)) {
    return usage("a board starts either with its own identity (--thing, --cert, --key) or with a claim (--serial, --claim-cert, --claim-key), not both: the claim's board is named by the cloud");
  }
  const char* missing = !o->app ? "--app" : !o->endpoint ? "--endpoint" : !o->state ? "--state" : NULL;
  if (!missing && byClaim) missing = !o->serial ? "--serial" : !o->claimCert ? "--claim-cert" : !o->claimKey ? "--claim-key" : NULL;
  if (!missing && !byClaim) missing = !o->thing ? "--thing (or --serial with a claim)" : !o->cert ? "--cert" : !o->key ? "--key" : NULL;
  if (missing) {
    snprintf(problem, sizeof problem, "%s is required", missing);
    return usage(problem);
  }
  return 0;
}

/* mkdir -p, private to the device: the state dir holds its slots (and often its key). */
static bool makeDirectories(const char* path) {
  char partial[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof partial) return false;
  for (size_t i = 1; i <= n; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    memcpy(partial, path, i);
    partial[i] = '\0';
    if (mkdir(partial, 0700) != 0 && errno != EEXIST) return false;
  }
  /* EEXIST is fine for a directory only: a file there is no flash to keep slots in. */
  struct stat info;
  if (stat(path, &info) != 0) return false;
  if (!S_ISDIR(info.st_mode)) {
    errno = ENOTDIR;
    return false;
  }
  return true;
}

/* `online: false` as the retained last will on sf/{app}/{thing}/_status
 * (core/contracts/deviceStatus.ts, topics.ts). No version: the device may install others after
 * it connected, and monitors keep the last version they heard (as firmware/simulatedDevice.ts). */
static char* lastWill(const Options* o, int64_t nowMs, char* topic, size_t topicSize) {
  snprintf(topic, topicSize, "sf/%s/%s/_status", o->app, o->thing);
  cJSON* will = cJSON_CreateObject();
  cJSON_AddBoolToObject(will, "online", 0);
  cJSON_AddStringToObject(will, "version", "");
  /* LAST_WILL_BOOT_ID of core/contracts/deviceStatus.ts: receivers know a will by it. */
  cJSON_AddStringToObject(will, "bootId", "will");
  cJSON_AddNumberToObject(will, "t", (double)nowMs);
  char* payload = cJSON_PrintUnformatted(will);
  cJSON_Delete(will);
  return payload;
}

/* A board started with a claim: its kept identity, or a new one by claim (which may wait for an
 * operator's approval); then it runs as that thing, exactly as one started with --cert/--key. */
static bool claimedIdentity(Options* o, const char* host, hal_Platform* platform, sf_ClaimIdentity* identity) {
  char templateName[200];
  snprintf(templateName, sizeof templateName, SF_CLAIM_TEMPLATE_FORMAT, o->app);
  sf_ClaimConfig claim = {0};
  claim.app = o->app;
  claim.serial = o->serial;
  claim.templateName = o->templateName ? o->templateName : templateName;
  claim.host = host;
  claim.port = o->port;
  claim.claimCertPath = o->claimCert;
  claim.claimKeyPath = o->claimKey;
  claim.caPath = o->ca;
  claim.stateDir = o->state;
  claim.retryMinMs = (uint32_t)o->claimRetryMinMs;
  claim.retryMaxMs = (uint32_t)o->claimRetryMaxMs;
  claim.firstConnectBudgetMs = (uint32_t)o->firstConnectBudgetMs;
  claim.clock = platform->clock;
  claim.random = platform->random;
  claim.stop = &stopRequested;
  claim.log = printLine;
  char error[1400];
  if (!sf_claim_identity(&claim, identity, error, sizeof error)) {
    fprintf(stderr, "snapfleet-device: %s\n", error);
    return false;
  }
  /* One line that names the thing, whichever way the identity came (nativeDevice.ts reads it). */
  char line[900];
  snprintf(line, sizeof line, "[identity] thing \"%s\", certificate %s", identity->thing, identity->certPath);
  printLine(NULL, line);
  o->thing = identity->thing;
  o->cert = identity->certPath;
  o->key = identity->keyPath;
  return true;
}

int sf_networkMain(int argc, char** argv) {
  if (strcmp(argv[0], "download") == 0) return sf_downloadMain();
  Options o;
  int bad = parse(argc, argv, &o);
  if (bad) return bad;
  char host[256];
  snprintf(host, sizeof host, "%s", o.endpoint);
  char* colon = strrchr(host, ':');
  if (colon && !strchr(colon, ']')) {
    long port = 0;
    if (!number(colon + 1, 1, 65535, &port)) return usage("--endpoint takes HOST or HOST:PORT");
    o.port = (int)port;
    *colon = '\0';
  }
  if (!makeDirectories(o.state)) {
    fprintf(stderr, "snapfleet-device: --state %s: can't create it: %s\n", o.state, strerror(errno));
    return 1;
  }
  /* One malloc arena for the process: glibc gives each thread that allocates (Paho's send and
   * receive threads) an arena of its own, whose touched pages stayed resident (bench/native.bench.ts);
   * the few allocations those threads make don't contend enough to need them. */
  mallopt(M_ARENA_MAX, 1);
  signal(SIGTERM, onSignal);
  signal(SIGINT, onSignal);
  signal(SIGPIPE, SIG_IGN);

  char error[600];
  sf_PosixPlatform* posix = sf_posixPlatform_create(o.state, o.pins, o.pinCount, error, sizeof error);
  if (!posix) {
    fprintf(stderr, "snapfleet-device: %s\n", error);
    return 1;
  }
  hal_Platform* platform = sf_posixPlatform_hal(posix);
  sf_ClaimIdentity identity;
  if (o.serial && !claimedIdentity(&o, host, platform, &identity)) {
    sf_posixPlatform_destroy(posix);
    return 1;
  }
  char willTopic[300];
  char* willPayload = lastWill(&o, platform->clock->ops->now(platform->clock), willTopic, sizeof willTopic);
  sf_MqttNetConfig net = {0};
  net.host = host;
  net.port = o.port;
  net.thing = o.thing;
  net.certPath = o.cert;
  net.keyPath = o.key;
  net.caPath = o.ca;
  net.willTopic = willTopic;
  net.willPayload = willPayload;
  net.keepAliveSeconds = o.keepAlive ? (int)o.keepAlive : 30;
  net.firstConnectBudgetMs = (uint32_t)o.firstConnectBudgetMs;
  net.clock = platform->clock;
  net.random = platform->random;
  net.log = printLine;
  platform->net = sf_mqttNet_create(&net, error, sizeof error);
  if (!platform->net) {
    fprintf(stderr, "snapfleet-device: %s\n", error);
    free(willPayload);
    sf_posixPlatform_destroy(posix);
    return 1;
  }
  sf_NetworkDeviceConfig config = {0};
  config.app = o.app;
  config.thing = o.thing;
  config.platform = platform;
  config.caPath = o.ca;
  config.engineId = SF_ENGINE_ID;
  config.graceMs = (uint32_t)o.graceMs;
  config.crashLoopFailures = (uint32_t)o.loopFailures;
  config.crashLoopWithinMs = (uint32_t)o.loopWithinMs;
  config.instructionBudget = o.hasInstructionBudget ? (o.instructionBudget == 0 ? -1 : (int32_t)o.instructionBudget) : 0;
  config.prepareBoard = sf_posixPlatform_prepareBoard;
  config.log = printLine;
  config.context = posix;
  sf_NetworkDevice* device = sf_networkDevice_create(&config, error, sizeof error);
  int status = 0;
  if (!device) {
    fprintf(stderr, "snapfleet-device: %s\n", error);
    status = 1;
  } else {
    int64_t until = o.seconds ? platform->clock->ops->now(platform->clock) + o.seconds * 1000 : INT64_MAX;
    const char* failure = NULL;
    while (!stopRequested && !(failure = sf_mqttNet_failure(platform->net)) && platform->clock->ops->now(platform->clock) < until) sf_networkDevice_step(device, 200);
    sf_networkDevice_destroy(device);
    if (failure) {
      /* The first connect failed for good (refused, or its budget ran out): a supervisor (systemd,
       * snapfleet dev) sees the exit status and the reason. */
      fprintf(stderr, "snapfleet-device: %s\n", failure);
      status = 1;
    }
  }
  sf_mqttNet_destroy(platform->net, 2000);
  platform->net = NULL;
  free(willPayload);
  sf_posixPlatform_destroy(posix);
  return status;
}
