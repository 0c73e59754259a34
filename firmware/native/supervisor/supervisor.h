/*
 * The Microvisor-style supervisor (firmware/supervisor.ts is the TypeScript twin): the app never
 * owns the network or the hardware. It asks for a network and channels and gets handles (0
 * invalid, zeroed by the runtime after a close notification); the supervisor does the I/O through
 * the HAL, queues messages and logs while offline and sends them in order when the link is back,
 * publishes the retained status at every connect and hands down messages to the app exactly once:
 * a QoS 1 channel's in the sender's order (supervisor/reorderBuffer.h, through the envelope's `p`),
 * a QoS 0 channel's as they come with repeats dropped (supervisor/dedupWindow.h).
 *
 * Single-threaded: every function runs on the device's one loop. Network events reach it through
 * sf_supervisor_onConnectionChanged/onMessage/onPublished, called by whoever owns the
 * hal_NetEvents (the port's main loop routes Jobs topics to the OTA agent, the rest here).
 */
#ifndef SF_SUPERVISOR_H
#define SF_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/manifest.h"
#include "../hal/platform.h"

/* The most topics the supervisor subscribes for an app: each incoming channel's own down topic
 * and its broadcast one. A network that keeps the subscriptions itself (the Cortex-M link,
 * link/linkNet.h) sizes its table from this. */
#define SF_SUPERVISOR_MAX_SUBSCRIPTIONS (2 * SF_MAX_CHANNELS)

/* Publish tokens with this bit set are not the supervisor's (the OTA agent's, for example). */
#define SF_TOKEN_FOREIGN 0x80000000u

typedef struct sf_Supervisor sf_Supervisor;

typedef struct sf_SupervisorConfig {
  const char* thing;
  const sf_Manifest* manifest;
  hal_Platform* platform;
  /* First half of every envelope id; must differ at every boot. NULL: 8 random hex digits. */
  const char* bootId;
  /* Messages kept while offline (0: 500); QoS 1 messages in flight (0: 12, what leaves room on
   * any network, HAL_NET_MIN_IN_FLIGHT; at most 100);
   * log lines kept while offline (0: 200). */
  uint32_t outboxCapacity;
  uint32_t inFlightWindow;
  uint32_t logCapacity;
  /* How long the QoS 1 down messages of a sender may make no progress before a missing one is
   * given up (0: 1000 ms; supervisor/reorderBuffer.h). */
  uint32_t reorderTimeoutMs;
  /* The app's settings (core/manifest.h's sf_manifest_parseSettings; NULL: the host has none to
   * give, and setting.set() throws saying so). */
  const sf_SettingDecls* settings;
  /* Keeps them in step with the settings shadow and saved in storage (&sf_settingsShadowSync of
   * supervisor/settingsSync.h); NULL: set() applies in the VM only, nothing persists. */
  const struct sf_SettingsSyncOps* settingsShadow;
  /* Bytecode instructions per app callback (0: 1,000,000; -1: no limit). */
  int32_t instructionBudget;
  /* Local echo of app logs ("[app] ...") and supervisor events ("[supervisor] ..."). */
  void (*onLog)(void* context, const char* line);
  /* Every failing app callback, after it was logged. fatal: the VM stopped. */
  void (*onAppFailure)(void* context, const char* message, bool fatal, bool atStart);
  /* Every outage (false) and reconnect (true). */
  void (*onConnectionChange)(void* context, bool up);
  void* context;
} sf_SupervisorConfig;

typedef struct sf_SupervisorStats {
  uint32_t droppedMessages;
  uint32_t droppedLogs;
  uint32_t queuedMessages;
  uint32_t unacknowledgedMessages;
  uint32_t duplicatesDropped;
  /* QoS 1 down messages: gaps given up (each logged), stragglers dropped as late, waiting now. */
  uint32_t gapsSkipped;
  uint32_t lateDropped;
  uint32_t heldMessages;
  uint32_t outages;
  uint32_t reconnects;
  uint32_t appErrors;
  /* VM heap in use and its peak (bytes). */
  uint32_t heapUsed;
  uint32_t heapPeak;
} sf_SupervisorStats;

/* NULL when out of memory. The config's strings and manifest must outlive the supervisor. */
sf_Supervisor* sf_supervisor_create(const sf_SupervisorConfig* config);
void sf_supervisor_destroy(sf_Supervisor* supervisor);

/* Restores the snapshot (which must outlive the app: the engine runs from it in place),
 * subscribes the app's down topics, publishes the online status when connected and dispatches
 * Start. Returns false when the snapshot can't be restored (the reason is in `error`); a failing
 * Start is an app failure (onAppFailure with atStart), not a false. */
bool sf_supervisor_start(sf_Supervisor* supervisor, const uint8_t* snapshot, size_t size, char* error, size_t errorSize);

/* Stops timers, closes every handle, unsubscribes and frees the VM; publishes the offline
 * status when connected. The supervisor can start another app afterwards. */
void sf_supervisor_stop(sf_Supervisor* supervisor);

/* Earliest timer due time (unix ms), or INT64_MAX when no timer runs: the app's timers, the
 * receive path's (a QoS 1 message waiting for its predecessor) and the next try of a status the
 * network refused as busy (fireNextTimer tries it; that alone returns false). */
int64_t sf_supervisor_nextTimerDue(const sf_Supervisor* supervisor);
/* Fires the earliest timer if it is due at or before `upTo` (the clock must already read its
 * due time); returns false when none is. Timers due at the same time fire in the order they
 * were set, as firmware/clock.ts's ManualClock does. */
bool sf_supervisor_fireNextTimer(sf_Supervisor* supervisor, int64_t upTo);

/* Network events, routed here by the owner of the hal_NetEvents. */
void sf_supervisor_onConnectionChanged(sf_Supervisor* supervisor, bool up);
/* Returns false when the topic is not one of the app's (the caller may offer it elsewhere). */
bool sf_supervisor_onMessage(sf_Supervisor* supervisor, const char* topic, const uint8_t* payload, size_t length);
/* Tokens with SF_TOKEN_FOREIGN set are not the supervisor's: the caller routes them. */
void sf_supervisor_onPublished(sf_Supervisor* supervisor, uint32_t token, bool delivered);
/* A hal_NetEvents that routes everything to this supervisor (for a device without OTA). */
void sf_supervisor_netEvents(sf_Supervisor* supervisor, hal_NetEvents* out);

/* Closes a handle and tells the app (HandleClosed), which zeroes its copy and opens again on
 * next use (Microvisor semantics). False when the handle was not open. */
bool sf_supervisor_closeHandle(sf_Supervisor* supervisor, int32_t handle);

/* A supervisor report (e.g. an OTA rollback) on the app's log topic, marked as ours. */
void sf_supervisor_report(sf_Supervisor* supervisor, const char* text);

/* The retained status JSON (core/contracts/deviceStatus.ts) into buffer; returns its length,
 * or 0 if it doesn't fit. Used for the last will (online false) before connecting. */
size_t sf_supervisor_statusPayload(const sf_Supervisor* supervisor, bool online, char* buffer, size_t size);
const char* sf_supervisor_bootId(const sf_Supervisor* supervisor);
/* Topic of the retained status, for the last will. */
size_t sf_supervisor_statusTopic(const sf_Supervisor* supervisor, char* buffer, size_t size);

void sf_supervisor_stats(const sf_Supervisor* supervisor, sf_SupervisorStats* out);

/* True while an app is running (started, not stopped, no fatal engine error). */
bool sf_supervisor_running(const sf_Supervisor* supervisor);

/* Publishes the online status again (running and connected only): the host heard the retained
 * status say offline for another boot or link (ports/posix/net/networkDevice.c). */
void sf_supervisor_sayOnline(sf_Supervisor* supervisor);

#endif
