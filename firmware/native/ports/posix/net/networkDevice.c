#include "networkDevice.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../ota/otaAgent.h"
#include "../../../supervisor/settingsSync.h"
#include "../../../supervisor/supervisor.h"
#include "../../../supervisor/topics.h"
#include "downloadProcess.h"
#include "jobDocument.h"
#include "jobsClient.h"
#include "offlinesSentHere.h"

#define SEEN_EXECUTIONS 16

typedef enum Phase { IDLE, DOWNLOADING, ON_TRIAL } Phase;

struct sf_NetworkDevice {
  sf_NetworkDeviceConfig config;
  hal_Platform* platform;
  hal_Net* net;
  sf_Ota ota;
  uint8_t* slotBuffers[2];
  sf_Jobs jobs;
  /* The app running now (NULL: none) and the manifest it was started with. */
  sf_Supervisor* supervisor;
  sf_Manifest manifest;
  /* Its settings (manifest `settings`), kept in step with the settings shadow by the supervisor;
   * and those of the package the OTA agent verified last, which bootApp takes. */
  sf_SettingDecls settings, nextSettings;
  /* Failures while sf_supervisor_start runs (a failing Start). */
  bool starting;
  char startFailure[SF_OTA_REASON_MAX];
  bool rollBackDue;
  /* The install in progress. */
  Phase phase;
  char jobId[SF_JOB_ID_MAX + 1];
  sf_JobDocument document;
  sf_DownloadProcess* download;
  char seen[SEEN_EXECUTIONS][SF_JOB_ID_MAX + 24];
  size_t seenNext;
  /* sf/{app}/{thing}/_status: subscribed, to answer a late "offline" (ownStatusHeard). */
  char statusTopic[300];
  /* The boots stopped on this connection, whose offline ownStatusHeard leaves unanswered. */
  sf_OfflinesSentHere offlinesSentHere;
};

static void say(sf_NetworkDevice* d, const char* format, ...) {
  if (!d->config.log) return;
  char line[1200];
  va_list args;
  va_start(args, format);
  vsnprintf(line, sizeof line, format, args);
  va_end(args);
  d->config.log(d->config.context, line);
}

static uint64_t now(sf_NetworkDevice* d) { return (uint64_t)d->platform->clock->ops->now(d->platform->clock); }

static const char* shortVersion(const char* v, char out[13]) {
  snprintf(out, 13, "%s", v);
  return out;
}

/* --- the app ------------------------------------------------------------------------------ */

static void onAppLog(void* context, const char* line) {
  sf_NetworkDevice* d = context;
  if (d->config.log) d->config.log(d->config.context, line);
}

static void onAppFailure(void* context, const char* message, bool fatal, bool atStart) {
  sf_NetworkDevice* d = context;
  if (d->starting && atStart) {
    if (!d->startFailure[0]) snprintf(d->startFailure, sizeof d->startFailure, "%s", message);
    return;
  }
  /* Never stop the supervisor from inside its own callback: the loop does it (rollBackDue). */
  if (sf_ota_appFailed(&d->ota, now(d), message, fatal) == SF_OTA_ROLL_BACK) d->rollBackDue = true;
}

static void stopApp(sf_NetworkDevice* d) {
  if (d->supervisor) {
    /* sf_supervisor_stop publishes this boot's offline when connected */
    if (d->net->ops->connected(d->net)) sf_offlinesSentHere_add(&d->offlinesSentHere, sf_supervisor_bootId(d->supervisor));
    sf_supervisor_stop(d->supervisor);
    sf_supervisor_destroy(d->supervisor);
    d->supervisor = NULL;
  }
  sf_settingDecls_free(&d->settings);
}

/* The OTA agent's look at a verified package's manifest JSON: its settings, for bootApp. */
static bool readManifest(void* context, const uint8_t* json, size_t length, char* error, size_t errorSize) {
  sf_NetworkDevice* d = context;
  sf_settingDecls_free(&d->nextSettings);
  sf_Text why;
  sf_text_init(&why, 0);
  bool ok = sf_manifest_parseSettings((const char*)json, length, &d->nextSettings, &why);
  if (!ok) snprintf(error, errorSize, "the manifest's settings can't be read: %s", why.data ? why.data : "out of memory");
  sf_text_free(&why);
  return ok;
}

/* Starts a verified package and tells the OTA agent how the start went. */
static void bootApp(sf_NetworkDevice* d, const sf_DevicePackage* pkg) {
  stopApp(d);
  /* Every start says its version (at power-on, on trial, after a rollback): the lines after it
   * are that version's, so a host that kept the build's callback sites can name file:line for
   * them (core/runtime/callbackSiteNames.ts). */
  char v[13];
  say(d, "[ota] starting version %s from slot %s", shortVersion(pkg->manifest.version, v), sf_slot_name(d->ota.running));
  d->manifest = pkg->manifest;
  d->settings = d->nextSettings; /* read by readManifest just before; freed with the app */
  d->nextSettings = (sf_SettingDecls){0};
  d->startFailure[0] = '\0';
  char error[SF_OTA_REASON_MAX] = "";
  if (d->config.prepareBoard && !d->config.prepareBoard(d->config.context, &d->manifest, error, sizeof error)) {
    sf_ota_started(&d->ota, now(d), error);
    say(d, "[ota] %s", error);
    if (!d->ota.onTrial) d->rollBackDue = sf_ota_appFailed(&d->ota, now(d), error, true) == SF_OTA_ROLL_BACK;
    return;
  }
  sf_SupervisorConfig config = {0};
  config.thing = d->config.thing;
  config.manifest = &d->manifest;
  config.settings = &d->settings;
  config.settingsShadow = &sf_settingsShadowSync;
  config.platform = d->platform;
  config.instructionBudget = d->config.instructionBudget;
  config.onLog = onAppLog;
  config.onAppFailure = onAppFailure;
  config.context = d;
  d->supervisor = sf_supervisor_create(&config);
  if (!d->supervisor) {
    snprintf(error, sizeof error, "out of memory for the supervisor");
    sf_settingDecls_free(&d->settings);
  } else {
    d->starting = true;
    if (!sf_supervisor_start(d->supervisor, pkg->snapshot, pkg->snapshotLength, error, sizeof error)) {
      sf_supervisor_destroy(d->supervisor);
      d->supervisor = NULL;
      sf_settingDecls_free(&d->settings);
    } else {
      error[0] = '\0';
    }
    d->starting = false;
  }
  const char* failure = error[0] ? error : d->startFailure[0] ? d->startFailure : NULL;
  bool onTrial = d->ota.onTrial;
  sf_ota_started(&d->ota, now(d), failure);
  /* Outside a trial a failed start counts like any failure (a dead VM is fatal). */
  if (failure && !onTrial && sf_ota_appFailed(&d->ota, now(d), failure, error[0] != '\0') == SF_OTA_ROLL_BACK) d->rollBackDue = true;
}

static void bootInstalled(sf_NetworkDevice* d) {
  sf_DevicePackage pkg;
  char error[SF_OTA_REASON_MAX];
  int found = sf_ota_installed(&d->ota, &pkg, error, sizeof error);
  if (found < 0) say(d, "[ota] %s", error);
  if (found <= 0) return;
  if (error[0]) say(d, "[ota] %s", error);
  bootApp(d, &pkg);
}

/* --- jobs --------------------------------------------------------------------------------- */

static void finish(sf_NetworkDevice* d, const char* status, const char* reason, const char* const* details) {
  if (reason) say(d, "[ota] job %s %s: %s", d->jobId, status, reason);
  else say(d, "[ota] job %s %s", d->jobId, status);
  const char* withReason[6] = {0};
  size_t n = 0;
  for (size_t i = 0; details && details[i] && n < 4; i += 2) {
    withReason[n++] = details[i];
    withReason[n++] = details[i + 1];
  }
  if (reason) {
    withReason[n++] = "reason";
    withReason[n++] = reason;
  }
  sf_jobs_update(&d->jobs, d->jobId, status, withReason);
  d->phase = IDLE;
  d->jobId[0] = '\0';
  sf_jobs_startNext(&d->jobs);
}

static void progress(sf_NetworkDevice* d, const char* step) {
  const char* details[] = {"step", step, NULL};
  sf_jobs_update(&d->jobs, d->jobId, "IN_PROGRESS", details);
}

static bool seenBefore(sf_NetworkDevice* d, const char* jobId, long executionNumber) {
  char key[SF_JOB_ID_MAX + 24];
  snprintf(key, sizeof key, "%s#%ld", jobId, executionNumber);
  for (size_t i = 0; i < SEEN_EXECUTIONS; i++) {
    if (strcmp(d->seen[i], key) == 0) return true;
  }
  snprintf(d->seen[d->seenNext], sizeof d->seen[0], "%s", key);
  d->seenNext = (d->seenNext + 1) % SEEN_EXECUTIONS;
  return false;
}

static void beginInstall(sf_NetworkDevice* d, const char* jobId, long executionNumber, const cJSON* document) {
  /* One install at a time; start-next answers again when this one is finished. */
  if (d->phase != IDLE || seenBefore(d, jobId, executionNumber)) return;
  snprintf(d->jobId, sizeof d->jobId, "%s", jobId);
  char error[SF_OTA_REASON_MAX];
  if (sf_jobDocument_parse(document, &d->document, error, sizeof error) != 0) {
    finish(d, "REJECTED", error, NULL);
    return;
  }
  switch (sf_ota_consider(&d->ota, jobId, d->document.version, d->document.engine, d->config.engineId)) {
    case SF_OTA_REJECT:
      finish(d, "REJECTED", d->ota.reason, NULL);
      return;
    case SF_OTA_ALREADY_INSTALLED: {
      char v[13];
      say(d, "[ota] version %s is already installed", shortVersion(d->document.version, v));
      const char* details[] = {"result", "already installed", NULL};
      finish(d, "SUCCEEDED", NULL, details);
      return;
    }
    case SF_OTA_PROCEED:
      break;
  }
  progress(d, "downloading");
  size_t capacity = 0;
  uint8_t* buffer = sf_ota_downloadBuffer(&d->ota, &capacity);
  d->download = sf_downloadProcess_start(d->document.url, d->config.caPath, buffer, capacity, d->document.size, error, sizeof error);
  if (!d->download) {
    finish(d, "FAILED", error, NULL);
    return;
  }
  d->phase = DOWNLOADING;
}

static void downloaded(sf_NetworkDevice* d, size_t length) {
  progress(d, "verifying");
  sf_DevicePackage pkg;
  if (sf_ota_stage(&d->ota, d->jobId, length, d->document.sha256, d->document.size, d->document.version, &pkg) != 0) {
    finish(d, "FAILED", d->ota.reason, NULL);
    return;
  }
  progress(d, "starting");
  d->phase = ON_TRIAL;
  bootApp(d, &pkg);
}

static void stepDownload(sf_NetworkDevice* d, uint32_t maxWaitMs) {
  size_t length = 0;
  char error[SF_OTA_REASON_MAX];
  int r = sf_downloadProcess_poll(d->download, maxWaitMs, &length, error, sizeof error);
  if (r == 0) return;
  sf_downloadProcess_free(d->download);
  d->download = NULL;
  if (r < 0) {
    finish(d, "FAILED", error, NULL);
    return;
  }
  downloaded(d, length);
}

static void stepOta(sf_NetworkDevice* d) {
  switch (sf_ota_poll(&d->ota, now(d))) {
    case SF_OTA_TRIAL_PASSED: {
      char v[13];
      say(d, "[ota] installed version %s", shortVersion(d->document.version, v));
      const char* details[] = {"version", d->document.version, NULL};
      finish(d, "SUCCEEDED", NULL, details);
      break;
    }
    case SF_OTA_TRIAL_FAILED: {
      char reason[SF_OTA_REASON_MAX];
      snprintf(reason, sizeof reason, "%s", d->ota.reason);
      stopApp(d);
      bootInstalled(d);
      finish(d, "FAILED", reason, NULL);
      break;
    }
    default:
      break;
  }
  if (!d->rollBackDue) return;
  d->rollBackDue = false;
  sf_DevicePackage pkg;
  int r = sf_ota_rollBack(&d->ota, &pkg);
  say(d, "[ota] %s", d->ota.reason);
  if (r < 0) {
    if (d->supervisor) sf_supervisor_report(d->supervisor, d->ota.reason);
    return;
  }
  char line[SF_OTA_REASON_MAX];
  snprintf(line, sizeof line, "%s", d->ota.reason);
  bootApp(d, &pkg);
  if (d->supervisor) sf_supervisor_report(d->supervisor, line);
}

/* --- network events: Jobs topics and foreign tokens to OTA, the rest to the supervisor --- */

static void onConnectionChanged(void* context, bool up) {
  sf_NetworkDevice* d = context;
  if (d->supervisor) sf_supervisor_onConnectionChanged(d->supervisor, up);
  if (!up) {
    sf_offlinesSentHere_forget(&d->offlinesSentHere);
    return;
  }
  const char* interrupted = sf_ota_interrupted(&d->ota);
  if (interrupted) {
    say(d, "[ota] job %s FAILED: %s", interrupted, d->ota.reason);
    const char* details[] = {"reason", d->ota.reason, NULL};
    sf_jobs_update(&d->jobs, interrupted, "FAILED", details);
    sf_ota_interruptedReported(&d->ota);
  }
  sf_jobs_onConnected(&d->jobs);
  sf_jobs_startNext(&d->jobs);
}

/* Our own retained status, heard: one that says offline and is not the running boot's own (a last
 * will published after our reconnect, when the broker closed our old connection; an old boot's
 * offline heard after this boot's online; AWS may deliver out of order) is answered with online
 * again, so the retained status ends saying what this device is. The same decision as
 * contradictsRunningBoot in core/contracts/deviceStatus.ts. A removal (empty) or a malformed one
 * is not answered. Nor are two kinds of offline the broker already stores an online of this boot
 * over, so an answer republished what it holds (issue 13), as ownStatusHeard in
 * firmware/supervisor.ts skips them:
 * - one delivered with RETAIN 1 (`retained`). MQTT 3.1.1 section 3.3.1.3 sets it only on the
 *   stored message a new subscription brings (AWS IoT too:
 *   https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-retain), and our status
 *   SUBSCRIBE goes out before every online of this boot on the same connection: it is made at
 *   create, before any app; the network sends it again after each CONNACK and reports the link
 *   up only after the SUBACKs (hal/net.h); the supervisor says online only while the link is up
 *   (at start, or at connectionChanged(true)). The broker handles one connection's packets in
 *   order, so it stores that online over what it sent (section 4.6). A will or an offline stored
 *   after our online comes live (RETAIN 0) and is answered; so is the copy of a will our persistent
 *   session queued while the link was down (RETAIN 0 too, on AWS and locally) when it arrives after
 *   the link is reported up: one redundant online, never a wrong status. This holds while no other filter of
 *   this connection matches the status topic (a new overlapping one would bring it again, after
 *   the online): the Jobs and shadow topics are $aws/..., the app's name its channels exactly;
 * - an old boot's offline published on this connection (offlinesSentHere.h): it went out before
 *   this boot's online. */
static void ownStatusHeard(sf_NetworkDevice* d, const uint8_t* payload, size_t length, bool retained) {
  if (retained || !d->supervisor || !sf_supervisor_running(d->supervisor)) return;
  cJSON* status = cJSON_ParseWithLength((const char*)payload, length);
  const cJSON* bootId = cJSON_GetObjectItemCaseSensitive(status, "bootId");
  bool answer = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(status, "online")) && cJSON_IsString(bootId) && strcmp(bootId->valuestring, sf_supervisor_bootId(d->supervisor)) != 0 &&
                !sf_offlinesSentHere_has(&d->offlinesSentHere, bootId->valuestring);
  cJSON_Delete(status);
  if (!answer || !d->net->ops->connected(d->net)) return;
  say(d, "[supervisor] the retained status says offline for another boot or link: saying online again");
  sf_supervisor_sayOnline(d->supervisor);
}

static void onMessage(void* context, const char* topic, const uint8_t* payload, size_t length, bool retained) {
  sf_NetworkDevice* d = context;
  if (strcmp(topic, d->statusTopic) == 0) {
    ownStatusHeard(d, payload, length, retained);
    return;
  }
  if (!sf_jobs_owns(&d->jobs, topic)) {
    if (d->supervisor) sf_supervisor_onMessage(d->supervisor, topic, payload, length);
    return;
  }
  sf_JobsEvent event;
  sf_jobs_onMessage(&d->jobs, topic, payload, length, &event);
  if (event.kind == SF_JOBS_NEXT_CHANGED) sf_jobs_startNext(&d->jobs);
  if (event.kind == SF_JOBS_EXECUTION) beginInstall(d, event.jobId, event.executionNumber, event.document);
  if (event.kind == SF_JOBS_REJECTED) say(d, "[ota] %s", event.message);
  cJSON_Delete(event.document);
}

static void onPublished(void* context, uint32_t token, bool delivered) {
  sf_NetworkDevice* d = context;
  if (token & SF_TOKEN_FOREIGN) sf_jobs_onPublished(&d->jobs, token, delivered);
  else if (d->supervisor) sf_supervisor_onPublished(d->supervisor, token, delivered);
}

/* --- life --------------------------------------------------------------------------------- */

static void logLine(void* context, const char* line) {
  sf_NetworkDevice* d = context;
  if (d->config.log) d->config.log(d->config.context, line);
}

sf_NetworkDevice* sf_networkDevice_create(const sf_NetworkDeviceConfig* config, char* error, size_t errorSize) {
  if (!config->platform || !config->platform->net || !config->platform->storage || !config->platform->clock || !config->thing || !config->app || !config->engineId) {
    snprintf(error, errorSize, "a networked device needs a thing, an app, an engine id and a platform with net, storage and clock");
    return NULL;
  }
  sf_NetworkDevice* d = calloc(1, sizeof *d);
  if (!d) {
    snprintf(error, errorSize, "out of memory");
    return NULL;
  }
  d->config = *config;
  d->platform = config->platform;
  d->net = config->platform->net;
  d->slotBuffers[0] = malloc(SF_PACKAGE_MAX_BYTES);
  d->slotBuffers[1] = malloc(SF_PACKAGE_MAX_BYTES);
  if (!d->slotBuffers[0] || !d->slotBuffers[1]) {
    snprintf(error, errorSize, "out of memory for the two OTA slot buffers");
    sf_networkDevice_destroy(d);
    return NULL;
  }
  char note[SF_OTA_REASON_MAX];
  if (sf_ota_open(&d->ota, d->platform->storage, d->slotBuffers[0], d->slotBuffers[1], SF_PACKAGE_MAX_BYTES, config->graceMs ? config->graceMs : SF_OTA_DEFAULT_GRACE_MS,
                  config->crashLoopFailures ? config->crashLoopFailures : SF_CRASH_LOOP_DEFAULT_FAILURES, config->crashLoopWithinMs ? config->crashLoopWithinMs : SF_CRASH_LOOP_DEFAULT_WITHIN_MS, note, sizeof note) != 0) {
    if (d->ota.loopFailures == 0) {
      snprintf(error, errorSize, "%s", note);
      sf_networkDevice_destroy(d);
      return NULL;
    }
    say(d, "[ota] %s", note);
  }
  d->ota.readManifest = readManifest;
  d->ota.readManifestContext = d;
  sf_jobs_init(&d->jobs, config->thing, d->net, logLine, d);
  hal_NetEvents events = {d, onConnectionChanged, onMessage, onPublished};
  d->net->ops->setEvents(d->net, &events);
  sf_jobs_subscribe(&d->jobs);
  sf_Text status;
  sf_text_init(&status, 0);
  sf_topic_status(&status, config->app, config->thing);
  if (!status.failed && status.length < sizeof d->statusTopic) {
    memcpy(d->statusTopic, status.data, status.length + 1);
    /* A policy without this right (a deployment from before it) refuses the filter: the device
     * runs as before, only without the answer. */
    d->net->ops->subscribe(d->net, d->statusTopic, 1);
  }
  sf_text_free(&status);
  bootInstalled(d);
  return d;
}

void sf_networkDevice_step(sf_NetworkDevice* d, uint32_t maxWaitMs) {
  uint64_t t = now(d);
  if (d->supervisor) {
    while (sf_supervisor_fireNextTimer(d->supervisor, (int64_t)t)) {}
  }
  stepOta(d);
  if (d->download) {
    stepDownload(d, maxWaitMs > 10 ? 10 : maxWaitMs);
    maxWaitMs = 0;
  }
  if (d->supervisor) {
    int64_t due = sf_supervisor_nextTimerDue(d->supervisor);
    int64_t wait = due - (int64_t)now(d);
    if (wait < (int64_t)maxWaitMs) maxWaitMs = wait > 0 ? (uint32_t)wait : 0;
  }
  if (d->phase == ON_TRIAL && maxWaitMs > 100) maxWaitMs = 100;
  d->net->ops->poll(d->net, maxWaitMs);
}

void sf_networkDevice_destroy(sf_NetworkDevice* d) {
  if (!d) return;
  stopApp(d);
  /* Let the offline status and pending job updates reach the broker. */
  for (int i = 0; i < 20 && d->net && d->net->ops->connected(d->net) && sf_jobs_pending(&d->jobs) > 0; i++) d->net->ops->poll(d->net, 50);
  if (d->net) d->net->ops->poll(d->net, 50);
  if (d->net) d->net->ops->setEvents(d->net, NULL);
  if (d->download) sf_downloadProcess_free(d->download);
  sf_jobs_free(&d->jobs);
  sf_settingDecls_free(&d->nextSettings);
  free(d->slotBuffers[0]);
  free(d->slotBuffers[1]);
  free(d);
}

const char* sf_networkDevice_version(const sf_NetworkDevice* d) { return sf_ota_activeVersion(&d->ota); }
