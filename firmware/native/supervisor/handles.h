/* Microvisor-style handles (firmware/handles.ts): opaque non-zero integers; 0 is never valid and
 * a closed handle is not reissued soon, so a stale handle fails instead of reaching someone
 * else's resource. Below 8192: Microvium keeps such integers without a heap allocation. */
#ifndef SF_HANDLES_H
#define SF_HANDLES_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/manifest.h"

#define SF_MAX_HANDLE 8191
/* Resources open at once (a network, the channels, the pins); one past it fails in words
 * (SF_TX_OUT_HANDLES). Lowered for a small board (firmware/native/sizeBudget.json, limits). */
#ifndef SF_MAX_OPEN_HANDLES
#define SF_MAX_OPEN_HANDLES 96
#endif
/* The longest pin label a handle keeps, with its NUL: a longer name is no pin (pinOpen answers 0,
 * as for a label the board doesn't have). A board port whose labels are short lowers it
 * (sizeBudget.json, limits; ports/cortex-m0plus/nanoBoard.c checks its own labels fit). */
#ifndef SF_MAX_PIN_NAME
#define SF_MAX_PIN_NAME SF_MAX_NAME
#endif

typedef enum sf_ResourceKind { SF_RESOURCE_NETWORK = 1, SF_RESOURCE_CHANNEL, SF_RESOURCE_PIN } sf_ResourceKind;

/* Small fields: the table is SF_MAX_OPEN_HANDLES of these in every supervisor (on the M0+'s heap). */
typedef struct sf_Resource {
  int32_t network;
  uint8_t kind;         /* sf_ResourceKind */
  uint8_t pinKind;      /* hal_PinKind */
  int16_t channelIndex; /* below SF_MAX_CHANNELS */
  char pin[SF_MAX_PIN_NAME];
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
