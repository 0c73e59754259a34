#include "posixPlatform.h"

#include <stdio.h>
#include <stdlib.h>

#include "board.h"
#include "clock.h"
#include "random.h"
#include "storage.h"

struct sf_PosixPlatform {
  hal_Platform hal;
  sf_PosixClock clock;
  sf_PosixRandom random;
  sf_PosixStorage storage;
  sf_PosixBoard board;
};

sf_PosixPlatform* sf_posixPlatform_create(const char* stateDir, const char* const* pinSpecs, int pinCount, char* error, size_t errorSize) {
  sf_PosixPlatform* p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(error, errorSize, "out of memory");
    return NULL;
  }
  sf_posixClock_init(&p->clock);
  sf_posixRandom_init(&p->random);
  sf_posixBoard_init(&p->board);
  p->hal.clock = &p->clock.base;
  p->hal.random = &p->random.base;
  p->hal.board = &p->board.base;
  if (stateDir) {
    if (!sf_posixStorage_init(&p->storage, stateDir)) {
      snprintf(error, errorSize, "can't create the state directory %s", stateDir);
      free(p);
      return NULL;
    }
    p->hal.storage = &p->storage.base;
  }
  for (int i = 0; i < pinCount; i++) {
    if (!sf_posixBoard_addModel(&p->board, pinSpecs[i], error, errorSize)) {
      sf_posixPlatform_destroy(p);
      return NULL;
    }
  }
  return p;
}

hal_Platform* sf_posixPlatform_hal(sf_PosixPlatform* p) {
  return &p->hal;
}

bool sf_posixPlatform_prepareBoard(void* platform, const sf_Manifest* manifest, char* error, size_t errorSize) {
  return sf_posixBoard_prepare(&((sf_PosixPlatform*)platform)->board, manifest, error, errorSize);
}

void sf_posixPlatform_destroy(sf_PosixPlatform* p) {
  if (!p) return;
  sf_posixBoard_free(&p->board);
  free(p);
}

void sf_posixPlatform_setManualTime(sf_PosixPlatform* p, int64_t now) {
  sf_posixClock_setManual(&p->clock, now);
}

bool sf_posixPlatform_setPinModel(sf_PosixPlatform* p, const char* spec, char* error, size_t errorSize) {
  return sf_posixBoard_addModel(&p->board, spec, error, errorSize);
}

void sf_posixPlatform_onPinWrite(sf_PosixPlatform* p, void (*onWrite)(void*, const char*, bool, int64_t), void* context) {
  p->board.onWrite = onWrite;
  p->board.writeContext = context;
}
