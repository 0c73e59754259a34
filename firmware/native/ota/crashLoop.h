/* When an installed app counts as crash-looping: `failures` failing callbacks within
 * `withinMs`, sliding (the same rule as firmware/ota/crashLoop.ts, default 5 within 60 s). */
#ifndef SF_OTA_CRASH_LOOP_H
#define SF_OTA_CRASH_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define SF_CRASH_LOOP_MAX_FAILURES 32
#define SF_CRASH_LOOP_DEFAULT_FAILURES 5
#define SF_CRASH_LOOP_DEFAULT_WITHIN_MS 60000

typedef struct {
  uint32_t failures;
  uint32_t withinMs;
  /* Ring of the last `failures` failure times. */
  uint64_t times[SF_CRASH_LOOP_MAX_FAILURES];
  uint32_t count;
  uint32_t next;
} sf_CrashLoop;

/* 0, or -1 when the options can't work (failures 1..SF_CRASH_LOOP_MAX_FAILURES, withinMs > 0). */
int sf_crashLoop_init(sf_CrashLoop* loop, uint32_t failures, uint32_t withinMs);
/* Records a failure at `nowMs`; true when it completes a crash loop. */
bool sf_crashLoop_record(sf_CrashLoop* loop, uint64_t nowMs);

#endif
