#include "reorderBuffer.h"

#include "../core/growArray.h"
#include "../core/textBuffer.h"
#include "../hal/platform.h"
#include "sf_deviceTexts.h"

typedef struct sf_ReorderHeld {
  int64_t seq, previous, arrivedAt;
  int channel;
  char* payload;
  size_t length;
} sf_ReorderHeld;

/* GAP_FULL: maxHeld passed on the chain; GAP_HELD_BYTES: maxHeldBytes passed in all.
 * GAP_NO_MEMORY: this twin's own (core/contracts/reorderBuffer.ts never fails to hold) */
typedef enum GapReason { GAP_TIMEOUT, GAP_FULL, GAP_HELD_BYTES, GAP_FORGOTTEN, GAP_NO_MEMORY } GapReason;

struct sf_ReorderChain {
  /* "<bootId>:<stream>" (a boot id has no ':'), one allocation */
  char* key;
  size_t bootIdLength;
  uint64_t heard;
  /* seq of the last message delivered or given up; 0 before the first */
  int64_t last;
  /* something was delivered: a later hole is a gap, not a mid-stream start */
  bool started;
  /* when the chain last delivered (or was first heard): the wait for a gap counts from here */
  int64_t progressAt;
  /* in arrival order */
  sf_ReorderHeld* held;
  uint32_t heldCount, heldCapacity;
  /* recent gaps given up, as (after, missing] ranges, oldest first */
  int64_t givenUp[SF_REORDER_REMEMBERED_GAPS][2];
  uint32_t givenUpCount;
  bool armed;
  int64_t timerDue; /* the give-up time the timer was set for */
  int64_t timerAt;  /* when it fires: not before the moment it was set */
  uint64_t timerSequence;
};

void sf_reorder_init(sf_ReorderBuffer* b, const sf_ReorderOptions* options) {
  __builtin_memset(b, 0, sizeof *b);
  b->options = *options;
  if (!b->options.timeoutMs) b->options.timeoutMs = SF_REORDER_DEFAULT_TIMEOUT_MS;
  if (!b->options.maxHeld) b->options.maxHeld = SF_REORDER_DEFAULT_MAX_HELD;
  if (!b->options.maxStreams) b->options.maxStreams = SF_REORDER_DEFAULT_MAX_STREAMS;
  if (!b->options.maxHeldBytes) b->options.maxHeldBytes = SF_REORDER_DEFAULT_MAX_HELD_BYTES;
  b->heardSinceLinkUp = true;
  b->linkUpAt = INT64_MIN / 2; /* never came up: counts all the time */
}

static void freeChain(sf_ReorderChain* c) {
  for (uint32_t i = 0; i < c->heldCount; i++) hal_free(c->held[i].payload);
  hal_free(c->held);
  hal_free(c->key);
}

void sf_reorder_clear(sf_ReorderBuffer* b) {
  for (uint32_t i = 0; i < b->count; i++) freeChain(&b->chains[i]);
  hal_free(b->chains);
  b->chains = 0;
  b->count = b->capacity = 0;
  b->heldBytes = 0;
}

uint32_t sf_reorder_held(const sf_ReorderBuffer* b) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < b->count; i++) n += b->chains[i].heldCount;
  return n;
}

static const char* stream(const sf_ReorderChain* c) {
  return c->key + c->bootIdLength + 1;
}

/* ------------------------------------------------------------------ delivery */

static void emit(sf_ReorderBuffer* b, sf_ReorderChain* c, int64_t seq, int channel, const char* payload, size_t length, bool current, int64_t now) {
  /* state first: the chain is consistent whatever the app does */
  c->last = seq;
  c->started = true;
  c->progressAt = now;
  b->delivered++;
  b->options.deliver(b->options.context, channel, payload, length, current);
}

/* Takes held message i out of the chain (keeping arrival order) and delivers it. */
static void emitHeld(sf_ReorderBuffer* b, sf_ReorderChain* c, uint32_t i, int64_t now) {
  sf_ReorderHeld h = c->held[i];
  __builtin_memmove(&c->held[i], &c->held[i + 1], (c->heldCount - i - 1) * sizeof *c->held);
  c->heldCount--;
  b->heldBytes -= h.length;
  emit(b, c, h.seq, h.channel, h.payload, h.length, false, now);
  hal_free(h.payload);
}

/* Delivers held messages whose predecessor was delivered, one after the other. */
static void drain(sf_ReorderBuffer* b, sf_ReorderChain* c, int64_t now) {
  for (;;) {
    /* the latest arrival naming `last` as its predecessor (ReorderBuffer's heldAfter map) */
    uint32_t next = c->heldCount;
    for (uint32_t i = c->heldCount; i-- > 0;)
      if (c->held[i].previous == c->last) {
        next = i;
        break;
      }
    if (next == c->heldCount) return;
    emitHeld(b, c, next, now);
  }
}

static void reportGap(sf_ReorderBuffer* b, sf_ReorderChain* c, int64_t missing, int64_t resumedAt, GapReason reason) {
  b->gaps++;
  if (c->givenUpCount == SF_REORDER_REMEMBERED_GAPS) {
    __builtin_memmove(c->givenUp[0], c->givenUp[1], (SF_REORDER_REMEMBERED_GAPS - 1) * sizeof c->givenUp[0]);
    c->givenUpCount--;
  }
  c->givenUp[c->givenUpCount][0] = c->last;
  c->givenUp[c->givenUpCount][1] = missing;
  c->givenUpCount++;
  if (!b->options.log) return;
  /* gap on <stream>: skipped <range>, <why>; delivering from <bootId>:<seq> */
  sf_Text t;
  sf_text_init(&t, 0);
  sf_text_appendString(&t, "gap on ");
  sf_text_appendString(&t, stream(c));
  sf_text_appendString(&t, ": skipped ");
  sf_text_append(&t, c->key, c->bootIdLength);
  sf_text_appendChar(&t, ':');
  sf_text_appendInt(&t, missing);
  if (missing - c->last > 1) {
    sf_text_appendString(&t, SF_TX_AND_WHATEVER_OF);
    sf_text_append(&t, c->key, c->bootIdLength);
    sf_text_appendChar(&t, ':');
    sf_text_appendInt(&t, c->last + 1);
    sf_text_appendString(&t, "..");
    sf_text_appendInt(&t, missing - 1);
    sf_text_appendString(&t, SF_TX_WAS_SENT_THIS_TOPIC);
  }
  sf_text_appendString(&t, ", ");
  if (reason == GAP_TIMEOUT) {
    sf_text_appendString(&t, SF_TX_NOT_THERE_AFTER);
    sf_text_appendInt(&t, b->options.timeoutMs);
    sf_text_appendString(&t, " ms");
  } else if (reason == GAP_FULL) {
    sf_text_appendInt(&t, b->options.maxHeld);
    sf_text_appendString(&t, SF_TX_LATER_MESSAGES_WAITING);
  } else if (reason == GAP_HELD_BYTES) {
    sf_text_appendString(&t, "over ");
    sf_text_appendInt(&t, (int64_t)b->options.maxHeldBytes);
    sf_text_appendString(&t, " B waiting");
  } else {
    sf_text_appendString(&t, reason == GAP_FORGOTTEN ? SF_TX_CHAIN_WAS_FORGOTTEN : SF_TX_NO_MEMORY_TO_HOLD);
  }
  sf_text_appendString(&t, SF_TX_DELIVERING_FROM);
  sf_text_append(&t, c->key, c->bootIdLength);
  sf_text_appendChar(&t, ':');
  sf_text_appendInt(&t, resumedAt);
  if (!t.failed) b->options.log(b->options.context, t.data);
  sf_text_free(&t);
}

/* The held message with the lowest seq (there is one). */
static uint32_t firstHeld(const sf_ReorderChain* c) {
  uint32_t first = 0;
  for (uint32_t i = 1; i < c->heldCount; i++)
    if (c->held[i].seq < c->held[first].seq) first = i;
  return first;
}

/* Gives up waiting for `previous`, the predecessor of the message `seq` that is delivered next. */
static void giveUpBefore(sf_ReorderBuffer* b, sf_ReorderChain* c, int64_t previous, int64_t seq, GapReason reason) {
  if (previous <= c->last) return;
  if (c->started) reportGap(b, c, previous, seq, reason);
  else b->joinedMidStream++;
  c->last = previous;
}

/* Gives up waiting for the predecessor of the first held message, delivers it and what follows. */
static void giveUpFirstGap(sf_ReorderBuffer* b, sf_ReorderChain* c, GapReason reason, int64_t now) {
  if (!c->heldCount) return;
  uint32_t first = firstHeld(c);
  giveUpBefore(b, c, c->held[first].previous, c->held[first].seq, reason);
  emitHeld(b, c, first, now);
  drain(b, c, now);
}

static void flushChain(sf_ReorderBuffer* b, sf_ReorderChain* c, GapReason reason, int64_t now) {
  c->armed = false;
  while (c->heldCount > 0) giveUpFirstGap(b, c, reason, now);
}

/* ------------------------------------------------------------------ timers */

/* When the chain gives its first gap up: timeoutMs after its last progress, its oldest early
 * message's arrival or the first message heard since the last reconnect (timeoutMs after the
 * reconnect while none is), whichever is latest. Only called while the link is up. */
static int64_t giveUpDue(const sf_ReorderBuffer* b, const sf_ReorderChain* c) {
  int64_t oldest = c->held[0].arrivedAt; /* arrival order */
  int64_t due = oldest > c->progressAt ? oldest : c->progressAt;
  int64_t replaySince = b->heardSinceLinkUp ? b->linkUpAt : b->linkUpAt + b->options.timeoutMs;
  return (replaySince > due ? replaySince : due) + b->options.timeoutMs;
}

/* One timer per chain with waiting messages, none while the link is down. */
static void arm(sf_ReorderBuffer* b, sf_ReorderChain* c, int64_t now) {
  if (!c->heldCount || b->linkDown) {
    c->armed = false;
    return;
  }
  int64_t due = giveUpDue(b, c);
  if (c->armed && c->timerDue == due) return;
  c->armed = true;
  c->timerDue = due;
  c->timerAt = due > now ? due : now;
  c->timerSequence = (*b->options.timerSequence)++;
}

static sf_ReorderChain* earliestTimer(const sf_ReorderBuffer* b) {
  const sf_ReorderChain* best = 0;
  for (uint32_t i = 0; i < b->count; i++) {
    const sf_ReorderChain* c = &b->chains[i];
    if (c->armed && (!best || c->timerAt < best->timerAt || (c->timerAt == best->timerAt && c->timerSequence < best->timerSequence))) best = c;
  }
  return (sf_ReorderChain*)best;
}

bool sf_reorder_nextTimer(const sf_ReorderBuffer* b, int64_t* due, uint64_t* sequence) {
  const sf_ReorderChain* c = earliestTimer(b);
  if (!c) return false;
  *due = c->timerAt;
  *sequence = c->timerSequence;
  return true;
}

void sf_reorder_fireTimer(sf_ReorderBuffer* b, int64_t now) {
  sf_ReorderChain* c = earliestTimer(b);
  if (!c) return;
  c->armed = false;
  if (c->heldCount > 0 && !b->linkDown && giveUpDue(b, c) <= now) giveUpFirstGap(b, c, GAP_TIMEOUT, now);
  arm(b, c, now);
}

static void armAll(sf_ReorderBuffer* b, int64_t now) {
  for (uint32_t i = 0; i < b->count; i++) arm(b, &b->chains[i], now);
}

void sf_reorder_linkChanged(sf_ReorderBuffer* b, bool up, int64_t now) {
  if (!up && b->linkDown) return;
  b->linkDown = !up;
  if (up) {
    b->linkUpAt = now;
    b->heardSinceLinkUp = false;
  }
  armAll(b, now);
}

/* The first message after a reconnect: the broker is handing the session over from here. */
static void heard(sf_ReorderBuffer* b, int64_t now) {
  if (b->heardSinceLinkUp || b->linkDown) return;
  b->heardSinceLinkUp = true;
  b->linkUpAt = now;
  armAll(b, now);
}

/* ------------------------------------------------------------------ chains */

static sf_ReorderChain* findChain(sf_ReorderBuffer* b, const char* topic, const char* bootId, size_t bootIdLength) {
  for (uint32_t i = 0; i < b->count; i++) {
    sf_ReorderChain* c = &b->chains[i];
    if (c->bootIdLength == bootIdLength && __builtin_memcmp(c->key, bootId, bootIdLength) == 0 && sf_streq(stream(c), topic)) return c;
  }
  return 0;
}

/* The least recently heard chain is flushed (its waiting messages delivered, gaps reported) and
 * forgotten. */
static void forgetOldest(sf_ReorderBuffer* b, int64_t now) {
  uint32_t oldest = 0;
  for (uint32_t i = 1; i < b->count; i++)
    if (b->chains[i].heard < b->chains[oldest].heard) oldest = i;
  flushChain(b, &b->chains[oldest], GAP_FORGOTTEN, now);
  freeChain(&b->chains[oldest]);
  b->chains[oldest] = b->chains[--b->count];
  b->forgotten++;
}

static sf_ReorderChain* chain(sf_ReorderBuffer* b, const char* topic, const char* bootId, size_t bootIdLength, int64_t now) {
  sf_ReorderChain* c = findChain(b, topic, bootId, bootIdLength);
  if (c) {
    c->heard = ++b->heardClock;
    return c;
  }
  if (b->count >= b->options.maxStreams) forgetOldest(b, now);
  /* a host from one chain (344 B on a 32-bit core): a device usually hears few senders per topic;
   * a board all its maxStreams at once (reorderBuffer.h), so the array never grows */
  sf_ReorderChain* chains = sf_growArray(b->chains, b->count, &b->capacity, sizeof *chains, SF_REORDER_CHAINS_WHOLE ? b->options.maxStreams : 1);
  if (!chains) return 0;
  b->chains = chains;
  size_t topicLength = sf_strlen(topic);
  char* key = hal_malloc(bootIdLength + 1 + topicLength + 1);
  if (!key) return 0;
  __builtin_memcpy(key, bootId, bootIdLength);
  key[bootIdLength] = ':';
  __builtin_memcpy(key + bootIdLength + 1, topic, topicLength + 1);
  c = &b->chains[b->count++];
  __builtin_memset(c, 0, sizeof *c);
  c->key = key;
  c->bootIdLength = bootIdLength;
  c->heard = ++b->heardClock;
  c->progressAt = now;
  return c;
}

static bool hold(sf_ReorderBuffer* b, sf_ReorderChain* c, int64_t seq, int64_t previous, int channel, const char* payload, size_t length, int64_t now) {
  /* a board takes its maxHeld at once (sf_reorder_accept never holds more) */
  sf_ReorderHeld* held = sf_growArray(c->held, c->heldCount, &c->heldCapacity, sizeof *held, SF_REORDER_HELD_WHOLE ? b->options.maxHeld : 4);
  if (!held) return false;
  c->held = held;
  char* copy = hal_malloc(length + 1);
  if (!copy) return false;
  __builtin_memcpy(copy, payload, length);
  copy[length] = 0;
  sf_ReorderHeld h = {seq, previous, now, channel, copy, length};
  c->held[c->heldCount++] = h;
  b->heldBytes += length;
  return true;
}

static bool isHeld(const sf_ReorderChain* c, int64_t seq) {
  for (uint32_t i = 0; i < c->heldCount; i++)
    if (c->held[i].seq == seq) return true;
  return false;
}

sf_ReorderResult sf_reorder_accept(sf_ReorderBuffer* b, const char* topic, const char* id, size_t idLength, size_t bootIdLength, int64_t seq, int64_t previous,
                                   int channel, const char* payload, size_t length, int64_t now) {
  heard(b, now);
  sf_ReorderChain* c = chain(b, topic, id, bootIdLength, now);
  if (!c) {
    /* out of memory: deliver rather than lose, counted (the supervisor reports it) */
    b->unguarded++;
    b->delivered++;
    b->options.deliver(b->options.context, channel, payload, length, true);
    return SF_REORDER_DELIVERED;
  }
  if (seq <= c->last) {
    for (uint32_t i = 0; i < c->givenUpCount; i++) {
      if (seq > c->givenUp[i][0] && seq <= c->givenUp[i][1]) {
        b->late++;
        if (b->options.log) {
          sf_Text t;
          sf_text_init(&t, 0);
          sf_text_appendString(&t, "late on ");
          sf_text_appendString(&t, topic);
          sf_text_appendString(&t, ": ");
          sf_text_append(&t, id, idLength);
          sf_text_appendString(&t, SF_TX_CAME_AFTER_GAP_WAS_GIVEN);
          if (!t.failed) b->options.log(b->options.context, t.data);
          sf_text_free(&t);
        }
        return SF_REORDER_LATE;
      }
    }
    b->duplicates++;
    return SF_REORDER_DUPLICATE;
  }
  if (isHeld(c, seq)) {
    b->duplicates++;
    return SF_REORDER_DUPLICATE;
  }
  /* An early message waits unless holding it would pass a bound: one more than maxHeld on the
   * chain, or more than maxHeldBytes in all. Then the first gaps, counting this message among the
   * held, are given up at once (ReorderBuffer's order) until it fits or is delivered, without
   * holding it first: a chain never needs more than maxHeld slots (a board takes exactly those,
   * reorderBuffer.h) and the copies never pass maxHeldBytes; one overflow counted per message (one
   * turn does for maxHeld). No memory to hold it: the same, one gap at a time, so it is still
   * delivered in order and a straggler is late (reported), not taken for a repeat. Each turn
   * delivers a held message or ends the wait. */
  bool overflowed = false;
  while (previous > c->last) {
    GapReason reason = GAP_NO_MEMORY;
    if (c->heldCount >= b->options.maxHeld) reason = GAP_FULL;
    else if (length > b->options.maxHeldBytes - b->heldBytes) reason = GAP_HELD_BYTES;
    else if (hold(b, c, seq, previous, channel, payload, length, now)) break;
    if (reason != GAP_NO_MEMORY && !overflowed) {
      overflowed = true;
      b->overflows++;
    }
    if (c->heldCount && c->held[firstHeld(c)].seq < seq) giveUpFirstGap(b, c, reason, now);
    else giveUpBefore(b, c, previous, seq, reason);
  }
  sf_ReorderResult result = SF_REORDER_HELD;
  /* p = 0 (a first message, or a sender that doesn't say) needs no predecessor */
  if (previous <= c->last) {
    emit(b, c, seq, channel, payload, length, true, now);
    drain(b, c, now);
    result = SF_REORDER_DELIVERED;
  }
  arm(b, c, now);
  return result;
}
