/*
 * A device's settings (`api.defineSetting`) kept in step with the app's named settings shadow,
 * through AWS's Device Shadow MQTT API: firmware/settings/deviceSettings.ts is the TypeScript
 * twin, and core/settings/deviceSettingsSync.ts holds the decisions both make.
 *
 * - Boot: the values saved in storage (blob "settings.json", the TypeScript device's format), a
 *   saved value this app version no longer accepts falls back to the default (reported).
 * - Every connect: `get`, asked again 1 s, 2 s, ... 30 s on the device clock until answered (the
 *   answer subscriptions don't wait for their SUBACK). Its desired values are applied (the app's
 *   "change" listeners run), refused ones cleared from `desired` and reported on the log topic in
 *   settingValue.c's words, then the device reports what it has. No shadow yet (404): it reports
 *   every value, which creates it.
 * - `update/delta` while online: the same for the values that differ.
 * - `setting.set(v)` in device code: applied, saved and reported at once; until the report is
 *   acknowledged it is a local change, which wins over an older desired value.
 *
 * Topics come from the generated sf_shadowTopics.h (scripts/shadowTopicsHeader.mjs, from
 * core/shadow/shadowTopics.ts). Single-threaded, on the supervisor's loop.
 */
#ifndef SF_SETTINGS_SYNC_H
#define SF_SETTINGS_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/manifest.h"
#include "../core/primitive.h"

/* The settings shadow's answer topics a device with settings subscribes (QoS 0): update/delta,
 * get/accepted, get/rejected, update/rejected. */
#define SF_SETTINGS_SUBSCRIPTIONS 4
#include "../core/textBuffer.h"
#include "../hal/platform.h"

/* Publish tokens of the settings shadow's requests (the supervisor routes them here). */
#define SF_SETTINGS_TOKENS 0x20000000u
#define SF_SETTINGS_TOKEN_MASK 0xF0000000u
/* The storage blob of the applied values. */
#define SF_SETTINGS_BLOB "settings.json"

typedef struct sf_SettingsSync sf_SettingsSync;

typedef struct sf_SettingsSyncOptions {
  const sf_SettingDecls* decls; /* at least one setting */
  const char* app;
  const char* thing;
  hal_Platform* platform; /* storage may be NULL: values then live in memory only */
  /* The supervisor's timer sequence: a get retry due with an app timer fires in the order set. */
  uint64_t* timerSequence;
  /* A value the shadow brought was applied: the app's "change" listeners run. */
  void (*applied)(void* context, int index, const sf_Primitive* value);
  /* A line for the device's log topic. */
  void (*report)(void* context, const char* line);
  void* context;
} sf_SettingsSyncOptions;

/* The topic of an answer ("get/accepted", "get/rejected", "update/delta", "update/rejected") of
 * the thing's settings shadow, into `out`; false for another name. */
bool sf_settingsShadowAnswerTopic(sf_Text* out, const char* answer, const char* thing, const char* app);

/* Loads the saved values (reporting the ones dropped); NULL when out of memory. */
sf_SettingsSync* sf_settingsSync_create(const sf_SettingsSyncOptions* options);
void sf_settingsSync_destroy(sf_SettingsSync* sync);

/* The applied value of setting `index` (a string is borrowed until the next change). */
sf_Primitive sf_settingsSync_value(const sf_SettingsSync* sync, int index);

/* Subscribes to the shadow's answers and asks for the shadow now when connected. */
void sf_settingsSync_start(sf_SettingsSync* sync);
/* Cancels the get retry and unsubscribes. */
void sf_settingsSync_stop(sf_SettingsSync* sync);

/* setting.set(value) in device code, already validated (settingValue.c): applied, saved, reported. */
void sf_settingsSync_set(sf_SettingsSync* sync, int index, const sf_Primitive* value);

void sf_settingsSync_connectionChanged(sf_SettingsSync* sync, bool up);
/* False when the topic is not one of the settings shadow's answers. */
bool sf_settingsSync_onMessage(sf_SettingsSync* sync, const char* topic, const uint8_t* payload, size_t length);
/* False when the token is not one of ours. */
bool sf_settingsSync_onPublished(sf_SettingsSync* sync, uint32_t token, bool delivered);

/* The get retry: its due time and sequence; false when none is armed. */
bool sf_settingsSync_nextTimer(const sf_SettingsSync* sync, int64_t* due, uint64_t* sequence);
void sf_settingsSync_fireTimer(sf_SettingsSync* sync);

/* The functions above as a table: the supervisor calls them through its config's
 * `settingsShadow`, so only a host that keeps settings in step with the shadow links this file
 * (the Cortex-M0+ size build, whose link device doesn't, stays within its flash budget). */
typedef struct sf_SettingsSyncOps {
  sf_SettingsSync* (*create)(const sf_SettingsSyncOptions* options);
  void (*destroy)(sf_SettingsSync* sync);
  sf_Primitive (*value)(const sf_SettingsSync* sync, int index);
  void (*start)(sf_SettingsSync* sync);
  void (*stop)(sf_SettingsSync* sync);
  void (*set)(sf_SettingsSync* sync, int index, const sf_Primitive* value);
  void (*connectionChanged)(sf_SettingsSync* sync, bool up);
  bool (*onMessage)(sf_SettingsSync* sync, const char* topic, const uint8_t* payload, size_t length);
  bool (*onPublished)(sf_SettingsSync* sync, uint32_t token, bool delivered);
  bool (*nextTimer)(const sf_SettingsSync* sync, int64_t* due, uint64_t* sequence);
  void (*fireTimer)(sf_SettingsSync* sync);
} sf_SettingsSyncOps;

extern const sf_SettingsSyncOps sf_settingsShadowSync;

#endif
