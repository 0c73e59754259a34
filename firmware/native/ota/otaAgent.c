#include "otaAgent.h"

#include "otaText.h"
#include "sha256.h"

int sf_ota_open(sf_ota *ota, hal_Storage *storage, uint8_t *buffer_a, uint8_t *buffer_b, size_t capacity, uint32_t grace_ms, uint32_t loop_failures, uint32_t loop_within_ms, char *error, size_t error_size) {
  ota->buffers[0] = buffer_a;
  ota->buffers[1] = buffer_b;
  ota->capacity = capacity;
  ota->grace_ms = grace_ms;
  ota->running = SF_SLOT_NONE;
  ota->watching = false;
  ota->on_trial = false;
  ota->trial_until = 0;
  ota->trial_job[0] = '\0';
  ota->trial_failed = false;
  ota->interrupted_job[0] = '\0';
  ota->reason[0] = '\0';
  sf_text e = sf_text_on(error, error_size);
  if (sf_crash_loop_init(&ota->loop, loop_failures, loop_within_ms) != 0) {
    sf_text_add(&e, "crash loop: failures must be a whole number from 1 to 32 and the window above 0 ms");
    return -1;
  }
  ota->loop_failures = loop_failures;
  ota->loop_within_ms = loop_within_ms;
  int opened = sf_slots_open(&ota->slots, storage, error, error_size);
  sf_slot_state *s = &ota->slots.state;
  if (opened == 0 && s->trial != SF_SLOT_NONE) {
    sf_text j = sf_text_on(ota->interrupted_job, sizeof ota->interrupted_job);
    sf_text_add(&j, s->trial_job);
    sf_text r = sf_text_on(ota->reason, sizeof ota->reason);
    sf_text_add(&r, "the device restarted while version ");
    sf_text_add_short(&r, s->versions[s->trial]);
    sf_text_add(&r, " was on trial (a crash or power cut before its grace period ended); it was rolled back");
    char ignored[SF_OTA_REASON_MAX];
    if (sf_slots_abandon_trial(&ota->slots, ignored, sizeof ignored) != 0) {
      sf_text_add(&e, ignored);
      return -1;
    }
  }
  return opened;
}

const char *sf_ota_active_version(const sf_ota *ota) { return sf_slots_active_version(&ota->slots); }

/* Reads and verifies one slot into its buffer. */
static int load(sf_ota *ota, int slot, sf_device_package *pkg, char *error, size_t error_size) {
  size_t length = 0;
  if (sf_slots_read(&ota->slots, slot, ota->buffers[slot], ota->capacity, &length, error, error_size) != 0) return -1;
  return sf_package_verify(ota->buffers[slot], length, ota->slots.state.versions[slot], pkg, error, error_size);
}

int sf_ota_installed(sf_ota *ota, sf_device_package *pkg, char *error, size_t error_size) {
  sf_text e = sf_text_on(error, error_size);
  int active = ota->slots.state.active;
  if (active == SF_SLOT_NONE) return 0;
  char why[SF_OTA_REASON_MAX];
  if (load(ota, active, pkg, why, sizeof why) == 0) {
    ota->running = active;
    return 1;
  }
  const char *damaged = ota->slots.state.versions[active];
  sf_text_add(&e, "slot ");
  sf_text_add(&e, sf_slot_name(active));
  sf_text_add(&e, " (version ");
  sf_text_add_short(&e, damaged);
  sf_text_add(&e, ") is unusable: ");
  sf_text_add(&e, why);
  int previous = sf_slots_previous(&ota->slots);
  char ignored[SF_OTA_REASON_MAX];
  if (previous != SF_SLOT_NONE && load(ota, previous, pkg, why, sizeof why) == 0) {
    if (sf_slots_roll_back_to(&ota->slots, previous, ignored, sizeof ignored) != 0) {
      sf_text_add(&e, "; ");
      sf_text_add(&e, ignored);
      return -1;
    }
    sf_text_add(&e, "; rolled back to version ");
    sf_text_add_short(&e, ota->slots.state.versions[previous]);
    ota->running = previous;
    return 1;
  }
  /* Nothing good is left: forget both so the next install starts clean. */
  ota->slots.state.versions[0][0] = '\0';
  ota->slots.state.versions[1][0] = '\0';
  if (sf_slots_roll_back_to(&ota->slots, SF_SLOT_NONE, ignored, sizeof ignored) != 0) {
    sf_text_add(&e, "; ");
    sf_text_add(&e, ignored);
  }
  sf_text_add(&e, "; no app is installed now");
  return -1;
}

sf_ota_action sf_ota_app_failed(sf_ota *ota, uint64_t now_ms, const char *message, bool fatal) {
  if (!ota->watching) return SF_OTA_NOTHING;
  if (ota->on_trial) {
    if (!ota->trial_failed) {
      ota->trial_failed = true;
      sf_text r = sf_text_on(ota->reason, sizeof ota->reason);
      sf_text_add(&r, "the new app failed and was rolled back: within the grace period: ");
      sf_text_add(&r, message);
    }
    return SF_OTA_NOTHING;
  }
  bool loop = sf_crash_loop_record(&ota->loop, now_ms);
  if (!loop && !fatal) return SF_OTA_NOTHING;
  ota->watching = false;
  sf_text r = sf_text_on(ota->reason, sizeof ota->reason);
  if (fatal) {
    sf_text_add(&r, "the app stopped: ");
  } else {
    sf_text_add(&r, "crash loop (");
    sf_text_add_uint(&r, ota->loop_failures);
    sf_text_add(&r, " failures within ");
    sf_text_add_uint(&r, ota->loop_within_ms / 1000);
    sf_text_add(&r, " s), the last: ");
  }
  sf_text_add(&r, message);
  return SF_OTA_ROLL_BACK;
}

void sf_ota_started(sf_ota *ota, uint64_t now_ms, const char *start_failure) {
  ota->watching = true;
  sf_crash_loop_init(&ota->loop, ota->loop_failures, ota->loop_within_ms);
  if (ota->on_trial) {
    ota->trial_until = now_ms + ota->grace_ms;
    if (start_failure) {
      ota->trial_failed = true;
      sf_text r = sf_text_on(ota->reason, sizeof ota->reason);
      sf_text_add(&r, "the new app failed and was rolled back: start: ");
      sf_text_add(&r, start_failure);
    }
  }
}

const char *sf_ota_interrupted(const sf_ota *ota) { return ota->interrupted_job[0] ? ota->interrupted_job : NULL; }

void sf_ota_interrupted_reported(sf_ota *ota) { ota->interrupted_job[0] = '\0'; }

static bool valid_job_id(const char *id) {
  size_t n = 0;
  for (; id[n] != '\0'; n++) {
    char c = id[n];
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    if (!ok || n >= SF_JOB_ID_MAX) return false;
  }
  return n > 0;
}

sf_ota_decision sf_ota_consider(sf_ota *ota, const char *job_id, const char *version, const char *engine, const char *this_engine) {
  sf_text r = sf_text_on(ota->reason, sizeof ota->reason);
  if (!valid_job_id(job_id)) {
    sf_text_add(&r, "job id is not 1 to 64 characters of [a-zA-Z0-9_-]");
    return SF_OTA_REJECT;
  }
  if (!sf_text_equal(engine, this_engine)) {
    sf_text_add(&r, "the package needs engine ");
    sf_text_add(&r, engine);
    sf_text_add(&r, "; this firmware runs ");
    sf_text_add(&r, this_engine);
    return SF_OTA_REJECT;
  }
  if (ota->on_trial) {
    sf_text_add(&r, "another install is on trial");
    return SF_OTA_REJECT;
  }
  if (sf_text_equal(version, sf_ota_active_version(ota))) {
    sf_text_add(&r, "already installed");
    return SF_OTA_ALREADY_INSTALLED;
  }
  return SF_OTA_PROCEED;
}

uint8_t *sf_ota_download_buffer(sf_ota *ota, size_t *capacity) {
  *capacity = ota->capacity;
  return ota->buffers[sf_slots_inactive(&ota->slots)];
}

int sf_ota_stage(sf_ota *ota, const char *job_id, size_t length, const char *doc_sha256, size_t doc_size, const char *version, sf_device_package *pkg) {
  int slot = sf_slots_inactive(&ota->slots);
  const uint8_t *bytes = ota->buffers[slot];
  char actual[SF_SHA256_HEX_CHARS + 1];
  sf_sha256_hex(bytes, length, actual);
  sf_text r = sf_text_on(ota->reason, sizeof ota->reason);
  if (length != doc_size || !sf_text_equal(actual, doc_sha256)) {
    sf_text_add(&r, "integrity check failed: got ");
    sf_text_add_uint(&r, length);
    sf_text_add(&r, " bytes with sha256 ");
    sf_text_add_short(&r, actual);
    sf_text_add(&r, ", the job document says ");
    sf_text_add_uint(&r, doc_size);
    sf_text_add(&r, " bytes with sha256 ");
    sf_text_add_short(&r, doc_sha256);
    sf_text_add(&r, "; the running app is unchanged");
    return -1;
  }
  char why[SF_OTA_REASON_MAX];
  if (sf_package_verify(bytes, length, version, pkg, why, sizeof why) != 0) {
    sf_text_add(&r, "package rejected: ");
    sf_text_add(&r, why);
    sf_text_add(&r, "; the running app is unchanged");
    return -1;
  }
  if (sf_slots_stage(&ota->slots, slot, bytes, length, version, why, sizeof why) != 0 || sf_slots_begin_trial(&ota->slots, slot, job_id, why, sizeof why) != 0) {
    sf_text_add(&r, why);
    return -1;
  }
  ota->on_trial = true;
  ota->trial_failed = false;
  ota->trial_until = 0;
  ota->watching = false;
  sf_text j = sf_text_on(ota->trial_job, sizeof ota->trial_job);
  sf_text_add(&j, job_id);
  ota->running = slot;
  return 0;
}

sf_ota_action sf_ota_poll(sf_ota *ota, uint64_t now_ms) {
  if (!ota->on_trial || !ota->watching) return SF_OTA_NOTHING;
  char why[SF_OTA_REASON_MAX];
  if (ota->trial_failed) {
    ota->on_trial = false;
    ota->watching = false;
    ota->running = SF_SLOT_NONE;
    if (sf_slots_abandon_trial(&ota->slots, why, sizeof why) != 0) {
      sf_text r = sf_text_on(ota->reason + sf_text_length(ota->reason), sizeof ota->reason - sf_text_length(ota->reason));
      sf_text_add(&r, "; ");
      sf_text_add(&r, why);
    }
    return SF_OTA_TRIAL_FAILED;
  }
  if (now_ms < ota->trial_until) return SF_OTA_NOTHING;
  ota->on_trial = false;
  sf_text r = sf_text_on(ota->reason, sizeof ota->reason);
  if (sf_slots_confirm(&ota->slots, why, sizeof why) != 0) {
    /* The app runs but storage refused the switch: after a restart the previous slot boots. */
    sf_text_add(&r, why);
    return SF_OTA_TRIAL_FAILED;
  }
  return SF_OTA_TRIAL_PASSED;
}

int sf_ota_roll_back(sf_ota *ota, sf_device_package *pkg) {
  const char *failing = sf_ota_active_version(ota);
  char cause[SF_OTA_REASON_MAX];
  sf_text c = sf_text_on(cause, sizeof cause);
  sf_text_add(&c, ota->reason);
  sf_text r = sf_text_on(ota->reason, sizeof ota->reason);
  int previous = sf_slots_previous(&ota->slots);
  char why[SF_OTA_REASON_MAX];
  if (previous == SF_SLOT_NONE || load(ota, previous, pkg, why, sizeof why) != 0) {
    sf_text_add(&r, "version ");
    sf_text_add_short(&r, failing);
    sf_text_add(&r, previous == SF_SLOT_NONE ? " is failing and there is no previous version to roll back to: " : " is failing and the previous slot is unusable: ");
    sf_text_add(&r, cause);
    return -1;
  }
  sf_text_add(&r, "rolled back from version ");
  sf_text_add_short(&r, failing);
  sf_text_add(&r, " to ");
  sf_text_add_short(&r, ota->slots.state.versions[previous]);
  sf_text_add(&r, ": ");
  sf_text_add(&r, cause);
  if (sf_slots_roll_back_to(&ota->slots, previous, why, sizeof why) != 0) {
    sf_text_add(&r, "; ");
    sf_text_add(&r, why);
  }
  ota->running = previous;
  return 1;
}
