/* A device on this machine without a broker: a build directory's app on the simulated board,
 * the supervisor and the scripted network. The scripted mode and run-device drive it. */
#ifndef SF_LOCAL_DEVICE_H
#define SF_LOCAL_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../supervisor/supervisor.h"
#include "posixPlatform.h"
#include "scriptedNet.h"

typedef struct sf_LocalDeviceOptions {
  const char* buildDir;
  const char* thing;
  const char* const* pinSpecs;
  int pinCount;
  int32_t instructionBudget; /* 0: default, -1: none */
  const char* bootId;        /* NULL: random */
  bool manualClock;          /* scripted: starts at SF_MANUAL_CLOCK_START */
  /* Outputs */
  void (*onPublish)(void* context, const char* topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain);
  void (*onPinWrite)(void* context, const char* pin, bool level, int64_t at);
  void (*onLog)(void* context, const char* line);
  void (*onAppFailure)(void* context, const char* message, bool fatal, bool atStart);
  void* context;
} sf_LocalDeviceOptions;

typedef struct sf_LocalDevice {
  sf_Manifest manifest;
  sf_SettingDecls settings;
  uint8_t* snapshot;
  size_t snapshotSize;
  sf_PosixPlatform* platform;
  sf_ScriptedNet* net;
  sf_Supervisor* supervisor;
} sf_LocalDevice;

/* Loads, verifies and boots the app. False with the reason in `error` (nothing to destroy). */
bool sf_localDevice_start(sf_LocalDevice* device, const sf_LocalDeviceOptions* options, char* error, size_t errorSize);
/* Delivers what the network has for the supervisor until nothing is left. */
void sf_localDevice_settle(sf_LocalDevice* device);
/* Fires every timer due up to `until` in order (the clock reads each one's due time), then sets
 * the clock to `until` (manual clock), as ManualClock.advance does. */
void sf_localDevice_advanceTo(sf_LocalDevice* device, int64_t until);
void sf_localDevice_destroy(sf_LocalDevice* device);

#endif
