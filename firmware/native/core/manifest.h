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

/* SF_MAX_CHANNELS, SF_MAX_PINS: a target may lower them (sizeBudget.json's "limits"); a
 * manifest with more is refused by name. */
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

#endif
