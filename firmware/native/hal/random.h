/*
 * Randomness: boot ids (must differ at every boot), Math.random(), reconnect jitter. Not for keys:
 * TLS brings its own generator.
 */
#ifndef SF_HAL_RANDOM_H
#define SF_HAL_RANDOM_H

#include <stddef.h>
#include <stdint.h>

typedef struct hal_Random hal_Random;

typedef struct hal_RandomOps {
  void (*fill)(hal_Random* random, uint8_t* out, size_t length);
} hal_RandomOps;

struct hal_Random {
  const hal_RandomOps* ops;
};

#endif
