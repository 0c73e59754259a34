/*
 * The device on a microcontroller whose network is on the other side of the link (the
 * Microvisor split): the app, the engine and the supervisor's app-facing half run here; the
 * co-processor (firmware/coprocessor/) holds the certificate and speaks MQTT/TLS and Jobs. This
 * loop boots the installed app from the OTA slots, runs its timers, feeds the link, applies pin
 * inputs, and installs updates streamed over the link: the co-processor offers a job, the agent
 * decides (ota/otaAgent.h), the chunks land in the inactive slot, and at the end this side checks
 * size and SHA-256 itself before switching (it trusts nothing that crossed the link), boots the
 * new app on trial and reports SUCCEEDED or FAILED with the reason; rollback as on POSIX.
 */
#ifndef SF_LINK_DEVICE_H
#define SF_LINK_DEVICE_H

#include "../hal/platform.h"
#include "../ota/otaAgent.h"
#include "../supervisor/supervisor.h"
#include "linkNet.h"

/* The supervisor's queue sizes of a link device whose port leaves them 0 (0 here: the
 * supervisor's defaults). A small MCU's image sets them with its limits (sizeBudget.json: the
 * M0+ keeps 8 messages and 4 log lines through an outage), so the Cortex-M33 built with the
 * M0+'s settings runs the same queues when its heap is measured (firmware/native/README.md). */
#ifndef SF_LINK_OUTBOX_CAPACITY
#define SF_LINK_OUTBOX_CAPACITY 0
#endif
#ifndef SF_LINK_IN_FLIGHT_WINDOW
#define SF_LINK_IN_FLIGHT_WINDOW 0
#endif
#ifndef SF_LINK_LOG_CAPACITY
#define SF_LINK_LOG_CAPACITY 0
#endif

typedef struct sf_LinkDeviceConfig {
  const char* thing;
  const char* engineId;
  hal_Platform* platform; /* clock, board, storage, random; net is the link (set by init) */
  /* The slots: memory the engine can run a snapshot from in place (flash on a board). */
  uint8_t* slotA;
  uint8_t* slotB;
  size_t slotCapacity;
  /* Supervisor queue sizes (0: the image's SF_LINK_* below). */
  uint32_t outboxCapacity, inFlightWindow, logCapacity;
  /* PIN messages: "PIN=MODEL" for the simulated board (NULL: ignored). */
  bool (*setPin)(void* context, const char* spec);
  bool (*prepareBoard)(void* context, const sf_Manifest* manifest, char* error, size_t errorSize);
  /* The board this image is (sf_boardNames.h): a package built for another is refused at install
   * and at boot (sf_Ota.board). NULL: any board. */
  const sf_DeviceBoard* board;
  void (*log)(void* context, const char* line);
  void* context;
} sf_LinkDeviceConfig;

typedef struct sf_LinkDevice {
  sf_LinkDeviceConfig config;
  sf_LinkNet* net;
  sf_Ota ota;
  sf_Supervisor* supervisor;
  sf_Manifest manifest;
  bool starting, rollBackDue, receiving, onTrial, stopping;
  char startFailure[SF_OTA_REASON_MAX];
  /* Here, not on the stack (they are on the path of every boot; scripts/stackDepth.mjs): the
   * package being booted, with its manifest (the running app keeps its own copy, `manifest`:
   * an update is staged while it runs), a boot's error, and a reason kept across a boot. */
  sf_DevicePackage package;
  char error[SF_OTA_REASON_MAX];
  char reason[SF_OTA_REASON_MAX];
  /* The offer being received. */
  char jobId[SF_JOB_ID_MAX + 1];
  char version[65], sha256[65];
  uint32_t size, received;
} sf_LinkDevice;

/* Opens the slots and boots the installed app (if any). */
void sf_linkDevice_init(sf_LinkDevice* device, const sf_LinkDeviceConfig* config, sf_LinkNet* net);
/* One turn of the loop: timers due, the trial, then the link for at most maxWaitMs. */
void sf_linkDevice_step(sf_LinkDevice* device, uint32_t maxWaitMs);

#endif
