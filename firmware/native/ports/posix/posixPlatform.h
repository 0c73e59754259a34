/* The POSIX port's hal_Platform: clock, random, file storage and the simulated board. The
 * network is left to the mode that runs the device (the scripted net in main.c's scripted and
 * run-device modes, Paho MQTT in the networked mode, ports/posix/net/). */
#ifndef SF_POSIX_PLATFORM_H
#define SF_POSIX_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/manifest.h"
#include "../../hal/platform.h"

typedef struct sf_PosixPlatform sf_PosixPlatform;

/* stateDir NULL: no storage. pinSpecs: PIN=MODEL (--pin). NULL with the reason on failure. */
sf_PosixPlatform* sf_posixPlatform_create(const char* stateDir, const char* const* pinSpecs, int pinCount, char* error, size_t errorSize);
hal_Platform* sf_posixPlatform_hal(sf_PosixPlatform* platform);
/* Before each app start: the board the manifest names (see board.h). `platform` is the
 * sf_PosixPlatform (a void* for callback tables). */
bool sf_posixPlatform_prepareBoard(void* platform, const sf_Manifest* manifest, char* error, size_t errorSize);
void sf_posixPlatform_destroy(sf_PosixPlatform* platform);

/* Scripted mode: the clock is manual from now on and reads `now`. */
void sf_posixPlatform_setManualTime(sf_PosixPlatform* platform, int64_t now);
/* A new pin model (PIN=MODEL) at run time. */
bool sf_posixPlatform_setPinModel(sf_PosixPlatform* platform, const char* spec, char* error, size_t errorSize);
/* Told about every digital write. */
void sf_posixPlatform_onPinWrite(sf_PosixPlatform* platform, void (*onWrite)(void* context, const char* pin, bool level, int64_t at), void* context);

#endif
