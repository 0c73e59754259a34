/* The boots whose "offline" status this device published on its current connection (stopApp while
 * connected), so ownStatusHeard (networkDevice.c) can leave them unanswered; the C side of
 * firmware/comms/retainedSentHere.ts, keyed by boot id since only the status topic needs it.
 *
 * Why it is sound: MQTT 3.1.1 section 4.6 keeps one connection's PUBLISHes on a topic in order, and
 * each such offline went out before the next boot's online on the same connection, so the
 * broker's stored status is already that online when the offline comes back to our status
 * subscription (it always does: the subscription is made once, before any app, and the broker
 * fans our own publish out to it live). Answering it republished "online" for nothing, once per
 * install. Forgotten when the connection goes down: a packet Paho resends after a reconnect may
 * reach the broker after what the new connection published first, and must then be answered. */
#ifndef SF_POSIX_OFFLINES_SENT_HERE_H
#define SF_POSIX_OFFLINES_SENT_HERE_H

#include <stdbool.h>
#include <stddef.h>

/* Boots follow each other on one connection (an install, a rollback): the last few, with margin.
 * The oldest is overwritten, so it never grows. */
#define SF_OFFLINES_SENT_HERE 4
/* A boot id longer than this is kept by its prefix (ours are 8 hex digits). */
#define SF_OFFLINES_SENT_HERE_BOOT_ID_MAX 64

typedef struct sf_OfflinesSentHere {
  char bootIds[SF_OFFLINES_SENT_HERE][SF_OFFLINES_SENT_HERE_BOOT_ID_MAX + 1];
  size_t next;
} sf_OfflinesSentHere;

/* This connection published the offline of boot `bootId`. */
void sf_offlinesSentHere_add(sf_OfflinesSentHere* sent, const char* bootId);
/* An offline of boot `bootId` is one of them. */
bool sf_offlinesSentHere_has(const sf_OfflinesSentHere* sent, const char* bootId);
/* The connection went down: their order against what comes next is no longer known. */
void sf_offlinesSentHere_forget(sf_OfflinesSentHere* sent);

#endif
