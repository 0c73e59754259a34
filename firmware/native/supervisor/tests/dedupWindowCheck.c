/* dedupWindow.c built with a board's cap (dedupWindow.test.ts passes -DSF_DEDUP_MAX_SENDERS=2):
 * three senders, the least recently heard forgotten, a remembered sender's repeat refused, the
 * whole cap taken in one block at the first sender (no old array held beside a new one), and
 * hal_malloc failing: delivered and counted as unguarded. Prints "ok: ..." or "FAIL: ..." per
 * check (test/support/cChecks.ts counts them). */
#define _GNU_SOURCE /* malloc_usable_size, in countingAllocator.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tests/checks.h"
#include "../../tests/countingAllocator.h"
#include "../dedupWindow.h"

/* hal_malloc that can be made to fail, counting what is held at once. */
void* hal_malloc(size_t size) { return countedMalloc(malloc, size); }
void hal_free(void* pointer) { countedFree(free, pointer); }

static bool accept(sf_DedupWindow* w, const char* bootId, int64_t seq) {
  return sf_dedup_accept(w, bootId, strlen(bootId), seq);
}

int main(void) {
  check(SF_DEDUP_MAX_SENDERS == 2, "built with a board's cap of 2 senders");

  sf_DedupWindow w;
  sf_dedup_init(&w);
  check(accept(&w, "a", 1), "a:1 delivered");
  check(w.capacity == 2 && allocations == 1, "the first sender takes the whole cap, 2 senders, in one block");
  size_t whole = lastSize;
  check(accept(&w, "b", 1) && accept(&w, "a", 2), "b:1 and a:2 delivered (a heard after b)");
  check(accept(&w, "c", 1), "c:1, a third sender, delivered");
  check(allocations == 1 && peakLive == whole, "no more memory for the second and third senders: never more than the one block held");
  check(w.count == 2, "two senders remembered");
  check(!accept(&w, "a", 2), "a remembered: its repeat of a:2 refused");
  check(!accept(&w, "c", 1), "c remembered: its repeat of c:1 refused");
  check(accept(&w, "b", 1), "b, the least recently heard, was forgotten: its repeat of b:1 gets through (the price of the cap)");
  check(w.duplicates == 2 && w.unguarded == 0, "2 repeats counted, nothing unguarded");
  sf_dedup_free(&w);
  check(live == 0, "sf_dedup_free gives the block back");

  sf_dedup_init(&w);
  failAllocations = 1;
  check(accept(&w, "x", 1) && accept(&w, "x", 1), "no memory for a new sender: x:1 delivered, twice (deliver rather than lose)");
  check(w.unguarded == 2 && w.duplicates == 0 && w.count == 0, "both counted as unguarded, none as a repeat");
  failAllocations = 0;
  check(accept(&w, "x", 1) && !accept(&w, "x", 1), "memory back: x remembered, its repeat refused");
  check(w.unguarded == 2 && w.duplicates == 1, "the unguarded count stays, the repeat is counted");
  sf_dedup_free(&w);
  return checksExitStatus();
}
