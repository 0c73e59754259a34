/* Checks that the OTA agent refuses a package built for another board than the device is, in the
 * TypeScript device's words (firmware/device.ts), before anything reaches the engine: at install
 * (the running slot untouched) and at boot of an installed one (the slot unusable, the previous
 * version booted). A device that takes any board (sf_Ota.board NULL: the posix one) installs it.
 *
 *   boardCheck SIMULATED.sfpk ESP32.sfpk UNNAMED.sfpk ENGINE_ID
 * (built without --board, with --board esp32-devkitc, and the first with its manifest's `board`
 * taken out, as older manifests are.) Prints
 * "board: N checks passed", or the first failed check and exits 1. Built and run by
 * firmware/native/ota/ota.test.ts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../otaAgent.h"
#include "../sha256.h"

#define BLOBS 4
#define NAME 64

/* A storage in memory (the device's state area and slots). */
typedef struct {
  hal_Storage base;
  char names[BLOBS][NAME];
  uint8_t* data[BLOBS];
  size_t length[BLOBS];
} MemoryStorage;

static int find(MemoryStorage* m, const char* name) {
  for (int i = 0; i < BLOBS; i++)
    if (m->data[i] && strcmp(m->names[i], name) == 0) return i;
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
  int i = find(m, name);
  if (i < 0) {
    for (i = 0; i < BLOBS && m->data[i]; i++) {
    }
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

static int checks = 0;
#define CHECK(condition, ...)                                       \
  do {                                                              \
    checks++;                                                       \
    if (!(condition)) {                                             \
      fprintf(stderr, "boardCheck:%d: %s: ", __LINE__, #condition); \
      fprintf(stderr, __VA_ARGS__);                                 \
      fputc('\n', stderr);                                          \
      exit(1);                                                      \
    }                                                               \
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
    fprintf(stderr, "boardCheck: can't read %s\n", path);
    exit(2);
  }
  p.bytes = malloc(SF_PACKAGE_MAX_BYTES);
  p.length = fread(p.bytes, 1, SF_PACKAGE_MAX_BYTES, f);
  fclose(f);
  sf_sha256_hex(p.bytes, p.length, p.sha256);
  sf_DevicePackage parsed;
  char error[300];
  if (sf_package_parse(p.bytes, p.length, &parsed, error, sizeof error) != 0) {
    fprintf(stderr, "boardCheck: %s: %s\n", path, error);
    exit(2);
  }
  memcpy(p.version, parsed.manifest.version, 65);
  return p;
}

static uint8_t bufferA[SF_PACKAGE_MAX_BYTES];
static uint8_t bufferB[SF_PACKAGE_MAX_BYTES];
static const char* engine;
static const sf_DeviceBoard SIMULATED = {"simulated", "simulated"};

static void openOta(sf_Ota* ota, MemoryStorage* storage, const sf_DeviceBoard* board) {
  char note[600];
  CHECK(sf_ota_open(ota, &storage->base, bufferA, bufferB, SF_PACKAGE_MAX_BYTES, 1000, 5, 60000, note, sizeof note) == 0, "the storage opens: %s", note);
  ota->board = board;
}

/* Downloads (copies) and stages a package as job `jobId`: 0 when staged. */
static int stage(sf_Ota* ota, const char* jobId, const Package* p) {
  CHECK(sf_ota_consider(ota, jobId, p->version, engine, engine) == SF_OTA_PROCEED, "%s is considered: %s", jobId, ota->reason);
  size_t capacity;
  memcpy(sf_ota_downloadBuffer(ota, &capacity), p->bytes, p->length);
  sf_DevicePackage pkg;
  return sf_ota_stage(ota, jobId, p->length, p->sha256, p->length, p->version, &pkg);
}

static void install(sf_Ota* ota, const char* jobId, const Package* p) {
  CHECK(stage(ota, jobId, p) == 0, "staging %s: %s", jobId, ota->reason);
  sf_ota_started(ota, 0, NULL);
  CHECK(sf_ota_poll(ota, 1000) == SF_OTA_TRIAL_PASSED, "%s's trial passes: %s", jobId, ota->reason);
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: boardCheck SIMULATED.sfpk ESP32.sfpk UNNAMED.sfpk ENGINE_ID\n");
    return 2;
  }
  Package simulated = load(argv[1]), esp32 = load(argv[2]), unnamed = load(argv[3]);
  engine = argv[4];
  char expected[300];
  snprintf(expected, sizeof expected, "%.12s was built for board \"esp32-devkitc\", this device is a \"simulated\": rebuild with --board simulated", esp32.version);

  /* At install: FAILED with the reason, the running version stays and still boots. */
  MemoryStorage storage = {.base = {&MEMORY_OPS}};
  sf_Ota ota;
  openOta(&ota, &storage, &SIMULATED);
  install(&ota, "job-1", &simulated);
  CHECK(stage(&ota, "job-2", &esp32) == -1, "another board's package is refused");
  CHECK(strstr(ota.reason, expected) != NULL, "the TypeScript device's words, got: %s", ota.reason);
  CHECK(strstr(ota.reason, "; the running app is unchanged") != NULL, "%s", ota.reason);
  CHECK(!ota.onTrial, "no trial started");
  CHECK(strcmp(sf_ota_activeVersion(&ota), simulated.version) == 0, "the running version is still active");
  sf_DevicePackage pkg;
  char error[SF_OTA_REASON_MAX];
  openOta(&ota, &storage, &SIMULATED);
  CHECK(sf_ota_installed(&ota, &pkg, error, sizeof error) == 1, "the running version boots: %s", error);
  CHECK(strcmp(pkg.manifest.version, simulated.version) == 0, "it is the first version");

  /* A device that takes any board installs it (the posix device becomes the app's board). */
  openOta(&ota, &storage, NULL);
  install(&ota, "job-3", &esp32);

  /* At boot: the same state area on a simulated device: the other board's slot is unusable, in
   * the same words, and the previous version boots. */
  openOta(&ota, &storage, &SIMULATED);
  CHECK(sf_ota_installed(&ota, &pkg, error, sizeof error) == 1, "the previous version boots: %s", error);
  CHECK(strcmp(pkg.manifest.version, simulated.version) == 0, "it is the simulated board's version");
  CHECK(strstr(error, expected) != NULL, "the boot says why, got: %s", error);
  CHECK(strstr(error, "rolled back to version") != NULL, "and what it did: %s", error);

  /* A state area holding only another board's app: nothing boots, and it says why. */
  MemoryStorage alone = {.base = {&MEMORY_OPS}};
  openOta(&ota, &alone, NULL);
  install(&ota, "job-4", &esp32);
  openOta(&ota, &alone, &SIMULATED);
  CHECK(sf_ota_installed(&ota, &pkg, error, sizeof error) == -1, "nothing boots");
  CHECK(strstr(error, expected) != NULL, "the boot says why, got: %s", error);

  /* A manifest without `board` is the default board's: installed by a device that is the
   * default board, refused by another. */
  static const sf_DeviceBoard NANO = {"nano-33-iot", "simulated"};
  MemoryStorage nano = {.base = {&MEMORY_OPS}};
  openOta(&ota, &nano, &NANO);
  CHECK(stage(&ota, "job-5", &unnamed) == -1, "the default board's package is refused by a Nano");
  CHECK(strstr(ota.reason, "was built for board \"simulated\", this device is a \"nano-33-iot\": rebuild with --board nano-33-iot") != NULL, "%s", ota.reason);
  openOta(&ota, &nano, &SIMULATED);
  install(&ota, "job-6", &unnamed);

  printf("board: %d checks passed\n", checks);
  return 0;
}
