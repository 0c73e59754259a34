#include "linkDevice.h"

#include "../core/textBuffer.h"
#include "linkMessages.h"
#include "sf_deviceTexts.h"

static uint64_t now(sf_LinkDevice* d) {
  return (uint64_t)d->config.platform->clock->ops->now(d->config.platform->clock);
}

static void say(sf_LinkDevice* d, const char* a, const char* b) {
  if (!d->config.log) return;
  char line[SF_OTA_REASON_MAX + 64];
  size_t n = 0;
  for (const char* s = a; s && *s && n < sizeof line - 1; s++) line[n++] = *s;
  for (const char* s = b; s && *s && n < sizeof line - 1; s++) line[n++] = *s;
  line[n] = 0;
  d->config.log(d->config.context, line);
}

static void copyText(char* to, size_t size, const char* from) {
  size_t n = 0;
  while (from && from[n] && n < size - 1) to[n] = from[n], n++;
  to[n] = 0;
}

/* OTA_REPLY kind | job id NUL | reason */
static void reply(sf_LinkDevice* d, uint8_t kind, const char* jobId, const char* reason) {
  uint8_t body[SF_LINK_MAX_BODY];
  size_t n = 0;
  body[n++] = SF_LINK_MSG_OTA_REPLY;
  body[n++] = kind;
  for (const char* s = jobId; *s && n < sizeof body - 1; s++) body[n++] = (uint8_t)*s;
  body[n++] = 0;
  for (const char* s = reason; s && *s && n < sizeof body; s++) body[n++] = (uint8_t)*s;
  sf_linkNet_send(d->net, body, n);
}

/* --- the app (as ports/posix/net/networkDevice.c runs it) --------------------------------- */

static void onAppLog(void* context, const char* line) {
  sf_LinkDevice* d = context;
  if (d->config.log) d->config.log(d->config.context, line);
}

static void onAppFailure(void* context, const char* message, bool fatal, bool atStart) {
  sf_LinkDevice* d = context;
  if (d->starting && atStart) {
    if (!d->startFailure[0]) copyText(d->startFailure, sizeof d->startFailure, message);
    return;
  }
  if (sf_ota_appFailed(&d->ota, now(d), message, fatal) == SF_OTA_ROLL_BACK) d->rollBackDue = true;
}

static void stopApp(sf_LinkDevice* d) {
  if (!d->supervisor) return;
  sf_supervisor_stop(d->supervisor);
  /* The poll sends what the stopped app left; a package's end it receives is refused (onEnd):
   * booting it here would nest a boot in this one (the stack analysis bounds that cycle to 1). */
  d->stopping = true;
  d->net->base.ops->poll(&d->net->base, 0);
  d->stopping = false;
  d->net->base.ops->setEvents(&d->net->base, NULL);
  sf_supervisor_destroy(d->supervisor);
  d->supervisor = NULL;
}

static void bootApp(sf_LinkDevice* d, const sf_DevicePackage* pkg) {
  stopApp(d);
  /* Every start says its version (at power-on, on trial, after a rollback): the lines after it
   * are that version's (ports/posix/net/networkDevice.c does the same). */
  say(d, SF_TX_OTA_STARTING_VERSION, pkg->manifest.version);
  d->manifest = pkg->manifest;
  d->startFailure[0] = 0;
  char* error = d->error;
  const size_t errorSize = sizeof d->error;
  error[0] = 0;
  if (d->config.prepareBoard && !d->config.prepareBoard(d->config.context, &d->manifest, error, errorSize)) {
    sf_ota_started(&d->ota, now(d), error);
    if (!d->ota.onTrial) d->rollBackDue = sf_ota_appFailed(&d->ota, now(d), error, true) == SF_OTA_ROLL_BACK;
    return;
  }
  sf_SupervisorConfig config = {0};
  config.thing = d->config.thing;
  config.manifest = &d->manifest;
  config.platform = d->config.platform;
  config.outboxCapacity = d->config.outboxCapacity ? d->config.outboxCapacity : SF_LINK_OUTBOX_CAPACITY;
  config.inFlightWindow = d->config.inFlightWindow ? d->config.inFlightWindow : SF_LINK_IN_FLIGHT_WINDOW;
  config.logCapacity = d->config.logCapacity ? d->config.logCapacity : SF_LINK_LOG_CAPACITY;
  config.onLog = onAppLog;
  config.onAppFailure = onAppFailure;
  config.context = d;
  d->supervisor = sf_supervisor_create(&config);
  if (!d->supervisor) {
    copyText(error, errorSize, SF_TX_OUT_MEMORY_SUPERVISOR);
  } else {
    hal_NetEvents events;
    sf_supervisor_netEvents(d->supervisor, &events);
    d->net->base.ops->setEvents(&d->net->base, &events);
    d->starting = true;
    if (!sf_supervisor_start(d->supervisor, pkg->snapshot, pkg->snapshotLength, error, errorSize)) {
      d->net->base.ops->setEvents(&d->net->base, NULL);
      sf_supervisor_destroy(d->supervisor);
      d->supervisor = NULL;
    } else {
      error[0] = 0;
    }
    d->starting = false;
  }
  const char* failure = error[0] ? error : d->startFailure[0] ? d->startFailure : NULL;
  bool onTrial = d->ota.onTrial;
  sf_ota_started(&d->ota, now(d), failure);
  if (failure && !onTrial && sf_ota_appFailed(&d->ota, now(d), failure, error[0] != 0) == SF_OTA_ROLL_BACK) d->rollBackDue = true;
}

static void bootInstalled(sf_LinkDevice* d) {
  d->error[0] = 0;
  int found = sf_ota_installed(&d->ota, &d->package, d->error, sizeof d->error);
  if (d->error[0]) say(d, "[ota] ", d->error);
  if (found <= 0) {
    if (found == 0) say(d, SF_TX_OTA_NO_APP_INSTALLED_WAITING, NULL);
    return;
  }
  bootApp(d, &d->package);
}

/* --- OTA over the link -------------------------------------------------------------------- */

static const char* takeText(const uint8_t** p, const uint8_t* end) {
  const char* text = (const char*)*p;
  while (*p < end && **p) (*p)++;
  if (*p == end) return NULL;
  (*p)++;
  return text;
}

static void onOffer(sf_LinkDevice* d, const uint8_t* body, size_t length) {
  const uint8_t* p = body + 5;
  const uint8_t* end = body + length;
  const char* jobId = length > 5 ? takeText(&p, end) : NULL;
  const char* version = jobId ? takeText(&p, end) : NULL;
  const char* engine = version ? takeText(&p, end) : NULL;
  if (!engine || end - p != 64) {
    say(d, SF_TX_OTA_MALFORMED_OFFER_CAME_OVER, NULL);
    return;
  }
  /* A co-processor that started after a reset or its own restart offers the job it finds IN
   * PROGRESS. The interrupted trial's FAILED goes first (so it precedes this offer's answer);
   * the job on trial now gets its verdict when the trial ends. */
  const char* interrupted = sf_ota_interrupted(&d->ota);
  if (interrupted) {
    bool same = sf_streq(interrupted, jobId);
    reply(d, SF_OTA_REPLY_FAILED, interrupted, d->ota.reason);
    sf_ota_interruptedReported(&d->ota);
    if (same) return;
  }
  if (d->ota.onTrial && sf_streq(d->ota.trialJob, jobId)) return;
  copyText(d->jobId, sizeof d->jobId, jobId);
  copyText(d->version, sizeof d->version, version);
  for (int i = 0; i < 64; i++) d->sha256[i] = (char)p[i];
  d->sha256[64] = 0;
  d->size = (uint32_t)body[1] | (uint32_t)body[2] << 8 | (uint32_t)body[3] << 16 | (uint32_t)body[4] << 24;
  d->received = 0;
  d->receiving = false;
  size_t capacity;
  sf_ota_downloadBuffer(&d->ota, &capacity);
  switch (sf_ota_consider(&d->ota, d->jobId, d->version, engine, d->config.engineId)) {
    case SF_OTA_PROCEED:
      if (d->size > capacity) {
        reply(d, SF_OTA_REPLY_REJECTED, d->jobId, SF_TX_PACKAGE_LARGER_THAN_SLOT);
        return;
      }
      d->receiving = true;
      reply(d, SF_OTA_REPLY_PROCEED, d->jobId, NULL);
      return;
    case SF_OTA_ALREADY_INSTALLED:
      reply(d, SF_OTA_REPLY_ALREADY_INSTALLED, d->jobId, NULL);
      return;
    default:
      reply(d, SF_OTA_REPLY_REJECTED, d->jobId, d->ota.reason);
  }
}

static void onChunk(sf_LinkDevice* d, const uint8_t* body, size_t length) {
  if (!d->receiving || length < 5) return;
  uint32_t offset = (uint32_t)body[1] | (uint32_t)body[2] << 8 | (uint32_t)body[3] << 16 | (uint32_t)body[4] << 24;
  size_t capacity, count = length - 5;
  uint8_t* buffer = sf_ota_downloadBuffer(&d->ota, &capacity);
  /* In order only (the link is ordered); anything else ends the install. */
  if (offset != d->received || offset + count > d->size || offset + count > capacity) {
    d->receiving = false;
    reply(d, SF_OTA_REPLY_FAILED, d->jobId, SF_TX_PACKAGE_CHUNK_OUT_ORDER_OR);
    return;
  }
  for (size_t i = 0; i < count; i++) buffer[offset + i] = body[5 + i];
  d->received += (uint32_t)count;
}

static void onEnd(sf_LinkDevice* d) {
  if (!d->receiving) return;
  d->receiving = false;
  if (d->stopping) {
    reply(d, SF_OTA_REPLY_FAILED, d->jobId, "the package ended while the device was stopping its app; offer it again");
    return;
  }
  /* sf_ota_stage checks the received length and SHA-256 against the offer and the package's
   * own manifest before anything is switched. */
  if (sf_ota_stage(&d->ota, d->jobId, d->received, d->sha256, d->size, d->version, &d->package) != 0) {
    reply(d, SF_OTA_REPLY_FAILED, d->jobId, d->ota.reason);
    return;
  }
  d->onTrial = true;
  bootApp(d, &d->package);
}

static void onOther(void* context, const uint8_t* body, size_t length) {
  sf_LinkDevice* d = context;
  switch (body[0]) {
    case SF_LINK_MSG_PIN: {
      char spec[96];
      size_t n = length - 1 < sizeof spec - 1 ? length - 1 : sizeof spec - 1;
      for (size_t i = 0; i < n; i++) spec[i] = (char)body[1 + i];
      spec[n] = 0;
      if (d->config.setPin && !d->config.setPin(d->config.context, spec)) say(d, SF_TX_BOARD_PIN_INPUT_REFUSED, spec);
      return;
    }
    case SF_LINK_MSG_OTA_OFFER:
      if (length >= 5) onOffer(d, body, length);
      return;
    case SF_LINK_MSG_OTA_CHUNK:
      onChunk(d, body, length);
      return;
    case SF_LINK_MSG_OTA_END:
      onEnd(d);
      return;
    default:
      return;
  }
}

static void stepOta(sf_LinkDevice* d) {
  switch (sf_ota_poll(&d->ota, now(d))) {
    case SF_OTA_TRIAL_PASSED:
      d->onTrial = false;
      say(d, SF_TX_OTA_INSTALLED_VERSION, d->version);
      reply(d, SF_OTA_REPLY_SUCCEEDED, d->jobId, NULL);
      break;
    case SF_OTA_TRIAL_FAILED:
      copyText(d->reason, sizeof d->reason, d->ota.reason); /* the boot below may change ota.reason */
      d->onTrial = false;
      stopApp(d);
      bootInstalled(d);
      reply(d, SF_OTA_REPLY_FAILED, d->jobId, d->reason);
      break;
    default:
      break;
  }
  const char* interrupted = sf_ota_interrupted(&d->ota);
  if (interrupted && d->net->online) {
    reply(d, SF_OTA_REPLY_FAILED, interrupted, d->ota.reason);
    sf_ota_interruptedReported(&d->ota);
  }
  if (!d->rollBackDue) return;
  d->rollBackDue = false;
  int r = sf_ota_rollBack(&d->ota, &d->package);
  say(d, "[ota] ", d->ota.reason);
  if (r < 0) return;
  copyText(d->reason, sizeof d->reason, d->ota.reason);
  bootApp(d, &d->package);
  if (d->supervisor) sf_supervisor_report(d->supervisor, d->reason);
}

void sf_linkDevice_init(sf_LinkDevice* d, const sf_LinkDeviceConfig* config, sf_LinkNet* net) {
  *d = (sf_LinkDevice){0};
  d->config = *config;
  d->net = net;
  d->config.platform->net = &net->base;
  net->other = onOther;
  net->otherContext = d;
  if (sf_ota_open(&d->ota, config->platform->storage, config->slotA, config->slotB, config->slotCapacity, SF_OTA_DEFAULT_GRACE_MS, SF_CRASH_LOOP_DEFAULT_FAILURES,
                  SF_CRASH_LOOP_DEFAULT_WITHIN_MS, d->error, sizeof d->error) != 0)
    say(d, "[ota] ", d->error);
  d->ota.board = config->board;
  bootInstalled(d);
}

void sf_linkDevice_step(sf_LinkDevice* d, uint32_t maxWaitMs) {
  int64_t t = (int64_t)now(d);
  if (d->supervisor) {
    while (sf_supervisor_fireNextTimer(d->supervisor, t)) {
    }
    int64_t wait = sf_supervisor_nextTimerDue(d->supervisor) - (int64_t)now(d);
    if (wait < (int64_t)maxWaitMs) maxWaitMs = wait > 0 ? (uint32_t)wait : 0;
  }
  stepOta(d);
  if (d->onTrial && maxWaitMs > 100) maxWaitMs = 100;
  d->net->base.ops->poll(&d->net->base, maxWaitMs);
}
