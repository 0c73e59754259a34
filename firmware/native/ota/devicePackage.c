#include "devicePackage.h"

#include "otaText.h"
#include "sha256.h"

int sf_package_parse(const uint8_t *bytes, size_t length, sf_device_package *out, char *error, size_t error_size) {
  sf_text e = sf_text_on(error, error_size);
  if (length < SF_PACKAGE_HEADER_BYTES || bytes[0] != 'S' || bytes[1] != 'F' || bytes[2] != 'P' || bytes[3] != 'K') {
    sf_text_add(&e, "not a snapfleet device package (missing the SFPK header); was the artifact built by `snapfleet build`?");
    return -1;
  }
  if (length > SF_PACKAGE_MAX_BYTES) {
    sf_text_add(&e, "device package is ");
    sf_text_add_uint(&e, length);
    sf_text_add(&e, " bytes; at most ");
    sf_text_add_uint(&e, SF_PACKAGE_MAX_BYTES);
    sf_text_add(&e, " are allowed");
    return -1;
  }
  if (bytes[4] != SF_PACKAGE_FORMAT) {
    sf_text_add(&e, "device package format ");
    sf_text_add_uint(&e, bytes[4]);
    sf_text_add(&e, " is not supported by this firmware (expected 1); update the firmware");
    return -1;
  }
  uint32_t manifest_length = ((uint32_t)bytes[5] << 24) | ((uint32_t)bytes[6] << 16) | ((uint32_t)bytes[7] << 8) | (uint32_t)bytes[8];
  /* Compared as a subtraction: HEADER + manifest_length could wrap on a 32-bit target. */
  if (manifest_length > length - SF_PACKAGE_HEADER_BYTES) {
    sf_text_add(&e, "device package is truncated: manifest of ");
    sf_text_add_uint(&e, manifest_length);
    sf_text_add(&e, " bytes does not fit in ");
    sf_text_add_uint(&e, length);
    return -1;
  }
  if (manifest_length < 2 || bytes[SF_PACKAGE_HEADER_BYTES] != '{' || bytes[SF_PACKAGE_HEADER_BYTES + manifest_length - 1] != '}') {
    sf_text_add(&e, "device package manifest is not a JSON object");
    return -1;
  }
  out->manifest_json = bytes + SF_PACKAGE_HEADER_BYTES;
  out->manifest_length = manifest_length;
  out->snapshot = bytes + SF_PACKAGE_HEADER_BYTES + manifest_length;
  out->snapshot_length = length - SF_PACKAGE_HEADER_BYTES - manifest_length;
  char why[200];
  if (!sf_manifest_parse((const char *)out->manifest_json, manifest_length, &out->manifest, why, sizeof why)) {
    sf_text_add(&e, "device package manifest is unusable: ");
    sf_text_add(&e, why);
    return -1;
  }
  char actual[SF_SHA256_HEX_CHARS + 1];
  sf_sha256_hex(out->snapshot, out->snapshot_length, actual);
  if (out->snapshot_length != out->manifest.deviceSize || !sf_text_equal(actual, out->manifest.deviceSha256)) {
    sf_text_add(&e, "device snapshot in the package of ");
    sf_text_add(&e, out->manifest.app);
    sf_text_add(&e, ": ");
    sf_text_add_uint(&e, out->snapshot_length);
    sf_text_add(&e, " bytes with sha256 ");
    sf_text_add_short(&e, actual);
    sf_text_add(&e, " do not match the manifest's ");
    sf_text_add_uint(&e, out->manifest.deviceSize);
    sf_text_add(&e, " bytes with sha256 ");
    sf_text_add_short(&e, out->manifest.deviceSha256);
    return -1;
  }
  return 0;
}

int sf_package_verify(const uint8_t *bytes, size_t length, const char *version, sf_device_package *out, char *error, size_t error_size) {
  if (sf_package_parse(bytes, length, out, error, error_size) != 0) return -1;
  if (!sf_text_equal(out->manifest.version, version)) {
    sf_text e = sf_text_on(error, error_size);
    sf_text_add(&e, "the package holds version ");
    sf_text_add_short(&e, out->manifest.version);
    sf_text_add(&e, ", expected ");
    sf_text_add_short(&e, version);
    return -1;
  }
  return 0;
}
