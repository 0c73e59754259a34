#include "devicePackage.h"

#include "reasonText.h"
#include "sha256.h"
#include "sf_deviceTexts.h"

int sf_package_parse(const uint8_t* bytes, size_t length, sf_DevicePackage* out, char* error, size_t errorSize) {
  sf_Reason e = sf_reason_on(error, errorSize);
  if (length < SF_PACKAGE_HEADER_BYTES || bytes[0] != 'S' || bytes[1] != 'F' || bytes[2] != 'P' || bytes[3] != 'K') {
    sf_reason_add(&e, SF_TX_NOT_SNAPFLEET_DEVICE_PACKAGE_MISSING);
    return -1;
  }
  if (length > SF_PACKAGE_MAX_BYTES) {
    sf_reason_add(&e, SF_TX_DEVICE_PACKAGE_IS);
    sf_reason_addUint(&e, length);
    sf_reason_add(&e, SF_TX_BYTES_AT_MOST);
    sf_reason_addUint(&e, SF_PACKAGE_MAX_BYTES);
    sf_reason_add(&e, " are allowed");
    return -1;
  }
  if (bytes[4] != SF_PACKAGE_FORMAT) {
    sf_reason_add(&e, SF_TX_DEVICE_PACKAGE_FORMAT);
    sf_reason_addUint(&e, bytes[4]);
    sf_reason_add(&e, SF_TX_NOT_SUPPORTED_BY_THIS_FIRMWARE);
    return -1;
  }
  uint32_t manifestLength = ((uint32_t)bytes[5] << 24) | ((uint32_t)bytes[6] << 16) | ((uint32_t)bytes[7] << 8) | (uint32_t)bytes[8];
  /* Compared as a subtraction: HEADER + manifestLength could wrap on a 32-bit target. */
  if (manifestLength > length - SF_PACKAGE_HEADER_BYTES) {
    sf_reason_add(&e, SF_TX_DEVICE_PACKAGE_TRUNCATED_MANIFEST);
    sf_reason_addUint(&e, manifestLength);
    sf_reason_add(&e, SF_TX_BYTES_DOES_NOT_FIT);
    sf_reason_addUint(&e, length);
    return -1;
  }
  if (manifestLength < 2 || bytes[SF_PACKAGE_HEADER_BYTES] != '{' || bytes[SF_PACKAGE_HEADER_BYTES + manifestLength - 1] != '}') {
    sf_reason_add(&e, SF_TX_DEVICE_PACKAGE_MANIFEST_NOT_JSON);
    return -1;
  }
  out->manifestJson = bytes + SF_PACKAGE_HEADER_BYTES;
  out->manifestLength = manifestLength;
  out->snapshot = bytes + SF_PACKAGE_HEADER_BYTES + manifestLength;
  out->snapshotLength = length - SF_PACKAGE_HEADER_BYTES - manifestLength;
  char why[200];
  if (!sf_manifest_parse((const char *)out->manifestJson, manifestLength, &out->manifest, why, sizeof why)) {
    sf_reason_add(&e, SF_TX_DEVICE_PACKAGE_MANIFEST_UNUSABLE);
    sf_reason_add(&e, why);
    return -1;
  }
  char actual[SF_SHA256_HEX_CHARS + 1];
  sf_sha256_hex(out->snapshot, out->snapshotLength, actual);
  if (out->snapshotLength != out->manifest.deviceSize || !sf_streq(actual, out->manifest.deviceSha256)) {
    sf_reason_add(&e, SF_TX_DEVICE_SNAPSHOT_PACKAGE);
    sf_reason_add(&e, out->manifest.app);
    sf_reason_add(&e, ": ");
    sf_reason_addUint(&e, out->snapshotLength);
    sf_reason_add(&e, SF_TX_BYTES_WITH_SHA256);
    sf_reason_addShort(&e, actual);
    sf_reason_add(&e, SF_TX_DO_NOT_MATCH_MANIFEST_S);
    sf_reason_addUint(&e, out->manifest.deviceSize);
    sf_reason_add(&e, SF_TX_BYTES_WITH_SHA256);
    sf_reason_addShort(&e, out->manifest.deviceSha256);
    return -1;
  }
  return 0;
}

int sf_package_verify(const uint8_t* bytes, size_t length, const char* version, const sf_DeviceBoard* board, sf_DevicePackage* out, char* error, size_t errorSize) {
  if (sf_package_parse(bytes, length, out, error, errorSize) != 0) return -1;
  sf_Reason e = sf_reason_on(error, errorSize);
  if (!sf_streq(out->manifest.version, version)) {
    sf_reason_add(&e, SF_TX_PACKAGE_HOLDS_VERSION);
    sf_reason_addShort(&e, out->manifest.version);
    sf_reason_add(&e, ", expected ");
    sf_reason_addShort(&e, version);
    return -1;
  }
  /* The words of the TypeScript device (firmware/device.ts), so a job's reason reads the same
   * whichever device refused it. */
  const char* builtFor = out->manifest.board[0] ? out->manifest.board : board ? board->byDefault : "";
  if (board && !sf_streq(builtFor, board->name)) {
    sf_reason_add(&e, out->manifest.app);
    sf_reason_add(&e, " ");
    sf_reason_addShort(&e, out->manifest.version);
    sf_reason_add(&e, SF_TX_WAS_BUILT_FOR_BOARD);
    sf_reason_add(&e, builtFor);
    sf_reason_add(&e, SF_TX_THIS_DEVICE_IS_A);
    sf_reason_add(&e, board->name);
    sf_reason_add(&e, SF_TX_REBUILD_WITH_BOARD);
    sf_reason_add(&e, board->name);
    return -1;
  }
  return 0;
}
