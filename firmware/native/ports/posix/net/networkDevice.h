/* A networked native device, as firmware/simulatedDevice.ts is for the TypeScript one: the MQTT
 * link (mqttNet.c), the Jobs client (jobsClient.c), downloads (download.c), the OTA decisions
 * and A/B slots (ota/), and the supervisor running the installed app. One loop, one thread:
 * timers, network events, the download and the OTA grace period all advance from
 * sf_networkDevice_step. */
#ifndef SF_POSIX_NETWORK_DEVICE_H
#define SF_POSIX_NETWORK_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../core/manifest.h"
#include "../../../hal/platform.h"

typedef struct sf_NetworkDeviceConfig {
  const char* app;
  const char* thing;
  /* clock, board, storage, random and net (a connected hal_Net, e.g. sf_mqttNet_create's). */
  hal_Platform* platform;
  /* Trust for the HTTPS download: the local cloud's CA; NULL on AWS (system trust store). */
  const char* caPath;
  /* What this firmware runs (core/compiler/engineId.ts ENGINE_ID); a job for another is REJECTED. */
  const char* engineId;
  /* 0: defaults (5000 ms; 5 failures within 60 s; 1,000,000 instructions per callback). */
  uint32_t graceMs;
  uint32_t crashLoopFailures;
  uint32_t crashLoopWithinMs;
  int32_t instructionBudget;
  /* Before an app starts: make the board fit its pins (NULL: nothing to do). false + error
   * refuses the app (built for another board). */
  bool (*prepareBoard)(void* context, const sf_Manifest* manifest, char* error, size_t errorSize);
  void (*log)(void* context, const char* line);
  void* context;
} sf_NetworkDeviceConfig;

typedef struct sf_NetworkDevice sf_NetworkDevice;

/* Opens the slots and boots the installed app (if any). NULL with `error` when memory or the
 * configuration is missing. */
sf_NetworkDevice* sf_networkDevice_create(const sf_NetworkDeviceConfig* config, char* error, size_t errorSize);
/* Runs the device for at most maxWaitMs (less when a timer is due). */
void sf_networkDevice_step(sf_NetworkDevice* device, uint32_t maxWaitMs);
/* Stops the app (it publishes its offline status while the link is up). */
void sf_networkDevice_destroy(sf_NetworkDevice* device);

/* The installed version ("" when none). */
const char* sf_networkDevice_version(const sf_NetworkDevice* device);

#endif
