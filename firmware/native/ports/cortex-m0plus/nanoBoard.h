/* The Arduino Nano 33 IoT's header pins on the SAMD21's own peripherals (hal/board.h): PORT for
 * digital in and out, the ADC for analog reads. Its labels, A0-A7 and D0-D13, are the simulated
 * board's (core/boards/builtInBoards.ts), which apps are compiled against: A pins are analog
 * inputs, D pins digital in/out, as there. The M33/QEMU build keeps the simulated board. */
#ifndef SF_NANO_BOARD_H
#define SF_NANO_BOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "../../core/manifest.h"
#include "../../hal/board.h"

typedef struct sf_NanoBoard {
  hal_Board base;
  bool adcReady;
} sf_NanoBoard;

void sf_nanoBoard_init(sf_NanoBoard* board);
/* Checks the manifest's pins against the header and sets each up (analog: its ADC input; digital:
 * readable, an output keeps the level it had). False with the pin's name when one is missing. */
bool sf_nanoBoard_prepare(void* board, const sf_Manifest* manifest, char* error, size_t errorSize);

#endif
