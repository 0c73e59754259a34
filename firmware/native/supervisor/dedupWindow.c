#include "dedupWindow.h"

#include "../core/growArray.h"
#include "../hal/platform.h"

struct sf_DedupSender {
  char bootId[SF_DEDUP_MAX_BOOT_ID];
  size_t bootIdLength;
  uint64_t heard;
  int64_t contiguous;
  /* seqs seen above contiguous, unordered; one more than the limit before it is trimmed */
  int64_t ahead[SF_DEDUP_MAX_AHEAD + 1];
  uint32_t aheadCount;
};

void sf_dedup_init(sf_DedupWindow* w) {
  w->senders = 0;
  w->count = 0;
  w->capacity = 0;
  w->clock = 0;
  w->duplicates = 0;
  w->unguarded = 0;
}

void sf_dedup_free(sf_DedupWindow* w) {
  hal_free(w->senders);
  sf_dedup_init(w);
}

static bool removeAhead(sf_DedupSender* s, int64_t seq) {
  for (uint32_t i = 0; i < s->aheadCount; i++)
    if (s->ahead[i] == seq) {
      s->ahead[i] = s->ahead[--s->aheadCount];
      return true;
    }
  return false;
}

static void advance(sf_DedupSender* s) {
  while (removeAhead(s, s->contiguous + 1)) s->contiguous++;
}

bool sf_dedup_accept(sf_DedupWindow* w, const char* bootId, size_t length, int64_t seq) {
  if (length > SF_DEDUP_MAX_BOOT_ID) length = SF_DEDUP_MAX_BOOT_ID;
  sf_DedupSender* s = 0;
  for (uint32_t i = 0; i < w->count; i++)
    if (w->senders[i].bootIdLength == length && __builtin_memcmp(w->senders[i].bootId, bootId, length) == 0) s = &w->senders[i];
  if (!s) {
    if (w->count == w->capacity && w->count < SF_DEDUP_MAX_SENDERS) {
      /* a device that never receives pays nothing; on a host one that hears one sender pays for
       * one (2 KB each), a board its whole cap at once (dedupWindow.h) */
      sf_DedupSender* grown = sf_growArray(w->senders, w->count, &w->capacity, sizeof *grown, SF_DEDUP_SENDERS_AT_FIRST);
      if (!grown) {
        w->unguarded++;
        return true;
      }
      w->senders = grown;
    }
    if (w->count < w->capacity && w->count < SF_DEDUP_MAX_SENDERS) {
      s = &w->senders[w->count++];
    } else {
      s = &w->senders[0];
      for (uint32_t i = 1; i < w->count; i++)
        if (w->senders[i].heard < s->heard) s = &w->senders[i];
    }
    __builtin_memcpy(s->bootId, bootId, length);
    s->bootIdLength = length;
    /* a receiver that starts listening mid-stream can't know of earlier seqs: start just below */
    s->contiguous = seq - 1;
    s->aheadCount = 0;
  }
  s->heard = ++w->clock;
  if (seq <= s->contiguous) {
    w->duplicates++;
    return false;
  }
  for (uint32_t i = 0; i < s->aheadCount; i++)
    if (s->ahead[i] == seq) {
      w->duplicates++;
      return false;
    }
  s->ahead[s->aheadCount++] = seq;
  advance(s);
  if (s->aheadCount > SF_DEDUP_MAX_AHEAD) {
    /* too many holes: the missing seqs are not coming back; skip to the smallest seen */
    int64_t smallest = s->ahead[0];
    for (uint32_t i = 1; i < s->aheadCount; i++)
      if (s->ahead[i] < smallest) smallest = s->ahead[i];
    s->contiguous = smallest - 1;
    advance(s);
  }
  return true;
}
