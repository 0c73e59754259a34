/* Two link sessions (linkSession.c) back to back through a simulated wire that can drop,
 * corrupt and cut bytes, on a simulated clock: every message arrives once and in order, an
 * outage is seen on both sides, a restart of either side resynchronises and loses nothing
 * queued. Prints one line per check; exit status 1 at the first failure. Built and run by
 * firmware/native/link/link.test.ts with the machine's C compiler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SF_CHECK_FAILED() exit(1) /* each check stands on the ones before */
#include "../../tests/checks.h"
#include "../linkSession.h"

#define WIRE 65536
typedef struct Side {
  sf_LinkSession s;
  uint8_t wire[WIRE]; /* bytes on their way to the other side */
  size_t wireLength;
  int received[4096];
  int receivedCount;
  int ups, downs, restarts;
} Side;

static Side a, b;
static int64_t now;
static unsigned dropEvery, corruptEvery, byteCount;
static int cut; /* 1: the wire carries nothing */

static void writeA(void* c, const uint8_t* bytes, size_t n) { (void)c; if (!cut && a.wireLength + n < WIRE) memcpy(a.wire + a.wireLength, bytes, n), a.wireLength += n; }
static void writeB(void* c, const uint8_t* bytes, size_t n) { (void)c; if (!cut && b.wireLength + n < WIRE) memcpy(b.wire + b.wireLength, bytes, n), b.wireLength += n; }
static void message(void* c, const uint8_t* body, size_t n) {
  Side* side = c;
  int value;
  if (n != sizeof value) { printf("FAIL: a message of %zu bytes\n", n); exit(1); }
  memcpy(&value, body, sizeof value);
  side->received[side->receivedCount++] = value;
}
static void changed(void* c, bool up) { Side* side = c; if (up) side->ups++; else side->downs++; }
static void restarted(void* c) { ((Side*)c)->restarts++; }

static void start(Side* side, void (*write)(void*, const uint8_t*, size_t), uint32_t session) {
  sf_LinkSessionEvents e = {side, write, message, changed, restarted};
  sf_linkSession_init(&side->s, &e, session, now);
}

/* Moves the bytes each side wrote to the other, damaging some on the way. */
static void deliver(Side* from, Side* to) {
  uint8_t bytes[WIRE];
  size_t n = from->wireLength;
  memcpy(bytes, from->wire, n);
  from->wireLength = 0;
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    byteCount++;
    if (dropEvery && byteCount % dropEvery == 0) continue;
    uint8_t byte = bytes[i];
    if (corruptEvery && byteCount % corruptEvery == 0) byte ^= 0x5A;
    bytes[kept++] = byte;
  }
  if (kept) sf_linkSession_receive(&to->s, bytes, kept, now);
}

static void run(int64_t ms) {
  for (int64_t end = now + ms; now < end; now += 5) {
    sf_linkSession_poll(&a.s, now);
    sf_linkSession_poll(&b.s, now);
    deliver(&a, &b);
    deliver(&b, &a);
  }
}

static bool inOrderOnce(const Side* side, int count) {
  if (side->receivedCount != count) {
    printf("  received %d of %d\n", side->receivedCount, count);
    return false;
  }
  for (int i = 0; i < count; i++) if (side->received[i] != i) { printf("  message %d is %d\n", i, side->received[i]); return false; }
  return true;
}

static int sent;
static void sendSome(int count) {
  for (int i = 0; i < count; i++, sent++) {
    while (!sf_linkSession_send(&a.s, (const uint8_t*)&sent, sizeof sent)) run(20);
  }
}

/* Every body length up to the largest a message may have, all zeros (the most COBS blocks) and
 * none: a frame the decoder refuses would be sent again forever and hold up the whole queue. */
static bool everyLengthDecodes(void) {
  static uint8_t body[SF_LINK_MAX_BODY], encoded[SF_LINK_MAX_ENCODED];
  for (int fill = 0; fill < 2; fill++) {
    for (size_t length = 0; length <= SF_LINK_MAX_BODY; length++) {
      memset(body, fill ? 0x41 : 0, sizeof body);
      if (length) body[length - 1] = 0xFE;
      sf_LinkFrame frame = {SF_LINK_DATA, 3, 4, 0xC0DE, body, length}, decoded;
      size_t n = sf_linkFrame_encode(&frame, encoded);
      sf_LinkDecoder decoder;
      sf_linkDecoder_init(&decoder);
      bool got = false;
      for (size_t i = 0; i < n; i++) got = sf_linkDecoder_push(&decoder, encoded[i], &decoded) || got;
      if (!got || decoded.bodyLength != length || memcmp(decoded.body, body, length) != 0) {
        printf("  a %zu-byte body of %s does not decode\n", length, fill ? "non-zero bytes" : "zeros");
        return false;
      }
    }
  }
  return true;
}

int main(void) {
  check(everyLengthDecodes(), "a frame of every body length up to SF_LINK_MAX_BODY decodes");
  start(&a, writeA, 0xA1);
  start(&b, writeB, 0xB1);
  run(100);
  check(a.s.up && b.s.up, "both sides see the link up");
  sendSome(50);
  run(2000);
  check(inOrderOnce(&b, 50), "50 messages arrive once, in order");

  dropEvery = 97;
  corruptEvery = 131;
  sendSome(200);
  for (int i = 0; i < 600 && b.receivedCount < 250; i++) run(200); /* a retransmission waits SF_LINK_RETRANSMIT_MS */
  dropEvery = corruptEvery = 0;
  check(inOrderOnce(&b, 250), "200 more through a wire that drops and corrupts bytes: once, in order");
  check(a.s.retransmissions > 0 && b.s.decoder.badFrames > 0, "damage was seen and repaired by retransmission");

  cut = 1;
  sendSome(5);
  run(SF_LINK_OUTAGE_MS + 500);
  check(!a.s.up && !b.s.up && a.downs == 1 && b.downs == 1, "a cut longer than the keepalive: both sides see the outage");
  cut = 0;
  run(3000);
  check(a.s.up && b.s.up && inOrderOnce(&b, 255), "after the cut: up again, the 5 queued messages arrive once");

  /* The receiving side restarts (the co-processor is killed and started again). */
  sendSome(20);
  run(15); /* some in flight */
  int before = b.receivedCount, last = b.received[before - 1];
  b.receivedCount = 0;
  start(&b, writeB, 0xB2);
  run(5000);
  check(a.restarts == 1, "the sender notices the restart");
  /* The message in flight at the restart may arrive again (at least once across a restart of the
   * receiver: the envelope id drops the repeat above the link); everything after it once. */
  int from = b.receivedCount > 0 && b.received[0] == last ? 1 : 0;
  bool rest = before + b.receivedCount - from == 275;
  for (int i = from; rest && i < b.receivedCount; i++) rest = b.received[i] == before + i - from;
  check(rest, "after the receiver's restart the rest of the queue arrives in order (nothing queued lost)");

  /* The sending side restarts: its new session starts from seq 0; the receiver resynchronises. */
  int base = b.receivedCount;
  start(&a, writeA, 0xA2);
  sent = 1000;
  for (int i = 0; i < 10; i++, sent++) while (!sf_linkSession_send(&a.s, (const uint8_t*)&sent, sizeof sent)) run(20);
  run(3000);
  bool resynced = b.receivedCount == base + 10;
  for (int i = 0; resynced && i < 10; i++) resynced = b.received[base + i] == 1000 + i;
  check(resynced && b.restarts == 1, "after the sender's restart the receiver resynchronises: 10 new messages once, in order");
  return 0;
}
