/* Checks ota/ on real device packages with a storage that can lose power: the A/B slots, the
 * state blob and its checksum, trials, rollbacks and the crash-loop rule. Power cuts are made
 * at every storage write of an install: the storage keeps only the writes that completed (each
 * one atomic, as hal/storage.h promises), the device "reboots" on it and must find a
 * consistent state: the old version, or the new one only once its trial was confirmed.
 *
 *   otaCheck V1.sfpk V2.sfpk ENGINE_ID
 * Prints "ota: N checks passed", or the first failed check and exits 1. Built and run by
 * firmware/native/ota/ota.test.ts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../otaAgent.h"
#include "../sha256.h"

#define BLOBS 4
#define NAME 64

/* --- a storage in memory that can lose power ------------------------------------------- */

typedef struct {
  hal_Storage base;
  char names[BLOBS][NAME];
  uint8_t* data[BLOBS];
  size_t length[BLOBS];
  /* Writes that still complete; -1: no limit. After that every write fails (power is gone). */
  long writesLeft;
  long writes;
} MemoryStorage;

static int find(MemoryStorage* m, const char* name) {
  for (int i = 0; i < BLOBS; i++) {
    if (m->data[i] && strcmp(m->names[i], name) == 0) return i;
  }
  return -1;
}

static hal_StorageResult readBlob(hal_Storage* s, const char* name, uint8_t* buffer, size_t capacity, size_t* length) {
  MemoryStorage* m = (MemoryStorage*)s;
  int i = find(m, name);
  if (i < 0) return HAL_STORAGE_NOT_FOUND;
  *length = m->length[i];
  if (m->length[i] > capacity) return HAL_STORAGE_TOO_LARGE;
  memcpy(buffer, m->data[i], m->length[i]);
  return HAL_STORAGE_OK;
}

static hal_StorageResult writeBlob(hal_Storage* s, const char* name, const uint8_t* data, size_t length) {
  MemoryStorage* m = (MemoryStorage*)s;
  if (m->writesLeft == 0) return HAL_STORAGE_IO_ERROR;
  if (m->writesLeft > 0) m->writesLeft--;
  m->writes++;
  int i = find(m, name);
  if (i < 0) {
    for (i = 0; i < BLOBS && m->data[i]; i++) {}
    snprintf(m->names[i], NAME, "%s", name);
  } else {
    free(m->data[i]);
  }
  m->data[i] = malloc(length ? length : 1);
  memcpy(m->data[i], data, length);
  m->length[i] = length;
  return HAL_STORAGE_OK;
}

static hal_StorageResult removeBlob(hal_Storage* s, const char* name) {
  MemoryStorage* m = (MemoryStorage*)s;
  int i = find(m, name);
  if (i < 0) return HAL_STORAGE_NOT_FOUND;
  free(m->data[i]);
  m->data[i] = NULL;
  return HAL_STORAGE_OK;
}

static const hal_StorageOps MEMORY_OPS = {readBlob, writeBlob, removeBlob};

static void storageInit(MemoryStorage* m) {
  memset(m, 0, sizeof *m);
  m->base.ops = &MEMORY_OPS;
  m->writesLeft = -1;
}

static void storageCopy(MemoryStorage* to, const MemoryStorage* from) {
  storageInit(to);
  for (int i = 0; i < BLOBS; i++) {
    if (!from->data[i]) continue;
    memcpy(to->names[i], from->names[i], NAME);
    to->data[i] = malloc(from->length[i] ? from->length[i] : 1);
    memcpy(to->data[i], from->data[i], from->length[i]);
    to->length[i] = from->length[i];
  }
}

static void storageFree(MemoryStorage* m) {
  for (int i = 0; i < BLOBS; i++) free(m->data[i]);
}

/* --- checks ---------------------------------------------------------------------------- */

static int checks = 0;
#define CHECK(condition, ...)                                   \
  do {                                                          \
    checks++;                                                   \
    if (!(condition)) {                                         \
      fprintf(stderr, "otaCheck:%d: %s: ", __LINE__, #condition); \
      fprintf(stderr, __VA_ARGS__);                             \
      fputc('\n', stderr);                                      \
      exit(1);                                                  \
    }                                                           \
  } while (0)

typedef struct {
  uint8_t* bytes;
  size_t length;
  char sha256[65];
  char version[65];
} Package;

static Package load(const char* path) {
  Package p = {0};
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "otaCheck: can't read %s\n", path);
    exit(2);
  }
  p.bytes = malloc(SF_PACKAGE_MAX_BYTES);
  p.length = fread(p.bytes, 1, SF_PACKAGE_MAX_BYTES, f);
  fclose(f);
  sf_sha256_hex(p.bytes, p.length, p.sha256);
  sf_DevicePackage parsed;
  char error[300];
  if (sf_package_parse(p.bytes, p.length, &parsed, error, sizeof error) != 0) {
    fprintf(stderr, "otaCheck: %s: %s\n", path, error);
    exit(2);
  }
  memcpy(p.version, parsed.manifest.version, 65);
  return p;
}

static uint8_t bufferA[SF_PACKAGE_MAX_BYTES];
static uint8_t bufferB[SF_PACKAGE_MAX_BYTES];
static const char* engine;

static int openOta(sf_Ota* ota, MemoryStorage* storage, char* note) {
  return sf_ota_open(ota, &storage->base, bufferA, bufferB, SF_PACKAGE_MAX_BYTES, 1000, 5, 60000, note, 600);
}

/* Downloads (copies) and stages a package as job `jobId`; 0 when staged. */
static int stage(sf_Ota* ota, const char* jobId, const Package* p, const char* docSha, size_t docSize) {
  sf_OtaDecision decision = sf_ota_consider(ota, jobId, p->version, engine, engine);
  if (decision != SF_OTA_PROCEED) return -2;
  size_t capacity;
  uint8_t* buffer = sf_ota_downloadBuffer(ota, &capacity);
  memcpy(buffer, p->bytes, p->length);
  sf_DevicePackage pkg;
  return sf_ota_stage(ota, jobId, p->length, docSha ? docSha : p->sha256, docSize ? docSize : p->length, p->version, &pkg);
}

/* A full install that passes its grace period. */
static void install(sf_Ota* ota, const char* jobId, const Package* p, uint64_t now) {
  CHECK(stage(ota, jobId, p, NULL, 0) == 0, "staging %s: %s", jobId, ota->reason);
  sf_ota_started(ota, now, NULL);
  CHECK(sf_ota_poll(ota, now + 10) == SF_OTA_NOTHING, "still in the grace period");
  CHECK(sf_ota_poll(ota, now + 1000) == SF_OTA_TRIAL_PASSED, "grace period over: %s", ota->reason);
}

static const char* installedVersion(sf_Ota* ota) {
  sf_DevicePackage pkg;
  char error[600];
  int r = sf_ota_installed(ota, &pkg, error, sizeof error);
  if (r != 1) return r == 0 ? "none" : "error";
  CHECK(strcmp(pkg.manifest.version, sf_ota_activeVersion(ota)) == 0, "the booted package is the active version");
  CHECK(((uintptr_t)pkg.snapshot & 7) == 0, "the snapshot is word-aligned for the engine");
  return sf_ota_activeVersion(ota);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: otaCheck V1.sfpk V2.sfpk ENGINE_ID\n");
    return 2;
  }
  Package v1 = load(argv[1]), v2 = load(argv[2]);
  engine = argv[3];
  char note[600];
  sf_Ota ota;

  /* A fresh device: nothing installed. */
  MemoryStorage base;
  storageInit(&base);
  CHECK(openOta(&ota, &base, note) == 0, "a fresh storage opens: %s", note);
  CHECK(strcmp(installedVersion(&ota), "none") == 0, "nothing installed");

  /* Jobs it refuses before downloading. */
  CHECK(sf_ota_consider(&ota, "job-1", v1.version, "microvium-0.0.0/bytecode-1", engine) == SF_OTA_REJECT, "another engine");
  CHECK(strstr(ota.reason, "the package needs engine microvium-0.0.0/bytecode-1; this firmware runs ") != NULL, "%s", ota.reason);
  CHECK(sf_ota_consider(&ota, "job id with spaces", v1.version, engine, engine) == SF_OTA_REJECT, "a bad job id");

  /* Integrity: a document that doesn't match the bytes; a package whose snapshot doesn't match
   * its manifest (its document signed over the tampered bytes). */
  int staged = stage(&ota, "job-1", &v1, v2.sha256, 0);
  CHECK(staged == -1, "the document's sha256 is another package's: %d %s", staged, ota.reason);
  CHECK(strstr(ota.reason, "integrity check failed") && strstr(ota.reason, "the running app is unchanged"), "%s", ota.reason);
  Package tampered = v1;
  tampered.bytes = malloc(v1.length);
  memcpy(tampered.bytes, v1.bytes, v1.length);
  tampered.bytes[v1.length - 3] ^= 0x40;
  sf_sha256_hex(tampered.bytes, tampered.length, tampered.sha256);
  CHECK(stage(&ota, "job-1", &tampered, NULL, 0) == -1, "a tampered snapshot");
  CHECK(strstr(ota.reason, "package rejected: device snapshot in the package of") != NULL, "%s", ota.reason);
  CHECK(strcmp(installedVersion(&ota), "none") == 0, "still nothing installed");

  /* v1, then v2: the second goes to the other slot, v1 stays to roll back to. */
  install(&ota, "job-1", &v1, 1000);
  CHECK(strcmp(installedVersion(&ota), v1.version) == 0, "v1 active");
  CHECK(sf_ota_consider(&ota, "job-1b", v1.version, engine, engine) == SF_OTA_ALREADY_INSTALLED, "v1 again is already installed");
  MemoryStorage onV1;
  storageCopy(&onV1, &base);

  /* A failing start: FAILED, v1 stays active, v2 is forgotten. */
  CHECK(stage(&ota, "job-2", &v2, NULL, 0) == 0, "v2 staged: %s", ota.reason);
  sf_ota_started(&ota, 5000, "Start failed: sensor not found");
  CHECK(sf_ota_poll(&ota, 5001) == SF_OTA_TRIAL_FAILED, "a start failure fails the trial");
  CHECK(strstr(ota.reason, "the new app failed and was rolled back: start: Start failed: sensor not found") != NULL, "%s", ota.reason);
  CHECK(strcmp(installedVersion(&ota), v1.version) == 0, "v1 still active");
  CHECK(sf_slots_previous(&ota.slots) == SF_SLOT_NONE, "the failed version is not kept to roll back to");

  /* A failure within the grace period. */
  CHECK(stage(&ota, "job-3", &v2, NULL, 0) == 0, "v2 staged again");
  sf_ota_started(&ota, 6000, NULL);
  CHECK(sf_ota_appFailed(&ota, 6100, "timer failed", false) == SF_OTA_NOTHING, "the trial decides, not the crash loop");
  CHECK(sf_ota_poll(&ota, 6200) == SF_OTA_TRIAL_FAILED, "a failure within the grace period");
  CHECK(strstr(ota.reason, "within the grace period: timer failed") != NULL, "%s", ota.reason);
  CHECK(strcmp(installedVersion(&ota), v1.version) == 0, "v1 still active");

  /* v2 confirmed; then a crash loop (5 within 60 s) rolls back to v1 and forgets v2. */
  install(&ota, "job-4", &v2, 10000);
  CHECK(strcmp(installedVersion(&ota), v2.version) == 0, "v2 active");
  sf_ota_started(&ota, 12000, NULL);
  for (int i = 0; i < 4; i++) CHECK(sf_ota_appFailed(&ota, 20000 + 20000 * (uint64_t)i, "tick failed", false) == SF_OTA_NOTHING, "failure %d of a slow series", i);
  CHECK(sf_ota_appFailed(&ota, 100000, "tick failed", false) == SF_OTA_NOTHING, "5 failures over 80 s are no loop");
  CHECK(sf_ota_appFailed(&ota, 100100, "tick failed", false) == SF_OTA_NOTHING, "the last 5 span 60.1 s");
  CHECK(sf_ota_appFailed(&ota, 100150, "tick failed", false) == SF_OTA_ROLL_BACK, "the last 5 within 60 s (from 60 s to 100.15 s)");
  sf_DevicePackage back;
  CHECK(sf_ota_rollBack(&ota, &back) == 1, "roll back: %s", ota.reason);
  CHECK(strstr(ota.reason, "rolled back from version ") && strstr(ota.reason, "crash loop (5 failures within 60 s), the last: tick failed"), "%s", ota.reason);
  CHECK(strcmp(back.manifest.version, v1.version) == 0 && strcmp(sf_ota_activeVersion(&ota), v1.version) == 0, "v1 active again");
  CHECK(sf_slots_previous(&ota.slots) == SF_SLOT_NONE, "v2 can't be swapped back in");
  sf_ota_started(&ota, 100300, NULL);
  CHECK(sf_ota_appFailed(&ota, 100400, "the engine stopped", true) == SF_OTA_ROLL_BACK, "a fatal error rolls back at once");
  CHECK(sf_ota_rollBack(&ota, &back) == -1 && strstr(ota.reason, "there is no previous version to roll back to"), "%s", ota.reason);
  storageFree(&base);

  /* Power cuts at every write of installing v2 over v1 (stage, trial, confirm). */
  long writesOfAnInstall = 0;
  {
    MemoryStorage s;
    storageCopy(&s, &onV1);
    CHECK(openOta(&ota, &s, note) == 0, "reopen");
    installedVersion(&ota);
    long before = s.writes;
    install(&ota, "job-5", &v2, 1000);
    writesOfAnInstall = s.writes - before;
    storageFree(&s);
  }
  CHECK(writesOfAnInstall >= 4, "an install writes forget, slot, record, trial, confirm (%ld)", writesOfAnInstall);
  for (long cut = 0; cut <= writesOfAnInstall; cut++) {
    MemoryStorage s;
    storageCopy(&s, &onV1);
    CHECK(openOta(&ota, &s, note) == 0, "reopen");
    installedVersion(&ota);
    s.writesLeft = cut;
    if (stage(&ota, "job-6", &v2, NULL, 0) == 0) {
      sf_ota_started(&ota, 1000, NULL);
      sf_ota_poll(&ota, 5000);
    }
    bool confirmed = strcmp(sf_ota_activeVersion(&ota), v2.version) == 0 && cut == writesOfAnInstall;
    /* Power back: the device boots on whatever the storage kept. */
    s.writesLeft = -1;
    sf_Ota rebooted;
    CHECK(openOta(&rebooted, &s, note) == 0, "after a cut at write %ld the state opens: %s", cut, note);
    const char* v = installedVersion(&rebooted);
    CHECK(strcmp(v, confirmed ? v2.version : v1.version) == 0, "after a cut at write %ld of %ld: boots %.12s", cut, writesOfAnInstall, v);
    bool trialRecorded = sf_ota_interrupted(&rebooted) != NULL;
    if (trialRecorded) CHECK(strcmp(sf_ota_interrupted(&rebooted), "job-6") == 0 && strstr(rebooted.reason, "restarted while version"), "the interrupted job is named: %s", rebooted.reason);
    /* The next install works from there. */
    if (!confirmed) install(&rebooted, "job-7", &v2, 9000);
    CHECK(strcmp(installedVersion(&rebooted), v2.version) == 0, "v2 installs after the cut at write %ld", cut);
    storageFree(&s);
  }

  /* Damaged storage: a flipped bit in the state blob; in the active slot. */
  {
    MemoryStorage s;
    storageCopy(&s, &onV1);
    int i = find(&s, "ota.state");
    s.data[i][20] ^= 1;
    CHECK(openOta(&ota, &s, note) == -1 && strstr(note, "is damaged"), "a damaged state is reported: %s", note);
    CHECK(strcmp(installedVersion(&ota), "none") == 0, "and the device starts empty");
    storageFree(&s);
  }
  {
    MemoryStorage s;
    storageCopy(&s, &onV1);
    CHECK(openOta(&ota, &s, note) == 0, "reopen");
    install(&ota, "job-8", &v2, 1000);
    int slot = find(&s, ota.slots.state.active == 0 ? "slot-a.sfpk" : "slot-b.sfpk");
    s.data[slot][s.length[slot] - 1] ^= 1;
    sf_Ota rebooted;
    CHECK(openOta(&rebooted, &s, note) == 0, "reopen");
    sf_DevicePackage pkg;
    CHECK(sf_ota_installed(&rebooted, &pkg, note, sizeof note) == 1 && strcmp(pkg.manifest.version, v1.version) == 0, "a damaged active slot falls back to the previous: %s", note);
    CHECK(strstr(note, "is unusable") && strstr(note, "rolled back to version"), "%s", note);
    storageFree(&s);
  }

  /* The state blob's text round-trips; anything else is refused. */
  char text[512];
  size_t n = sf_slots_encode(&ota.slots.state, text, sizeof text);
  sf_SlotState decoded;
  CHECK(sf_slots_decode(text, n, &decoded) == 0 && decoded.active == ota.slots.state.active, "round trip");
  CHECK(sf_slots_decode(text, n - 1, &decoded) == -1, "a cut blob is refused");

  storageFree(&onV1);
  free(v1.bytes);
  free(v2.bytes);
  free(tampered.bytes);
  printf("ota: %d checks passed (power cut at each of %ld writes of an install)\n", checks, writesOfAnInstall);
  return 0;
}
