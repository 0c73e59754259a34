#include "crashLoop.h"

int sf_crash_loop_init(sf_crash_loop *loop, uint32_t failures, uint32_t within_ms) {
  if (failures < 1 || failures > SF_CRASH_LOOP_MAX_FAILURES || within_ms == 0) return -1;
  loop->failures = failures;
  loop->within_ms = within_ms;
  loop->count = 0;
  loop->next = 0;
  return 0;
}

bool sf_crash_loop_record(sf_crash_loop *loop, uint64_t now_ms) {
  loop->times[loop->next] = now_ms;
  loop->next = (loop->next + 1) % loop->failures;
  if (loop->count < loop->failures) loop->count++;
  if (loop->count < loop->failures) return false;
  /* Full ring: `next` now points at the oldest of the last `failures` times. */
  uint64_t oldest = loop->times[loop->next];
  return now_ms - oldest <= loop->within_ms;
}
