/*
 * The part of a build's manifest (core/contracts/manifest.ts) a device needs: app, version,
 * board and channels, in manifest order (the index the VM uses for a channel). Parsed from the
 * manifest JSON with core/json.c; unknown fields are ignored (add, don't reinterpret).
 */
#ifndef SF_CORE_MANIFEST_H
#define SF_CORE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "textBuffer.h"

/* SF_MAX_CHANNELS, SF_MAX_PINS: a target may lower them (sizeBudget.json's "limits"); a
 * manifest with more is refused by name. */
/* A limit as text, for the messages that name it: SF_LIMIT_TEXT(SF_MAX_PINS) is "64". */
#define SF_LIMIT_TEXT_(n) #n
#define SF_LIMIT_TEXT(n) SF_LIMIT_TEXT_(n)
#ifndef SF_MAX_CHANNELS
#define SF_MAX_CHANNELS 32
#endif
#define SF_MAX_NAME 64 /* names are [a-z0-9-], far shorter; includes the NUL */
#define SF_VERSION_LENGTH 64 /* sha256 hex */

typedef enum sf_Direction {
  SF_DIRECTION_BOTH = 0,
  SF_DIRECTION_DEVICE_TO_SERVER = 1,
  SF_DIRECTION_SERVER_TO_DEVICE = 2,
} sf_Direction;

typedef struct sf_ChannelDecl {
  char name[SF_MAX_NAME];
  uint8_t qos;
  sf_Direction direction;
} sf_ChannelDecl;

#ifndef SF_MAX_PINS
#define SF_MAX_PINS 64
#endif

typedef struct sf_PinDecl {
  char name[SF_MAX_NAME];
  bool digital;
} sf_PinDecl;

typedef struct sf_Manifest {
  char app[SF_MAX_NAME];
  char version[SF_VERSION_LENGTH + 1];
  /* "" when the manifest names none: the simulated board. */
  char board[SF_MAX_NAME];
  /* The device snapshot's sha256 (hex) and size, to verify it before the engine sees it. */
  char deviceSha256[SF_VERSION_LENGTH + 1];
  uint32_t deviceSize;
  uint16_t channelCount;
  sf_ChannelDecl channels[SF_MAX_CHANNELS];
  /* The pins the app declared (a board from a JSON file is simulated with these). */
  uint16_t pinCount;
  sf_PinDecl pins[SF_MAX_PINS];
} sf_Manifest;

/* Parses manifest JSON. On failure returns false and writes why into `error`. */
bool sf_manifest_parse(const char* json, size_t length, sf_Manifest* out, char* error, size_t errorSize);

/* The app's settings (`settings`, core/settings/settingDecl.ts's SettingDecl), in manifest order
 * (the index the VM uses). Apart from sf_Manifest and from hal_malloc, sized to the app: most
 * apps declare none, and a small device shouldn't keep room for 64. */
#define SF_MAX_SETTINGS 64 /* MAX_SETTINGS in core/settings/settingDecl.ts */

typedef enum sf_SettingType {
  SF_SETTING_NUMBER,
  SF_SETTING_STRING,
  SF_SETTING_BOOLEAN,
} sf_SettingType;

typedef struct sf_SettingDecl {
  char name[SF_MAX_NAME];
  sf_SettingType type;
  /* The default; a string default is hal_malloc'd (NUL-terminated UTF-8). */
  double number;
  bool boolean;
  char* string;
  size_t stringLength;
  bool hasMin, hasMax;
  double min, max;
} sf_SettingDecl;

typedef struct sf_SettingDecls {
  sf_SettingDecl* items;
  uint16_t count;
} sf_SettingDecls;

/* Reads the manifest's `settings` (none when absent). On failure returns false, `out` empty, and
 * appends why to `error`. */
bool sf_manifest_parseSettings(const char* json, size_t length, sf_SettingDecls* out, sf_Text* error);
void sf_settingDecls_free(sf_SettingDecls* decls);

#endif
