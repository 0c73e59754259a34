/* The link's subscriptions (linkNet.c) against a peer session playing the co-processor, on a
 * simulated clock: the table holds what the image supports (here SF_MAX_CHANNELS 3: 2 per
 * channel and the settings shadow's 4), every subscription made while the link's queue is full
 * still reaches the peer, one past the table is refused as FULL, and a restarted peer gets them
 * all again, also when the queue is full then; OTA replies still fit when publishes and
 * subscriptions have taken all the room they may, and reach the peer. Prints one line per check; exit status 1 at the
 * first failure. Built and run by firmware/native/link/link.test.ts. */
#define SF_MAX_CHANNELS 3
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SF_CHECK_FAILED() exit(1) /* each check stands on the ones before */
#include "../../tests/checks.h"
#include "../linkMessages.h"
#include "../linkNet.c" /* one unit, so the table is sized by the SF_MAX_CHANNELS above */
#include "memoryWire.h"

void* hal_malloc(size_t size) { return malloc(size); }
void hal_free(void* pointer) { free(pointer); }

static int64_t now;
static sf_LinkNet net;
static sf_LinkSession peer;
/* What the peer was asked to subscribe, in order of arrival. */
static char subscribed[64][SF_LINK_TOPIC_MAX];
static int subscribedCount;
/* OTA replies of the reserve check (job id "reserve-…") the peer received. */
static int repliesHeard;

static int64_t portNow(void* c) { (void)c; return now; }
static void portWait(void* c, uint32_t ms) { (void)c, (void)ms; }

static void peerMessage(void* c, const uint8_t* body, size_t n) {
  (void)c;
  if (n > 10 && body[0] == SF_LINK_MSG_OTA_REPLY && memcmp(body + 2, "reserve-", 8) == 0) repliesHeard++;
  if (n < 2 || body[0] != SF_LINK_MSG_SUBSCRIBE || subscribedCount == 64) return;
  memcpy(subscribed[subscribedCount], body + 2, n - 2);
  subscribed[subscribedCount++][n - 2] = 0;
}

static void startPeer(uint32_t session) {
  sf_LinkSessionEvents e = {NULL, coprocessorWrite, peerMessage, NULL, NULL};
  sf_linkSession_init(&peer, &e, session, now);
}

/* Both sides for `ms` of simulated time; the MCU side through hal_Net's poll, as the device runs it. */
static void run(int64_t ms) {
  for (int64_t end = now + ms; now < end; now += 5) {
    net.base.ops->poll(&net.base, 0);
    sf_linkSession_poll(&peer, now);
    size_t n = toCoprocessorLength;
    toCoprocessorLength = 0;
    if (n) sf_linkSession_receive(&peer, toCoprocessor, n, now);
  }
}

static void topic(char* out, int i) { sprintf(out, "sf/an-app-with-a-long-name/a-thing/channel-%d/down", i); }

/* Every topic 0..count-1 was asked for at least once since `from`. */
static bool allArrived(int count, int from) {
  for (int i = 0; i < count; i++) {
    char t[SF_LINK_TOPIC_MAX];
    topic(t, i);
    bool found = false;
    for (int k = from; k < subscribedCount && !found; k++) found = strcmp(subscribed[k], t) == 0;
    if (!found) {
      printf("  %s never reached the peer\n", t);
      return false;
    }
  }
  return true;
}

/* Fills the link's queue (messages the peer ignores) until it takes no more. */
static void fillQueue(void) {
  uint8_t body[SF_LINK_MAX_BODY] = {SF_LINK_MSG_OTA_REPLY};
  while (sf_linkNet_send(&net, body, sizeof body)) {
  }
  while (sf_linkNet_send(&net, body, 8)) {
  }
}

int main(void) {
  sf_LinkPort port = {NULL, mcuRead, mcuWrite, portNow, portWait};
  sf_linkNet_init(&net, &port, 0xA1);
  startPeer(0xC1);
  run(100);
  check(net.session.up, "the link is up");
  check(SF_LINK_MAX_SUBSCRIPTIONS == 2 * 3 + 4, "the table holds 2 subscriptions per channel and the settings shadow's 4");

  fillQueue();
  bool taken = true;
  for (int i = 0; i < SF_LINK_MAX_SUBSCRIPTIONS; i++) {
    char t[SF_LINK_TOPIC_MAX];
    topic(t, i);
    taken = taken && net.base.ops->subscribe(&net.base, t, 1) == HAL_NET_OK;
  }
  check(taken, "every subscription the table holds is taken while the link's queue is full");
  char extra[SF_LINK_TOPIC_MAX];
  topic(extra, SF_LINK_MAX_SUBSCRIPTIONS);
  check(net.base.ops->subscribe(&net.base, extra, 1) == HAL_NET_FULL, "one more is refused as FULL, not BUSY (it will never fit)");
  run(60000);
  check(allArrived(SF_LINK_MAX_SUBSCRIPTIONS, 0), "each reached the peer once the queue had room");

  char first[SF_LINK_TOPIC_MAX];
  topic(first, 0);
  check(net.base.ops->unsubscribe(&net.base, first) == HAL_NET_OK && net.base.ops->subscribe(&net.base, extra, 1) == HAL_NET_OK,
        "an unsubscribe frees a place");
  check(net.base.ops->subscribe(&net.base, first, 1) == HAL_NET_FULL, "and the table is full again");
  net.base.ops->unsubscribe(&net.base, extra);
  net.base.ops->subscribe(&net.base, first, 1);
  run(5000);

  /* The co-processor restarts while the queue is full: the subscriptions it lost all go again. */
  fillQueue();
  int before = subscribedCount;
  startPeer(0xC2);
  run(60000);
  check(allArrived(SF_LINK_MAX_SUBSCRIPTIONS, before), "a restarted peer gets every subscription again, though the queue was full");

  /* Publishes fill the room they may take: two OTA replies of the longest body still fit (the
   * reserve, linkNet.h), and reach the peer. */
  uint8_t up[2] = {SF_LINK_MSG_MQTT_STATE, 1};
  sf_linkSession_send(&peer, up, sizeof up);
  run(1000);
  check(net.online, "online once the co-processor's MQTT session is up");
  char upTopic[SF_LINK_TOPIC_MAX];
  topic(upTopic, 99);
  uint8_t payload[SF_LINK_MAX_BODY] = {0};
  int publishes = 0;
  hal_NetResult last;
  while ((last = net.base.ops->publish(&net.base, upTopic, payload, SF_LINK_MAX_BODY - 9 - strlen(upTopic), 1, false, 100 + publishes)) == HAL_NET_OK) publishes++;
  check(publishes > 0 && last == HAL_NET_BUSY, "publishes of the longest body take the queue until it is busy for them");
  uint8_t reply[SF_LINK_MAX_BODY] = {SF_LINK_MSG_OTA_REPLY, SF_OTA_REPLY_FAILED};
  memcpy(reply + 2, "reserve-1", 10);
  bool first_ = sf_linkNet_send(&net, reply, sizeof reply);
  memcpy(reply + 2, "reserve-2", 10);
  check(first_ && sf_linkNet_send(&net, reply, sizeof reply), "two OTA replies of the longest body still fit the queue");
  run(60000);
  check(repliesHeard == 2, "both replies reached the peer");

  for (int i = 0; i < SF_LINK_MAX_SUBSCRIPTIONS; i++) {
    char t[SF_LINK_TOPIC_MAX];
    topic(t, i);
    net.base.ops->unsubscribe(&net.base, t);
  }
  check(net.topicCount == 0, "unsubscribing frees every topic (ASan: nothing leaks)");
  return 0;
}
