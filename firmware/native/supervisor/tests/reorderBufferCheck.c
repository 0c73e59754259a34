/* reorderBuffer.c built with a board's bounds (reorderBuffer.test.ts passes the Cortex-M0+'s
 * -DSF_REORDER_MAX_STREAMS=2 -DSF_REORDER_MAX_HELD=4 -DSF_REORDER_MAX_HELD_BYTES=1024 from
 * sizeBudget.json): a third chain makes the least recently heard one flushed (what waited
 * delivered, in order, its gap reported) and forgotten, counted; that sender heard again is a
 * chain joined mid-stream; a chain with one more than maxHeld waiting, or an early message that
 * would pass maxHeldBytes, gives its first gaps up at once, in order, counted, and the straggler
 * is late; the held copies never pass maxHeldBytes; both arrays taken whole at their first use; no
 * memory for a chain at all: delivered at once and counted. Prints "ok: ..." or "FAIL: ..." per
 * check (test/support/cChecks.ts counts them). */
#define _GNU_SOURCE /* malloc_usable_size, in countingAllocator.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tests/checks.h"
#include "../../tests/countingAllocator.h"
#include "../reorderBuffer.h"

/* hal_malloc counting its calls and what is held at once, and failing when told to: the POSIX
 * port's (ports/posix/platform.c), wrapped by the linker (-Wl,--wrap, reorderBuffer.test.ts). */
void* __real_hal_malloc(size_t size);
void __real_hal_free(void* pointer);
void* __wrap_hal_malloc(size_t size) { return countedMalloc(__real_hal_malloc, size); }
void __wrap_hal_free(void* pointer) { countedFree(__real_hal_free, pointer); }

/* What reached the app, in order ("A:3 B:1 ..."), and the log lines. */
static char delivered[512];
static char logged[2048];

static void deliver(void* context, int channel, const char* payload, size_t length, bool current) {
  (void)context, (void)channel, (void)current;
  strncat(delivered, payload, length);
  strcat(delivered, " ");
}

static void logLine(void* context, const char* line) {
  (void)context;
  strcat(logged, line);
  strcat(logged, "\n");
}

static sf_ReorderBuffer b;
static uint64_t timerSequence;

/* One message of `bootId` on topic "t": its payload is its id, so `delivered` shows the order. */
static sf_ReorderResult accept(const char* bootId, int64_t seq, int64_t previous, int64_t now) {
  char id[32];
  int length = snprintf(id, sizeof id, "%s:%lld", bootId, (long long)seq);
  return sf_reorder_accept(&b, "t", id, (size_t)length, strlen(bootId), seq, previous, 0, id, (size_t)length, now);
}

static void start(void (*log)(void*, const char*)) {
  sf_ReorderOptions options = {0, 0, 0, 0, deliver, log, 0, &timerSequence};
  sf_reorder_init(&b, &options);
  delivered[0] = logged[0] = 0;
}

/* A message of `bootId` on `topic` whose payload is `size` bytes (a link frame's body is at most
 * 300): its id, then NULs, so `delivered` still shows the id. Returns the result; `heldBytesSeen`
 * keeps the most the held copies took after a call (they only shrink within one before the new
 * copy is made). */
static size_t heldBytesSeen;
static sf_ReorderResult acceptSized(const char* topic, const char* bootId, int64_t seq, int64_t previous, size_t size, int64_t now) {
  static char payload[1200];
  memset(payload, 0, sizeof payload);
  int length = snprintf(payload, sizeof payload, "%s:%lld", bootId, (long long)seq);
  sf_ReorderResult result = sf_reorder_accept(&b, topic, payload, (size_t)length, strlen(bootId), seq, previous, 0, payload, size, now);
  if (b.heldBytes > heldBytesSeen) heldBytesSeen = b.heldBytes;
  return result;
}

int main(void) {
  check(SF_REORDER_MAX_STREAMS == 2 && SF_REORDER_MAX_HELD == 4 && SF_REORDER_MAX_HELD_BYTES == 1024, "built with the Cortex-M0+'s bounds: 2 chains, 4 held, 1,024 B of copies");

  /* ---- more chains than maxStreams */
  start(logLine);
  check(b.options.maxStreams == 2 && b.options.maxHeld == 4, "the board's bounds are the buffer's defaults");
  accept("A", 1, 0, 0);
  check(b.capacity == 2 && b.count == 1, "the first chain takes room for both chains in one block");
  sf_ReorderChain* chains = b.chains;
  check(accept("A", 3, 2, 10) == SF_REORDER_HELD, "A:3 waits for A:2");
  accept("B", 1, 0, 20);
  check(accept("C", 1, 0, 30) == SF_REORDER_DELIVERED, "C:1, a third chain, delivered");
  check(!strcmp(delivered, "A:1 B:1 A:3 C:1 "), "A, the least recently heard, was flushed first: A:3 delivered before C:1, in order");
  check(b.forgotten == 1 && b.count == 2 && b.gaps == 1, "one chain forgotten, two remembered, A's gap given up");
  check(strstr(logged, "gap on t: skipped A:2, the chain was forgotten; delivering from A:3") != 0, "the forgotten chain's gap reported in the TypeScript wording");
  check(b.chains == chains && b.capacity == 2, "the third chain takes the forgotten one's place in the one block");

  /* A heard again: a new chain joined mid-stream (its A:3 forgotten: a repeat of it would pass) */
  check(accept("A", 4, 3, 40) == SF_REORDER_HELD && b.forgotten == 2, "A heard again: B forgotten for it, A:4 waits as a chain joined mid-stream");
  int64_t due;
  uint64_t sequence;
  check(sf_reorder_nextTimer(&b, &due, &sequence) && due == 40 + SF_REORDER_DEFAULT_TIMEOUT_MS, "it waits the gap timeout, 1 s");
  sf_reorder_fireTimer(&b, due);
  check(!strcmp(delivered, "A:1 B:1 A:3 C:1 A:4 ") && b.joinedMidStream == 1 && b.gaps == 1, "then A:4 is delivered, counted as joined mid-stream, no gap");
  check(accept("A", 5, 4, due + 1) == SF_REORDER_DELIVERED && b.forgotten == 2, "A:5 follows at once: A is remembered again");
  sf_reorder_clear(&b);
  check(live == 0, "sf_reorder_clear gives everything back");

  /* ---- more messages held than maxHeld */
  start(logLine);
  accept("D", 1, 0, 0);
  bool held = true;
  for (int64_t seq = 3; seq <= 6; seq++) held = accept("D", seq, seq - 1, seq) == SF_REORDER_HELD && held;
  check(held, "D:3..D:6 wait for D:2 (4 held, the bound)");
  check(sf_reorder_held(&b) == 4 && b.overflows == 0, "four held, no overflow yet");
  check(accept("D", 7, 6, 7) == SF_REORDER_DELIVERED, "D:7, a fifth early message: the first gap given up at once, D:7 delivered");
  check(!strcmp(delivered, "D:1 D:3 D:4 D:5 D:6 D:7 "), "delivered in the sender's order");
  check(b.overflows == 1 && b.gaps == 1 && sf_reorder_held(&b) == 0, "counted as one overflow and one gap, nothing left waiting");
  check(strstr(logged, "gap on t: skipped D:2, 4 later messages waiting; delivering from D:3") != 0, "the gap reported in the TypeScript wording");
  check(accept("D", 2, 1, 8) == SF_REORDER_LATE && b.late == 1, "D:2, the straggler of the gap given up, dropped as late (after D:3..D:7 delivered)");
  check(strstr(logged, "late on t: D:2") != 0, "and reported");
  sf_reorder_clear(&b);
  check(live == 0, "sf_reorder_clear gives everything back");

  /* the fifth is the lowest: its own gap is the first, given up without holding it */
  start(logLine);
  accept("F", 1, 0, 0);
  for (int64_t seq = 4; seq <= 7; seq++) accept("F", seq, seq - 1, seq);
  check(accept("F", 3, 2, 8) == SF_REORDER_DELIVERED && !strcmp(delivered, "F:1 F:3 F:4 F:5 F:6 F:7 "), "F:4..F:7 waiting, F:3 comes: F:2 given up, F:3 and what waited delivered in order");
  check(b.overflows == 1 && strstr(logged, "gap on t: skipped F:2, 4 later messages waiting; delivering from F:3") != 0, "counted and reported as TypeScript's buffer does (F:3 counted among the held)");
  sf_reorder_clear(&b);

  /* no memory to hold an early message: the gaps before it given up, in order, stragglers late */
  start(logLine);
  accept("G", 1, 0, 0);
  accept("G", 3, 2, 1);
  failAllocations = 1;
  check(accept("G", 5, 4, 2) == SF_REORDER_DELIVERED && !strcmp(delivered, "G:1 G:3 G:5 "), "G:3 waiting, no memory to hold G:5: G:2 and G:4 given up, G:3 and G:5 delivered in order");
  failAllocations = 0;
  check(b.gaps == 2 && b.overflows == 0, "two gaps counted (their lines need memory too: none could be written)");
  check(accept("G", 4, 3, 3) == SF_REORDER_LATE && accept("G", 2, 1, 4) == SF_REORDER_LATE && b.late == 2 && b.duplicates == 0, "memory back: G:4 and G:2 come late, dropped and reported as late, not taken for repeats");
  sf_reorder_clear(&b);

  /* ---- big envelopes: the copies' bytes bounded over both chains */
  start(logLine);
  check(b.options.maxHeldBytes == 1024 && b.heldBytes == 0, "the board's byte bound is the buffer's default");
  acceptSized("t", "H", 1, 0, 300, 0);
  bool waiting = true;
  for (int64_t seq = 3; seq <= 7; seq += 2) waiting = acceptSized("t", "H", seq, seq - 1, 300, seq) == SF_REORDER_HELD && waiting;
  check(waiting && b.heldBytes == 900 && b.overflows == 0, "H:3, H:5, H:7 of 300 B wait (900 B, three of four slots)");
  check(acceptSized("t", "H", 9, 8, 300, 9) == SF_REORDER_HELD, "H:9 would make 1,200 B: H:2 given up, H:3 delivered, H:9 waits");
  check(!strcmp(delivered, "H:1 H:3 ") && b.overflows == 1 && b.gaps == 1 && b.heldBytes == 900, "in the sender's order, one overflow, one gap, 900 B held");
  check(strstr(logged, "gap on t: skipped H:2, over 1024 B waiting; delivering from H:3\n") != 0, "the gap reported in the TypeScript wording (maxHeldBytes)");
  /* a second chain's early message finds the bytes taken: its own gap given up, H's wait untouched */
  acceptSized("u", "J", 1, 0, 10, 10);
  check(acceptSized("u", "J", 3, 2, 200, 11) == SF_REORDER_DELIVERED && b.overflows == 2 && sf_reorder_held(&b) == 3, "J:3 (200 B more than fits): J:2 given up, J:3 delivered at once; H:5..H:9 still wait");
  /* one message larger than what's left after several gaps: as many given up as it takes */
  check(acceptSized("t", "H", 11, 10, 1000, 12) == SF_REORDER_HELD, "H:11 of 1,000 B: H:4, H:6 and H:8 given up in turn, H:11 waits alone");
  check(!strcmp(delivered, "H:1 H:3 J:1 J:3 H:5 H:7 H:9 ") && b.overflows == 3 && b.heldBytes == 1000 && sf_reorder_held(&b) == 1, "delivered in order, counted as one overflow more, 1,000 B held");
  check(acceptSized("t", "H", 6, 5, 300, 13) == SF_REORDER_LATE && b.late == 1, "H:6, a straggler of a gap given up, dropped as late");
  check(acceptSized("t", "H", 13, 12, 1100, 14) == SF_REORDER_DELIVERED && !strcmp(delivered, "H:1 H:3 J:1 J:3 H:5 H:7 H:9 H:11 H:13 "), "H:13 larger than the bound: H:10 and H:12 given up, H:11 and H:13 delivered in order");
  check(heldBytesSeen <= 1024 && b.heldBytes == 0, "the held copies never passed 1,024 B and are all given back");
  sf_reorder_clear(&b);
  check(live == 0, "sf_reorder_clear gives everything back");

  /* ---- no memory for a chain at all: delivered at once, counted */
  start(logLine);
  failAllocations = 1;
  check(accept("K", 2, 1, 0) == SF_REORDER_DELIVERED && b.count == 0 && !strcmp(delivered, "K:2 "), "no memory for the chain array: K:2 delivered at once rather than lost");
  check(b.unguarded == 1 && b.delivered == 1, "counted as unguarded (the supervisor reports it)");
  failAllocations = 0;
  check(accept("K", 4, 3, 1) == SF_REORDER_HELD && b.count == 1 && b.unguarded == 1, "memory back: K has a chain again, joined mid-stream");
  sf_reorder_clear(&b);

  /* the same without a log (no log line's text allocated): what the held messages take */
  start(0);
  accept("E", 1, 0, 0);
  int before = allocations;
  for (int64_t seq = 3; seq <= 7; seq++) accept("E", seq, seq - 1, seq);
  check(allocations == before + 5 && b.overflows == 1, "the held array taken once, room for 4 (maxHeld): 5 allocations for 4 messages held and a fifth delivered at once, not grown from 4 to 8");
  sf_reorder_clear(&b);
  return checksExitStatus();
}
