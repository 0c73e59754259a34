/* Receiver-side de-duplication by envelope id `<bootId>:<seq>` (core/contracts/dedupWindow.ts
 * is the TypeScript twin, same limits): per sender boot, the highest seq below which everything
 * was seen plus the few seqs seen above it; the least recently heard sender is forgotten first. */
#ifndef SF_DEDUP_WINDOW_H
#define SF_DEDUP_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sender boots remembered at once; the least recently heard is forgotten for a new one. A host
 * keeps core/contracts/dedupWindow.ts's default and grows the array with the senders heard. A
 * board sets its own (sizeBudget.json's limits: two on the Cortex-M0+) and takes them whole at
 * the first sender, as growing holds the old array beside the new one (doubling 1 to 2 holds 3
 * senders' memory for a moment). */
#ifdef SF_DEDUP_MAX_SENDERS
#define SF_DEDUP_SENDERS_AT_FIRST SF_DEDUP_MAX_SENDERS
#else
#define SF_DEDUP_MAX_SENDERS 1024
#define SF_DEDUP_SENDERS_AT_FIRST 1
#endif
#define SF_DEDUP_MAX_AHEAD 256
#define SF_DEDUP_MAX_BOOT_ID 64

typedef struct sf_DedupSender sf_DedupSender;

typedef struct sf_DedupWindow {
  sf_DedupSender* senders;
  uint32_t count, capacity;
  uint64_t clock; /* for least recently heard */
  uint32_t duplicates;
  /* Messages delivered without a check because no memory for their new sender could be had:
   * a repeat of theirs may reach the app (the supervisor reports the count). */
  uint32_t unguarded;
} sf_DedupWindow;

void sf_dedup_init(sf_DedupWindow* window);
void sf_dedup_free(sf_DedupWindow* window);
/* True the first time (bootId, seq) is seen, false for a repeat. Out of memory for a new sender:
 * true (deliver rather than lose), counted in `unguarded`. Boot ids longer than
 * SF_DEDUP_MAX_BOOT_ID are compared by their prefix. */
bool sf_dedup_accept(sf_DedupWindow* window, const char* bootId, size_t bootIdLength, int64_t seq);

#endif
