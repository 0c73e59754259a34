/* The OTA artifact, as core/contracts/devicePackage.ts writes it:
 *   "SFPK" | u8 format (1) | u32 BE manifest length | manifest JSON (UTF-8) | device snapshot
 * Parsing finds the parts and checks they fit (it never trusts a length it hasn't bounded), reads
 * the manifest (core/manifest.h) and checks the snapshot's size and sha256 against it, and the
 * manifest's version against the one the caller expects (the job document's, or the slot's),
 * and the board it was built for against the device's, all before anything hands the snapshot
 * to the engine. */
#ifndef SF_OTA_DEVICE_PACKAGE_H
#define SF_OTA_DEVICE_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/manifest.h"

#define SF_PACKAGE_FORMAT 1
#define SF_PACKAGE_HEADER_BYTES 9
/* core/contracts/jobDocument.ts MAX_DEVICE_PACKAGE_BYTES: a 64 KB snapshot plus its manifest. */
#define SF_PACKAGE_MAX_BYTES (128u * 1024u)

typedef struct {
  sf_Manifest manifest;
  const uint8_t* manifestJson;
  size_t manifestLength;
  const uint8_t* snapshot;
  size_t snapshotLength;
} sf_DevicePackage;

/* Splits `bytes` into manifest and snapshot, reads the manifest and checks the snapshot against
 * it. Returns 0, or -1 with `error` (NUL-terminated, at most errorSize bytes) saying what is
 * wrong. */
int sf_package_parse(const uint8_t* bytes, size_t length, sf_DevicePackage* out, char* error, size_t errorSize);

/* The board a device is, by core/boards' names (an image's: sf_boardNames.h): `name`, and
 * `byDefault`, the board a manifest without `board` was built for (SF_DEFAULT_BOARD). */
typedef struct sf_DeviceBoard {
  const char* name;
  const char* byDefault;
} sf_DeviceBoard;

/* sf_package_parse, and the manifest's version must be `version` (64 lowercase hex digits) and
 * its board `board`'s (NULL: any board, for a device that becomes the board of the app it runs:
 * the posix one). Both OTA paths check here: an install (sf_ota_stage) and a boot of an
 * installed package (sf_ota_installed, sf_ota_rollBack). */
int sf_package_verify(const uint8_t* bytes, size_t length, const char* version, const sf_DeviceBoard* board, sf_DevicePackage* out, char* error, size_t errorSize);

#endif
