/* A/B slots on the device's storage (hal/storage.h): the running app's package stays in the
 * active slot while an update is staged in the other, so a failed update can always go back to
 * a known-good app (firmware/ota/slotStore.ts does the same for the TypeScript device).
 *
 * The state blob ("ota.state") names the active slot, the version in each slot, and the install
 * on trial (booted, not yet confirmed). Every storage write is atomic, and the order of writes
 * keeps the state true after a power cut at any point: a slot is first forgotten, then written,
 * then recorded; a trial is recorded before the new app starts and cleared when it is confirmed
 * or rolled back. A checksum line catches a state blob damaged in storage. */
#ifndef SF_OTA_SLOT_STORE_H
#define SF_OTA_SLOT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hal/storage.h"
#include "sha256.h"

#define SF_SLOT_NONE (-1)
/* AWS IoT job ids: at most 64 characters (docs/aws-iot.md). */
#define SF_JOB_ID_MAX 64

typedef struct {
  /* SF_SLOT_NONE, 0 (a) or 1 (b). */
  int active;
  /* Version (the snapshot's sha256) in each slot; "" when the slot holds nothing usable. */
  char versions[2][SF_SHA256_HEX_CHARS + 1];
  /* The slot booted on trial and the job that installs it; SF_SLOT_NONE when no trial. */
  int trial;
  char trialJob[SF_JOB_ID_MAX + 1];
} sf_SlotState;

typedef struct {
  hal_Storage* storage;
  sf_SlotState state;
} sf_SlotStore;

/* Loads the state (none yet: empty). Returns 0, or -1 with `error` when the state blob is
 * unreadable or damaged; the store then starts empty and the next save replaces the blob. */
int sf_slots_open(sf_SlotStore* store, hal_Storage* storage, char* error, size_t errorSize);

const char* sf_slots_activeVersion(const sf_SlotStore* store);
int sf_slots_inactive(const sf_SlotStore* store);
/* The other slot when it holds an earlier version to go back to, else SF_SLOT_NONE. */
int sf_slots_previous(const sf_SlotStore* store);
const char* sf_slot_name(int slot);

/* Reads a slot's package into buffer; 0, or -1 with `error`. */
int sf_slots_read(sf_SlotStore* store, int slot, uint8_t* buffer, size_t capacity, size_t* length, char* error, size_t errorSize);

/* Writes a verified package into `slot` (never the active one) with its version. */
int sf_slots_stage(sf_SlotStore* store, int slot, const uint8_t* bytes, size_t length, const char* version, char* error, size_t errorSize);
/* Records that `slot` boots on trial for job `jobId` (before the app starts). */
int sf_slots_beginTrial(sf_SlotStore* store, int slot, const char* jobId, char* error, size_t errorSize);
/* The trial passed: `slot` is active from now on. */
int sf_slots_confirm(sf_SlotStore* store, char* error, size_t errorSize);
/* The trial failed (or a restart interrupted it): the staged version is forgotten. */
int sf_slots_abandonTrial(sf_SlotStore* store, char* error, size_t errorSize);
/* Goes back to `slot` and forgets the failed active version, so a failure of the version
 * rolled back to can't swap the failed one back in. */
int sf_slots_rollBackTo(sf_SlotStore* store, int slot, char* error, size_t errorSize);

/* The state as text and back (the blob's format; exposed for the fuzzer and tests). */
size_t sf_slots_encode(const sf_SlotState* state, char* out, size_t capacity);
int sf_slots_decode(const char* text, size_t length, sf_SlotState* state);

#endif
