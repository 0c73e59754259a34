#include "crashLoop.h"

int sf_crashLoop_init(sf_CrashLoop* loop, uint32_t failures, uint32_t withinMs) {
  if (failures < 1 || failures > SF_CRASH_LOOP_MAX_FAILURES || withinMs == 0) return -1;
  loop->failures = failures;
  loop->withinMs = withinMs;
  loop->count = 0;
  loop->next = 0;
  return 0;
}

bool sf_crashLoop_record(sf_CrashLoop* loop, uint64_t nowMs) {
  loop->times[loop->next] = nowMs;
  loop->next = (loop->next + 1) % loop->failures;
  if (loop->count < loop->failures) loop->count++;
  if (loop->count < loop->failures) return false;
  /* Full ring: `next` now points at the oldest of the last `failures` times. */
  uint64_t oldest = loop->times[loop->next];
  return nowMs - oldest <= loop->withinMs;
}
