/* Checks ota/sha256.c against OpenSSL's SHA-256 on many inputs: every length from 0 to 1100
 * (all padding cases around the 64-byte block), random contents, each fed whole and in random
 * pieces, plus a few large buffers. Prints "sha256: N inputs match OpenSSL" or the first
 * mismatch and exits 1. Built and run by firmware/native/ota/ota.test.ts. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sha256.h"

static int check(const uint8_t* data, size_t length, unsigned *seed) {
  uint8_t expected[32], whole[32], pieces[32];
  unsigned int n = 0;
  EVP_Digest(data, length, expected, &n, EVP_sha256(), NULL);
  sf_sha256(data, length, whole);
  sf_Sha256 h;
  sf_sha256_init(&h);
  for (size_t at = 0; at < length;) {
    size_t take = (size_t)(rand_r(seed) % 150);
    if (take > length - at) take = length - at;
    sf_sha256_update(&h, data + at, take);
    at += take;
  }
  sf_sha256_final(&h, pieces);
  if (memcmp(expected, whole, 32) != 0 || memcmp(expected, pieces, 32) != 0) {
    fprintf(stderr, "sha256 mismatch for an input of %zu bytes\n", length);
    return 1;
  }
  return 0;
}

int main(void) {
  unsigned seed = 20261130u;
  size_t inputs = 0;
  uint8_t* buffer = malloc(1u << 20);
  for (size_t length = 0; length <= 1100; length++) {
    for (size_t i = 0; i < length; i++) buffer[i] = (uint8_t)rand_r(&seed);
    if (check(buffer, length, &seed)) return 1;
    inputs++;
  }
  const size_t large[] = {65536, 131072 - 1, 131072, (1u << 20)};
  for (size_t k = 0; k < sizeof large / sizeof large[0]; k++) {
    for (size_t i = 0; i < large[k]; i++) buffer[i] = (uint8_t)rand_r(&seed);
    if (check(buffer, large[k], &seed)) return 1;
    inputs++;
  }
  /* FIPS 180-4 example "abc". */
  char hex[65];
  sf_sha256_hex((const uint8_t *)"abc", 3, hex);
  if (strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") != 0) return 1;
  free(buffer);
  printf("sha256: %zu inputs match OpenSSL\n", inputs);
  return 0;
}
