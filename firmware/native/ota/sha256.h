/* SHA-256 (FIPS 180-4) for verifying OTA packages on the device.
 *
 * Why our own: the device core must build for targets without an OS or OpenSSL (Cortex-M is the
 * next port), so it can't link libcrypto or include its headers (a build check enforces that);
 * a port with a hardware hash engine can replace this file. It is tested against OpenSSL on many
 * inputs (firmware/native/test/sha256Check.c, run by firmware/native/native.test.ts). */
#ifndef SF_OTA_SHA256_H
#define SF_OTA_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SF_SHA256_BYTES 32
#define SF_SHA256_HEX_CHARS 64

typedef struct {
  uint32_t state[8];
  uint64_t length;
  uint8_t block[64];
  size_t used;
} sf_Sha256;

void sf_sha256_init(sf_Sha256 *h);
void sf_sha256_update(sf_Sha256 *h, const uint8_t* bytes, size_t length);
void sf_sha256_final(sf_Sha256 *h, uint8_t digest[SF_SHA256_BYTES]);

/* One call: the digest (INTERFACES.md), or lowercase hex digest plus a terminating NUL (65 chars). */
void sf_sha256(const uint8_t* bytes, size_t length, uint8_t digest[SF_SHA256_BYTES]);
void sf_sha256_hex(const uint8_t* bytes, size_t length, char hex[SF_SHA256_HEX_CHARS + 1]);

#endif
