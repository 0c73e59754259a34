/* The app's timers by slot (the VM picks the slots), on the device clock. Due timers fire
 * earliest first, and those due at the same time in the order they were set, as
 * firmware/clock.ts's ManualClock does, so a scripted run orders its events as the TypeScript
 * host does. */
#ifndef SF_TIMERS_H
#define SF_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

/* One past it fails in words (SF_TX_TOO_MANY_TIMERS); lowered for a small board (sizeBudget.json,
 * limits). */
#ifndef SF_MAX_TIMERS
#define SF_MAX_TIMERS 64
#endif

/* The 64-bit fields first: 32 B a timer on a 32-bit core, not 40 (padding after each bool). */
typedef struct sf_Timer {
  int64_t due;
  uint64_t sequence; /* order of setting, for ties */
  int64_t periodMs;
  int slot;
  bool active;
  bool repeat;
} sf_Timer;

typedef struct sf_Timers {
  sf_Timer timers[SF_MAX_TIMERS];
  /* Entries at and above this index are inactive: the searches stop there (a device has a few
   * timers; each tick searches several times). */
  int used;
  uint64_t nextSequence;
} sf_Timers;

void sf_timers_init(sf_Timers* timers);
/* Replaces the slot's timer. false when every entry is in use. */
bool sf_timers_start(sf_Timers* timers, int slot, int64_t now, int64_t ms, bool repeat);
void sf_timers_stop(sf_Timers* timers, int slot);
void sf_timers_stopAll(sf_Timers* timers);
/* INT64_MAX when none. */
int64_t sf_timers_nextDue(const sf_Timers* timers);
/* The earliest timer's due time and sequence (for ordering against other timers that take their
 * sequence from nextSequence); false when none. */
bool sf_timers_peek(const sf_Timers* timers, int64_t* due, uint64_t* sequence);
/* Takes the earliest timer due at or before upTo: re-arms a repeating one from its due time,
 * drops a one-shot; returns its slot, or -1. *due gets its due time. */
int sf_timers_takeDue(sf_Timers* timers, int64_t upTo, int64_t* due);

#endif
