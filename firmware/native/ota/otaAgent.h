/* The device's OTA decisions, Microvisor-style (the supervisor, not the app, installs updates),
 * as firmware/ota/otaAgent.ts makes them for the TypeScript device. Portable: the port speaks
 * the Jobs MQTT API and downloads (ports/posix/net/), this file decides and keeps the slots.
 *
 * An install: check the job's engine and version → the port downloads into the inactive slot's
 * buffer → check size and sha256 against the job document, the snapshot against the version →
 * stage in the inactive slot and record the trial → the port stops the running app and starts
 * the new one → watch it for the grace period. A failure at start or within the grace period
 * rolls back (FAILED with the reason); otherwise the slot becomes active (SUCCEEDED). After that
 * a crash loop (crashLoop.h) or a fatal engine error rolls back to the previous slot. A restart
 * during a trial (power cut, crash of the whole device) boots the previous slot and reports the
 * job FAILED, as MCUboot reverts an unconfirmed test image. */
#ifndef SF_OTA_AGENT_H
#define SF_OTA_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crashLoop.h"
#include "devicePackage.h"
#include "slotStore.h"

#define SF_OTA_REASON_MAX 512
#define SF_OTA_DEFAULT_GRACE_MS 5000

typedef enum {
  /* Go ahead: download into sf_ota_downloadBuffer. */
  SF_OTA_PROCEED = 0,
  /* The version is running already: SUCCEEDED without a download. */
  SF_OTA_ALREADY_INSTALLED = 1,
  /* The job can't be installed here (engine, job id): REJECTED with the reason. */
  SF_OTA_REJECT = 2,
} sf_OtaDecision;

typedef enum {
  SF_OTA_NOTHING = 0,
  /* The trial passed: report SUCCEEDED for trialJob. */
  SF_OTA_TRIAL_PASSED = 1,
  /* The trial failed: report FAILED for trialJob with the reason, boot sf_ota_installed. */
  SF_OTA_TRIAL_FAILED = 2,
  /* The confirmed app crash-loops or stopped: boot sf_ota_rollBack's package, log the reason. */
  SF_OTA_ROLL_BACK = 3,
} sf_OtaAction;

typedef struct {
  sf_SlotStore slots;
  /* One buffer per slot, word-aligned (malloc's): the running app's snapshot stays at the start
   * of its slot's buffer while it runs (the engine reads bytecode in place). */
  uint8_t* buffers[2];
  size_t capacity;
  uint32_t grace_ms;
  uint32_t loopFailures;
  uint32_t loopWithinMs;
  sf_CrashLoop loop;
  /* The app running now: its slot (SF_SLOT_NONE: none) and whether the agent still watches it. */
  int running;
  bool watching;
  /* The trial in progress. */
  bool onTrial;
  uint64_t trialUntil;
  char trialJob[SF_JOB_ID_MAX + 1];
  bool trialFailed;
  /* A trial a restart interrupted: reported FAILED once the port is connected. */
  char interruptedJob[SF_JOB_ID_MAX + 1];
  char reason[SF_OTA_REASON_MAX];
  /* Called with a verified package's manifest JSON before the snapshot moves over it, for a host
   * that reads more of it than sf_Manifest holds (the networked device: its settings); false
   * refuses the package with `error`. NULL (sf_ota_open's default): none. Set after sf_ota_open. */
  bool (*readManifest)(void* context, const uint8_t* json, size_t length, char* error, size_t errorSize);
  void* readManifestContext;
  /* The board this device is: a package built for another is refused at install (FAILED, the
   * running slot untouched) and at boot (the slot is unusable), before the engine sees it
   * (sf_package_verify). NULL (sf_ota_open's default): any board. Set after sf_ota_open. */
  const sf_DeviceBoard* board;
} sf_Ota;

/* Opens the slots. `error` tells about a damaged state (the agent then starts empty). */
int sf_ota_open(sf_Ota* ota, hal_Storage* storage, uint8_t* bufferA, uint8_t* bufferB, size_t capacity, uint32_t grace_ms, uint32_t loopFailures, uint32_t loopWithinMs, char* error, size_t errorSize);

/* The installed app, read and verified: 1 with `pkg`, 0 when none is installed, -1 with `error`
 * when no slot holds a good package any more (each damaged slot is forgotten). When the active
 * slot is damaged and the other holds an earlier version, that one is made active and `error`
 * says so (return 1). */
int sf_ota_installed(sf_Ota* ota, sf_DevicePackage* pkg, char* error, size_t errorSize);
const char* sf_ota_activeVersion(const sf_Ota* ota);

/* The app from sf_ota_installed / sf_ota_stage / sf_ota_rollBack started at `nowMs`
 * (`startFailure`: NULL, or why it failed at start). */
void sf_ota_started(sf_Ota* ota, uint64_t nowMs, const char* startFailure);
/* The running app's callback failed; returns SF_OTA_ROLL_BACK when the port must roll back. */
sf_OtaAction sf_ota_appFailed(sf_Ota* ota, uint64_t nowMs, const char* message, bool fatal);

/* A trial interrupted by a restart (job id, reason in ota->reason), or NULL. Clear with
 * sf_ota_interruptedReported once FAILED was sent. */
const char* sf_ota_interrupted(const sf_Ota* ota);
void sf_ota_interruptedReported(sf_Ota* ota);

/* Whether to install version `version` for engine `engine` (reason in ota->reason). */
sf_OtaDecision sf_ota_consider(sf_Ota* ota, const char* jobId, const char* version, const char* engine, const char* thisEngine);
uint8_t* sf_ota_downloadBuffer(sf_Ota* ota, size_t* capacity);
/* Checks the downloaded `length` bytes (in the download buffer) against the document, stages
 * them and starts the trial: 0 with `pkg` to boot (stop the running app first), or -1 with the
 * FAILED reason in ota->reason (the running app is unchanged). */
int sf_ota_stage(sf_Ota* ota, const char* jobId, size_t length, const char* docSha256, size_t docSize, const char* version, sf_DevicePackage* pkg);

/* Time passes: ends the trial when its grace period is over or the new app failed. */
sf_OtaAction sf_ota_poll(sf_Ota* ota, uint64_t nowMs);

/* After SF_OTA_ROLL_BACK: switches the slots; 1 with the package to boot, -1 with the reason
 * when the previous slot can't be used (the failing app keeps the device). */
int sf_ota_rollBack(sf_Ota* ota, sf_DevicePackage* pkg);

#endif
