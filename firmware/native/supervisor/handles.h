/* Microvisor-style handles (firmware/handles.ts): opaque non-zero integers; 0 is never valid and
 * a closed handle is not reissued soon, so a stale handle fails instead of reaching someone
 * else's resource. Below 8192: Microvium keeps such integers without a heap allocation. */
#ifndef SF_HANDLES_H
#define SF_HANDLES_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/manifest.h"

#define SF_MAX_HANDLE 8191
/* Resources open at once (a network, the channels, the pins). */
#define SF_MAX_OPEN_HANDLES 96

typedef enum sf_ResourceKind { SF_RESOURCE_NETWORK = 1, SF_RESOURCE_CHANNEL, SF_RESOURCE_PIN } sf_ResourceKind;

typedef struct sf_Resource {
  sf_ResourceKind kind;
  int channelIndex;
  int32_t network;
  int pinKind; /* hal_PinKind */
  char pin[SF_MAX_NAME];
} sf_Resource;

typedef struct sf_HandleTable {
  int32_t next;
  int count;
  int32_t handles[SF_MAX_OPEN_HANDLES];
  sf_Resource resources[SF_MAX_OPEN_HANDLES];
} sf_HandleTable;

void sf_handles_init(sf_HandleTable* table);
/* 0 when the table is full. */
int32_t sf_handles_open(sf_HandleTable* table, const sf_Resource* resource);
/* NULL for 0, closed, unknown or non-integral handles. */
sf_Resource* sf_handles_get(sf_HandleTable* table, double handle);
bool sf_handles_close(sf_HandleTable* table, int32_t handle);

#endif
