#include "otaAgent.h"

#include "reasonText.h"
#include "sha256.h"
#include "sf_deviceTexts.h"

int sf_ota_open(sf_Ota* ota, hal_Storage* storage, uint8_t* bufferA, uint8_t* bufferB, size_t capacity, uint32_t grace_ms, uint32_t loopFailures, uint32_t loopWithinMs, char* error, size_t errorSize) {
  ota->buffers[0] = bufferA;
  ota->buffers[1] = bufferB;
  ota->capacity = capacity;
  ota->grace_ms = grace_ms;
  ota->running = SF_SLOT_NONE;
  ota->watching = false;
  ota->readManifest = 0;
  ota->readManifestContext = 0;
  ota->board = 0;
  ota->onTrial = false;
  ota->trialUntil = 0;
  ota->trialJob[0] = '\0';
  ota->trialFailed = false;
  ota->interruptedJob[0] = '\0';
  ota->reason[0] = '\0';
  sf_Reason e = sf_reason_on(error, errorSize);
  if (sf_crashLoop_init(&ota->loop, loopFailures, loopWithinMs) != 0) {
    sf_reason_add(&e, SF_TX_CRASH_LOOP_FAILURES_MUST_BE);
    return -1;
  }
  ota->loopFailures = loopFailures;
  ota->loopWithinMs = loopWithinMs;
  int opened = sf_slots_open(&ota->slots, storage, error, errorSize);
  sf_SlotState* s = &ota->slots.state;
  if (opened == 0 && s->trial != SF_SLOT_NONE) {
    sf_Reason j = sf_reason_on(ota->interruptedJob, sizeof ota->interruptedJob);
    sf_reason_add(&j, s->trialJob);
    sf_Reason r = sf_reason_on(ota->reason, sizeof ota->reason);
    sf_reason_add(&r, SF_TX_DEVICE_RESTARTED_WHILE_VERSION);
    sf_reason_addShort(&r, s->versions[s->trial]);
    sf_reason_add(&r, SF_TX_WAS_TRIAL_CRASH_OR_POWER);
    char ignored[SF_OTA_REASON_MAX];
    if (sf_slots_abandonTrial(&ota->slots, ignored, sizeof ignored) != 0) {
      sf_reason_add(&e, ignored);
      return -1;
    }
  }
  return opened;
}

const char* sf_ota_activeVersion(const sf_Ota* ota) { return sf_slots_activeVersion(&ota->slots); }

/* Moves a verified package's snapshot to the start of its slot buffer: Microvium reads the
 * bytecode in place and wants it aligned to the word size (microvium.h), which an offset of
 * 9 + manifest length inside the package is not. The manifest was already read into
 * pkg->manifest; the JSON is gone afterwards (manifestJson NULL). */
static void placeForEngine(uint8_t* buffer, sf_DevicePackage* pkg) {
  const uint8_t* from = pkg->snapshot;
  for (size_t i = 0; i < pkg->snapshotLength; i++) buffer[i] = from[i];
  pkg->snapshot = buffer;
  pkg->manifestJson = NULL;
  pkg->manifestLength = 0;
}

/* The host's look at the manifest JSON while it is still there (sf_Ota.readManifest). */
static int readManifest(sf_Ota* ota, const sf_DevicePackage* pkg, char* error, size_t errorSize) {
  if (!ota->readManifest) return 0;
  return ota->readManifest(ota->readManifestContext, pkg->manifestJson, pkg->manifestLength, error, errorSize) ? 0 : -1;
}

/* Reads and verifies one slot into its buffer. */
static int load(sf_Ota* ota, int slot, sf_DevicePackage* pkg, char* error, size_t errorSize) {
  size_t length = 0;
  if (sf_slots_read(&ota->slots, slot, ota->buffers[slot], ota->capacity, &length, error, errorSize) != 0) return -1;
  if (sf_package_verify(ota->buffers[slot], length, ota->slots.state.versions[slot], ota->board, pkg, error, errorSize) != 0) return -1;
  if (readManifest(ota, pkg, error, errorSize) != 0) return -1;
  placeForEngine(ota->buffers[slot], pkg);
  return 0;
}

int sf_ota_installed(sf_Ota* ota, sf_DevicePackage* pkg, char* error, size_t errorSize) {
  sf_Reason e = sf_reason_on(error, errorSize);
  int active = ota->slots.state.active;
  if (active == SF_SLOT_NONE) return 0;
  char why[SF_OTA_REASON_MAX];
  if (load(ota, active, pkg, why, sizeof why) == 0) {
    ota->running = active;
    return 1;
  }
  const char* damaged = ota->slots.state.versions[active];
  sf_reason_add(&e, "slot ");
  sf_reason_add(&e, sf_slot_name(active));
  sf_reason_add(&e, " (version ");
  sf_reason_addShort(&e, damaged);
  sf_reason_add(&e, SF_TX_IS_UNUSABLE);
  sf_reason_add(&e, why);
  int previous = sf_slots_previous(&ota->slots);
  char ignored[SF_OTA_REASON_MAX];
  if (previous != SF_SLOT_NONE && load(ota, previous, pkg, why, sizeof why) == 0) {
    if (sf_slots_rollBackTo(&ota->slots, previous, ignored, sizeof ignored) != 0) {
      sf_reason_add(&e, "; ");
      sf_reason_add(&e, ignored);
      return -1;
    }
    sf_reason_add(&e, SF_TX_ROLLED_BACK_VERSION);
    sf_reason_addShort(&e, ota->slots.state.versions[previous]);
    ota->running = previous;
    return 1;
  }
  /* Nothing good is left: forget both so the next install starts clean. */
  ota->slots.state.versions[0][0] = '\0';
  ota->slots.state.versions[1][0] = '\0';
  if (sf_slots_rollBackTo(&ota->slots, SF_SLOT_NONE, ignored, sizeof ignored) != 0) {
    sf_reason_add(&e, "; ");
    sf_reason_add(&e, ignored);
  }
  sf_reason_add(&e, SF_TX_NO_APP_INSTALLED_NOW);
  return -1;
}

sf_OtaAction sf_ota_appFailed(sf_Ota* ota, uint64_t nowMs, const char* message, bool fatal) {
  if (!ota->watching) return SF_OTA_NOTHING;
  if (ota->onTrial) {
    if (!ota->trialFailed) {
      ota->trialFailed = true;
      sf_Reason r = sf_reason_on(ota->reason, sizeof ota->reason);
      sf_reason_add(&r, SF_TX_ROLLED_BACK_IN_GRACE_PERIOD);
      sf_reason_add(&r, message);
    }
    return SF_OTA_NOTHING;
  }
  bool loop = sf_crashLoop_record(&ota->loop, nowMs);
  if (!loop && !fatal) return SF_OTA_NOTHING;
  ota->watching = false;
  sf_Reason r = sf_reason_on(ota->reason, sizeof ota->reason);
  if (fatal) {
    sf_reason_add(&r, SF_TX_APP_STOPPED);
  } else {
    sf_reason_add(&r, "crash loop (");
    sf_reason_addUint(&r, ota->loopFailures);
    sf_reason_add(&r, SF_TX_FAILURES_WITHIN);
    sf_reason_addUint(&r, ota->loopWithinMs / 1000);
    sf_reason_add(&r, SF_TX_SECONDS_THE_LAST);
  }
  sf_reason_add(&r, message);
  return SF_OTA_ROLL_BACK;
}

void sf_ota_started(sf_Ota* ota, uint64_t nowMs, const char* startFailure) {
  ota->watching = true;
  sf_crashLoop_init(&ota->loop, ota->loopFailures, ota->loopWithinMs);
  if (ota->onTrial) {
    ota->trialUntil = nowMs + ota->grace_ms;
    if (startFailure) {
      ota->trialFailed = true;
      sf_Reason r = sf_reason_on(ota->reason, sizeof ota->reason);
      sf_reason_add(&r, SF_TX_ROLLED_BACK_AT_START);
      sf_reason_add(&r, startFailure);
    }
  }
}

const char* sf_ota_interrupted(const sf_Ota* ota) { return ota->interruptedJob[0] ? ota->interruptedJob : NULL; }

void sf_ota_interruptedReported(sf_Ota* ota) { ota->interruptedJob[0] = '\0'; }

static bool validJobId(const char* id) {
  size_t n = 0;
  for (; id[n] != '\0'; n++) {
    char c = id[n];
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    if (!ok || n >= SF_JOB_ID_MAX) return false;
  }
  return n > 0;
}

sf_OtaDecision sf_ota_consider(sf_Ota* ota, const char* jobId, const char* version, const char* engine, const char* thisEngine) {
  sf_Reason r = sf_reason_on(ota->reason, sizeof ota->reason);
  if (!validJobId(jobId)) {
    sf_reason_add(&r, SF_TX_JOB_ID_NOT_1_64);
    return SF_OTA_REJECT;
  }
  if (!sf_streq(engine, thisEngine)) {
    sf_reason_add(&r, SF_TX_PACKAGE_NEEDS_ENGINE);
    sf_reason_add(&r, engine);
    sf_reason_add(&r, SF_TX_THIS_FIRMWARE_RUNS);
    sf_reason_add(&r, thisEngine);
    return SF_OTA_REJECT;
  }
  if (ota->onTrial) {
    sf_reason_add(&r, SF_TX_ANOTHER_INSTALL_TRIAL);
    return SF_OTA_REJECT;
  }
  if (sf_streq(version, sf_ota_activeVersion(ota))) {
    sf_reason_add(&r, "already installed");
    return SF_OTA_ALREADY_INSTALLED;
  }
  return SF_OTA_PROCEED;
}

uint8_t* sf_ota_downloadBuffer(sf_Ota* ota, size_t* capacity) {
  *capacity = ota->capacity;
  return ota->buffers[sf_slots_inactive(&ota->slots)];
}

int sf_ota_stage(sf_Ota* ota, const char* jobId, size_t length, const char* docSha256, size_t docSize, const char* version, sf_DevicePackage* pkg) {
  int slot = sf_slots_inactive(&ota->slots);
  const uint8_t* bytes = ota->buffers[slot];
  char actual[SF_SHA256_HEX_CHARS + 1];
  sf_sha256_hex(bytes, length, actual);
  sf_Reason r = sf_reason_on(ota->reason, sizeof ota->reason);
  if (length != docSize || !sf_streq(actual, docSha256)) {
    sf_reason_add(&r, SF_TX_INTEGRITY_CHECK_FAILED_GOT);
    sf_reason_addUint(&r, length);
    sf_reason_add(&r, SF_TX_BYTES_WITH_SHA256);
    sf_reason_addShort(&r, actual);
    sf_reason_add(&r, SF_TX_JOB_DOCUMENT_SAYS);
    sf_reason_addUint(&r, docSize);
    sf_reason_add(&r, SF_TX_BYTES_WITH_SHA256);
    sf_reason_addShort(&r, docSha256);
    sf_reason_add(&r, SF_TX_RUNNING_APP_UNCHANGED);
    return -1;
  }
  char why[SF_OTA_REASON_MAX];
  if (sf_package_verify(bytes, length, version, ota->board, pkg, why, sizeof why) != 0) {
    sf_reason_add(&r, SF_TX_PACKAGE_REJECTED);
    sf_reason_add(&r, why);
    sf_reason_add(&r, SF_TX_RUNNING_APP_UNCHANGED);
    return -1;
  }
  if (readManifest(ota, pkg, why, sizeof why) != 0) {
    sf_reason_add(&r, SF_TX_PACKAGE_REJECTED);
    sf_reason_add(&r, why);
    sf_reason_add(&r, SF_TX_RUNNING_APP_UNCHANGED);
    return -1;
  }
  if (sf_slots_stage(&ota->slots, slot, bytes, length, version, why, sizeof why) != 0 || sf_slots_beginTrial(&ota->slots, slot, jobId, why, sizeof why) != 0) {
    sf_reason_add(&r, why);
    return -1;
  }
  placeForEngine(ota->buffers[slot], pkg);
  ota->onTrial = true;
  ota->trialFailed = false;
  ota->trialUntil = 0;
  ota->watching = false;
  sf_Reason j = sf_reason_on(ota->trialJob, sizeof ota->trialJob);
  sf_reason_add(&j, jobId);
  ota->running = slot;
  return 0;
}

sf_OtaAction sf_ota_poll(sf_Ota* ota, uint64_t nowMs) {
  if (!ota->onTrial || !ota->watching) return SF_OTA_NOTHING;
  char why[SF_OTA_REASON_MAX];
  if (ota->trialFailed) {
    ota->onTrial = false;
    ota->watching = false;
    ota->running = SF_SLOT_NONE;
    if (sf_slots_abandonTrial(&ota->slots, why, sizeof why) != 0) {
      sf_Reason r = sf_reason_on(ota->reason + sf_strlen(ota->reason), sizeof ota->reason - sf_strlen(ota->reason));
      sf_reason_add(&r, "; ");
      sf_reason_add(&r, why);
    }
    return SF_OTA_TRIAL_FAILED;
  }
  if (nowMs < ota->trialUntil) return SF_OTA_NOTHING;
  ota->onTrial = false;
  sf_Reason r = sf_reason_on(ota->reason, sizeof ota->reason);
  if (sf_slots_confirm(&ota->slots, why, sizeof why) != 0) {
    /* The app runs but storage refused the switch: after a restart the previous slot boots. */
    sf_reason_add(&r, why);
    return SF_OTA_TRIAL_FAILED;
  }
  return SF_OTA_TRIAL_PASSED;
}

int sf_ota_rollBack(sf_Ota* ota, sf_DevicePackage* pkg) {
  const char* failing = sf_ota_activeVersion(ota);
  char cause[SF_OTA_REASON_MAX];
  sf_Reason c = sf_reason_on(cause, sizeof cause);
  sf_reason_add(&c, ota->reason);
  sf_Reason r = sf_reason_on(ota->reason, sizeof ota->reason);
  int previous = sf_slots_previous(&ota->slots);
  char why[SF_OTA_REASON_MAX];
  if (previous == SF_SLOT_NONE || load(ota, previous, pkg, why, sizeof why) != 0) {
    sf_reason_add(&r, "version ");
    sf_reason_addShort(&r, failing);
    sf_reason_add(&r, previous == SF_SLOT_NONE ? SF_TX_FAILING_THERE_NO_PREVIOUS_VERSION : SF_TX_FAILING_PREVIOUS_SLOT_UNUSABLE);
    sf_reason_add(&r, cause);
    return -1;
  }
  sf_reason_add(&r, SF_TX_ROLLED_BACK_FROM_VERSION);
  sf_reason_addShort(&r, failing);
  sf_reason_add(&r, " to ");
  sf_reason_addShort(&r, ota->slots.state.versions[previous]);
  sf_reason_add(&r, ": ");
  sf_reason_add(&r, cause);
  if (sf_slots_rollBackTo(&ota->slots, previous, why, sizeof why) != 0) {
    sf_reason_add(&r, "; ");
    sf_reason_add(&r, why);
  }
  ota->running = previous;
  return 1;
}
