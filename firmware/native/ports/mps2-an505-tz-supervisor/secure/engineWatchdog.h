/* Ending a call into the engine from the secure side (engineWatchdog.c). */
#ifndef SF_ENGINE_WATCHDOG_H
#define SF_ENGINE_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

/* Points the engine's exception frame at its abandon code when a call is in progress; `why`: the
 * call's failure. False (the frame untouched) when no call is, or the frame is not the engine's. */
bool sf_engineWatchdog_endCall(uint32_t* frame, const char* why);
/* Every millisecond from the secure SysTick; `excReturn`: which world it interrupted. */
void sf_engineWatchdog_tick(uint32_t now, uint32_t excReturn);

#endif
