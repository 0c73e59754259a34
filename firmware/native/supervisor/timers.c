#include "timers.h"

void sf_timers_init(sf_Timers* t) {
  for (int i = 0; i < SF_MAX_TIMERS; i++) t->timers[i].active = false;
  t->used = 0;
  t->nextSequence = 0;
}

void sf_timers_stop(sf_Timers* t, int slot) {
  for (int i = 0; i < t->used; i++)
    if (t->timers[i].active && t->timers[i].slot == slot) t->timers[i].active = false;
  while (t->used > 0 && !t->timers[t->used - 1].active) t->used--;
}

void sf_timers_stopAll(sf_Timers* t) {
  for (int i = 0; i < SF_MAX_TIMERS; i++) t->timers[i].active = false;
  t->used = 0;
}

bool sf_timers_start(sf_Timers* t, int slot, int64_t now, int64_t ms, bool repeat) {
  sf_timers_stop(t, slot);
  for (int i = 0; i < SF_MAX_TIMERS; i++) {
    sf_Timer* timer = &t->timers[i];
    if (timer->active) continue;
    timer->active = true;
    timer->slot = slot;
    timer->periodMs = ms < 0 ? 0 : ms;
    timer->due = now + timer->periodMs;
    timer->sequence = t->nextSequence++;
    timer->repeat = repeat;
    if (i >= t->used) t->used = i + 1;
    return true;
  }
  return false;
}

static sf_Timer* earliest(const sf_Timers* t) {
  const sf_Timer* best = 0;
  for (int i = 0; i < t->used; i++) {
    const sf_Timer* c = &t->timers[i];
    if (c->active && (!best || c->due < best->due || (c->due == best->due && c->sequence < best->sequence))) best = c;
  }
  return (sf_Timer*)best;
}

int64_t sf_timers_nextDue(const sf_Timers* t) {
  const sf_Timer* e = earliest(t);
  return e ? e->due : INT64_MAX;
}

bool sf_timers_peek(const sf_Timers* t, int64_t* due, uint64_t* sequence) {
  const sf_Timer* e = earliest(t);
  if (!e) return false;
  *due = e->due;
  *sequence = e->sequence;
  return true;
}

int sf_timers_takeDue(sf_Timers* t, int64_t upTo, int64_t* due) {
  sf_Timer* e = earliest(t);
  if (!e || e->due > upTo) return -1;
  *due = e->due;
  int slot = e->slot;
  if (e->repeat) {
    /* re-armed when it fires, before the callback runs (firmware/supervisor.ts's arm()) */
    e->due += e->periodMs;
    e->sequence = t->nextSequence++;
  } else {
    e->active = false;
    while (t->used > 0 && !t->timers[t->used - 1].active) t->used--;
  }
  return slot;
}
