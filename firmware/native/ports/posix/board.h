/* The simulated board of the POSIX device (firmware/board.ts's SimulatedBoard): exactly the pins
 * of a board definition; analog inputs follow pin models, digital pins remember what was
 * written. */
#ifndef SF_POSIX_BOARD_H
#define SF_POSIX_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/manifest.h"
#include "../../hal/board.h"
#include "pinModel.h"

#ifndef SF_BOARD_MAX_PINS /* a target may lower it (sizeBudget.json's "limits") */
#define SF_BOARD_MAX_PINS 96
#endif

typedef struct sf_SimulatedPin {
  char label[SF_MAX_NAME];
  unsigned capabilities;
  sf_PinModel model;
  bool level;
} sf_SimulatedPin;

typedef struct sf_PosixBoard {
  hal_Board base;
  char name[SF_MAX_NAME];
  sf_SimulatedPin pins[SF_BOARD_MAX_PINS];
  int pinCount;
  /* --pin models, applied at every prepare */
  char modelPins[SF_BOARD_MAX_PINS][SF_MAX_NAME];
  sf_PinModel models[SF_BOARD_MAX_PINS];
  int modelCount;
  void (*onWrite)(void* context, const char* pin, bool level, int64_t at);
  void* writeContext;
} sf_PosixBoard;

void sf_posixBoard_init(sf_PosixBoard* board);
/* A PIN=MODEL spec for every later prepare (and the current pins). */
bool sf_posixBoard_addModel(sf_PosixBoard* board, const char* spec, char* error, size_t errorSize);
/* Makes the board the one the manifest names (built-in, else the app's declared pins), keeping
 * digital levels when the board stays the same. False with the reason when a model names a pin
 * the board can't read as analog. */
bool sf_posixBoard_prepare(sf_PosixBoard* board, const sf_Manifest* manifest, char* error, size_t errorSize);
void sf_posixBoard_free(sf_PosixBoard* board);

#endif
