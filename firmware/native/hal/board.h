/*
 * The pins of the board the app runs on (firmware/board.ts is the TypeScript twin): analog inputs
 * read a value, digital pins are read and written. Pin names are the board definition's labels
 * (core/boards); the compiler checked the app's pins against the same definition.
 */
#ifndef SF_HAL_BOARD_H
#define SF_HAL_BOARD_H

#include <stdbool.h>
#include <stdint.h>

typedef enum hal_PinKind { HAL_PIN_ANALOG = 0, HAL_PIN_DIGITAL = 1 } hal_PinKind;

typedef struct hal_Board hal_Board;

typedef struct hal_BoardOps {
  /* The board definition's name; a device refuses an app built for another board. */
  const char* (*name)(hal_Board* board);
  bool (*hasPin)(hal_Board* board, hal_PinKind kind, const char* pin);
  /* `nowMs` is the device clock: simulated inputs are functions of time. */
  double (*analogRead)(hal_Board* board, const char* pin, int64_t nowMs);
  bool (*digitalRead)(hal_Board* board, const char* pin);
  /* false: the pin can't be written (input only); nothing changed. */
  bool (*digitalWrite)(hal_Board* board, const char* pin, bool level, int64_t nowMs);
} hal_BoardOps;

struct hal_Board {
  const hal_BoardOps* ops;
};

#endif
