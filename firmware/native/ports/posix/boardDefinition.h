/* Board definitions as the device program knows them: the built-in ones are generated at build
 * time from core/boards/builtInBoards.ts (builtInBoards.h, scripts/build-firmware.mjs), so the
 * native board has exactly the TypeScript board's pins. */
#ifndef SF_POSIX_BOARD_DEFINITION_H
#define SF_POSIX_BOARD_DEFINITION_H

enum { SF_CAP_ANALOG_IN = 1, SF_CAP_DIGITAL_IN = 2, SF_CAP_DIGITAL_OUT = 4 };

typedef struct sf_BoardPin {
  const char* label;
  unsigned capabilities;
} sf_BoardPin;

typedef struct sf_BoardDefinition {
  const char* name;
  const sf_BoardPin* pins;
  int pinCount;
} sf_BoardDefinition;

#endif
