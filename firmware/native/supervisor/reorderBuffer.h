/* Receiver-side ordering of QoS 1 down messages: the C twin of core/contracts/reorderBuffer.ts,
 * with the same semantics and wording. Per (topic, sender boot id) the envelopes form a chain
 * through `p` (the sender's previous seq on the topic): a message is delivered once its
 * predecessor was, a repeat is dropped, an early one waits. A chain that made no progress for
 * `timeoutMs` (and whose oldest early message waited that long) gives the missing ones up: the
 * gap is reported, delivery goes on in order, and a straggler of a given-up gap is dropped as
 * late and reported. The first message of a chain (p = 0) needs no predecessor; a chain first
 * heard mid-stream waits once, for the timeout.
 *
 * Bounded: at most `maxHeld` messages wait per chain and their copies (hal_malloc) take at most
 * `maxHeldBytes` of payload over all chains (an early message beyond either gives its chain's
 * oldest gaps up at once), and `maxStreams` chains are remembered (the least recently heard is
 * flushed and forgotten). So the copies take at most min(maxHeldBytes, maxStreams x maxHeld x the
 * largest message), plus an allocator's header and rounding per copy.
 *
 * Time is injected: each chain with waiting messages has one timer (due, sequence). The owner
 * (the supervisor) fires it with sf_reorder_fireTimer when it is the earliest of all its timers;
 * sequences come from the owner's counter so that timers due at the same moment fire in the order
 * they were set, as firmware/clock.ts's ManualClock does. */
#ifndef SF_REORDER_BUFFER_H
#define SF_REORDER_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* core/contracts/reorderBuffer.ts's defaults. */
#define SF_REORDER_DEFAULT_TIMEOUT_MS 1000
/* The two bounds: a host keeps the TypeScript defaults and grows its arrays with the chains heard
 * and the messages held. A board lowers them (sizeBudget.json's limits SF_REORDER_MAX_STREAMS and
 * SF_REORDER_MAX_HELD: 2 and 4 on the Cortex-M0+) and takes each array whole at its first use, as
 * growing holds the old array beside the new one (the chains 1 to 2: three chains' memory for a
 * moment). Beyond a bound the buffer forgets a chain or gives a gap up, counted in `forgotten` and
 * `overflows` (the supervisor reports both). */
#ifdef SF_REORDER_MAX_STREAMS
#define SF_REORDER_DEFAULT_MAX_STREAMS SF_REORDER_MAX_STREAMS
#define SF_REORDER_CHAINS_WHOLE 1
#else
#define SF_REORDER_DEFAULT_MAX_STREAMS 1024
#define SF_REORDER_CHAINS_WHOLE 0
#endif
#ifdef SF_REORDER_MAX_HELD
#define SF_REORDER_DEFAULT_MAX_HELD SF_REORDER_MAX_HELD
#define SF_REORDER_HELD_WHOLE 1
#else
#define SF_REORDER_DEFAULT_MAX_HELD 1024
#define SF_REORDER_HELD_WHOLE 0
#endif
/* The payload bytes the held copies may take over all chains (sizeBudget.json's limits
 * SF_REORDER_MAX_HELD_BYTES on the Cortex-M0+, where two chains of four 300-B envelopes would pass
 * the heap's margin; firmware/native/README.md has the arithmetic). A host keeps no bound, as the
 * TypeScript buffer without maxHeldBytes: SF_REORDER_UNBOUNDED_BYTES, left out of the report. */
#define SF_REORDER_UNBOUNDED_BYTES SIZE_MAX
#ifdef SF_REORDER_MAX_HELD_BYTES
#define SF_REORDER_DEFAULT_MAX_HELD_BYTES SF_REORDER_MAX_HELD_BYTES
#else
#define SF_REORDER_DEFAULT_MAX_HELD_BYTES SF_REORDER_UNBOUNDED_BYTES
#endif
/* Gaps remembered per chain for telling a late message from a repeat (REMEMBERED_GAPS). */
#define SF_REORDER_REMEMBERED_GAPS 16

typedef enum sf_ReorderResult {
  SF_REORDER_DELIVERED,
  SF_REORDER_HELD,
  SF_REORDER_DUPLICATE,
  SF_REORDER_LATE,
} sf_ReorderResult;

typedef struct sf_ReorderOptions {
  /* 0: the defaults above. */
  uint32_t timeoutMs;
  uint32_t maxHeld;
  uint32_t maxStreams;
  size_t maxHeldBytes;
  /* Each message once, in the sender's order. `current` is true for the message sf_reorder_accept
   * is being called with (the caller still has it decoded; payload is the caller's); false for
   * one that waited (payload is the held copy, valid during the call). */
  void (*deliver)(void* context, int channel, const char* payload, size_t length, bool current);
  /* A gap given up or a late message, one line (the TypeScript wording). */
  void (*log)(void* context, const char* line);
  void* context;
  /* The owner's timer sequence counter (incremented for each timer this buffer sets). */
  uint64_t* timerSequence;
} sf_ReorderOptions;

typedef struct sf_ReorderChain sf_ReorderChain;

typedef struct sf_ReorderBuffer {
  sf_ReorderOptions options;
  sf_ReorderChain* chains;
  uint32_t count, capacity;
  uint64_t heardClock; /* for least recently heard */
  uint32_t delivered, duplicates, late, gaps, joinedMidStream;
  /* Chains forgotten for a new one beyond maxStreams (a repeat of theirs may reach the app, their
   * next message waits as one heard mid-stream), and early messages that would have made more
   * than maxHeld wait on their chain or more than maxHeldBytes in all, for which the chain gave its
   * first gaps up at once (core/contracts/reorderBuffer.ts counts the same). */
  uint32_t forgotten, overflows;
  /* Messages delivered at once, unordered and unchecked for repeats, because no memory could be
   * had for their chain (this twin's own: the TypeScript buffer never fails to allocate). */
  uint32_t unguarded;
  /* Payload bytes of the held copies, over all chains: at most options.maxHeldBytes. */
  size_t heldBytes;
  /* sf_reorder_linkChanged: the link is down (no gap is given up for lack of time); when it last
   * came up, then when the first message after that was heard (the wait counts from there) */
  bool linkDown, heardSinceLinkUp;
  int64_t linkUpAt;
} sf_ReorderBuffer;

void sf_reorder_init(sf_ReorderBuffer* buffer, const sf_ReorderOptions* options);

/* The link went down or came up (ReorderBuffer.linkChanged): while down no gap is given up for
 * lack of time; after a reconnect the wait counts from the first message heard, or from timeoutMs
 * after the reconnect while none is. */
void sf_reorder_linkChanged(sf_ReorderBuffer* buffer, bool up, int64_t now);
/* Forgets every chain and what waits (no deliveries); the buffer can be used again. */
void sf_reorder_clear(sf_ReorderBuffer* buffer);

/* Takes one message of `stream` (its topic) with its envelope id `id` (`<bootId>:<seq>`, as sent:
 * bootIdLength bytes of boot id, then ':' and the digits), its seq (>= 1) and `p` (0 when
 * absent). Out of memory to hold a message that must wait: the gaps before it are given up (as
 * reported gaps: its stragglers come late) and it is delivered in order; no memory for its chain
 * at all: delivered at once (rather than lost), counted in `unguarded`. */
sf_ReorderResult sf_reorder_accept(sf_ReorderBuffer* buffer, const char* stream, const char* id, size_t idLength, size_t bootIdLength, int64_t seq,
                                   int64_t previous, int channel, const char* payload, size_t length, int64_t now);

/* Messages waiting, over all chains. */
uint32_t sf_reorder_held(const sf_ReorderBuffer* buffer);

/* The earliest armed timer: false when none; else its due time and sequence. */
bool sf_reorder_nextTimer(const sf_ReorderBuffer* buffer, int64_t* due, uint64_t* sequence);
/* Fires the earliest armed timer (the clock reads at least its due time). */
void sf_reorder_fireTimer(sf_ReorderBuffer* buffer, int64_t now);

#endif
