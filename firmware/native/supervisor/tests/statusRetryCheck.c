/* Issue 12: the retained status, the app's messages and log lines must reach the broker even when
 * the link to the co-processor has no room at the moment they are sent. The MCU side as linkDevice.c runs it (the real supervisor, a
 * real app, the real link: linkNet.c over linkSession.c) against a scripted co-processor that
 * holds its PUBLISHED answers (a busy host) or stops reading the wire, on a simulated clock. The
 * app switch of an OTA (stop, new version, start) happens while the link is full; the status of
 * the new version must go out once there is room: at the next acknowledgement, or at a later
 * turn of the loop when room came without one. The `outbox` scenario: the app's QoS 1 messages
 * (the coded logger's readings, one a second) and log lines refused as busy wait in the outbox
 * and leave in order once there is room, nothing lost below the outbox's bound; the default
 * in-flight window leaves the link room for the rest. Prints one line per check; exit status 1
 * at the first failure. Built and run by firmware/native/supervisor/statusRetry.test.ts.
 *
 * The `full` scenario: the link's subscription table has room for only 2 of the app's 4 (the rest
 * taken before): the start is refused, in words, before the app runs, and the app's 2 are withdrawn.
 *
 * The `nomemory` scenario: a QoS 1 command whose sender's chain the reorder window has no memory
 * for (hal_malloc failing for the chain array) still reaches the app, and the count reaches the
 * log topic as the dedup window's does: the first line as it comes, the rest at the next link up.
 *
 *   statusRetryCheck MANIFEST.json DEVICE.snap [status|outbox|full|nomemory] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../link/linkMessages.h"
#include "../../link/linkNet.h"
#include "../../link/tests/memoryWire.h"
#include "../supervisor.h"
#include "../topics.h"

/* hal_malloc failing once, for the next block of at least `failFrom` bytes (0: never): the POSIX
 * port's, wrapped by the linker (-Wl,--wrap=hal_malloc, statusRetry.test.ts). */
void* __real_hal_malloc(size_t size);
static size_t failFrom;
void* __wrap_hal_malloc(size_t size) {
  if (failFrom && size >= failFrom) {
    failFrom = 0;
    return NULL;
  }
  return __real_hal_malloc(size);
}
static void printStateAndExit(void);
#define SF_CHECK_FAILED() printStateAndExit()
#include "../../tests/checks.h"

#define UNIX_BASE 1700000000000LL

static int64_t t; /* simulated monotonic ms */
static bool holdWire; /* the co-processor reads nothing the MCU sends */

/* --- the scripted co-processor ---------------------------------------------------------------- */
static sf_LinkSession coprocessor;
static bool autoAcknowledge = true;
static uint32_t held[64];
static int heldCount;
static int statusCount;
static char lastStatus[512];
/* What reached the co-processor from the app: the readings of its QoS 1 `status` channel in
 * arrival order, and every QoS 0 payload (log lines, the app's `log` channel). */
static int readings[256];
static int readingCount;
static char qos0[16 * 1024];

static void acknowledge(uint32_t token) {
  uint8_t body[6] = {SF_LINK_MSG_PUBLISHED, (uint8_t)token, (uint8_t)(token >> 8), (uint8_t)(token >> 16), (uint8_t)(token >> 24), 1};
  sf_linkSession_send(&coprocessor, body, sizeof body);
}

static void coprocessorMessage(void* c, const uint8_t* body, size_t n) {
  (void)c;
  if (n < 9 || body[0] != SF_LINK_MSG_PUBLISH) return;
  uint32_t token = (uint32_t)body[1] | (uint32_t)body[2] << 8 | (uint32_t)body[3] << 16 | (uint32_t)body[4] << 24;
  bool retain = body[6];
  size_t topicLength = (size_t)body[7] | (size_t)body[8] << 8;
  if (retain) { /* only the status is retained */
    size_t length = n - 9 - topicLength;
    if (length >= sizeof lastStatus) length = sizeof lastStatus - 1;
    memcpy(lastStatus, body + 9 + topicLength, length);
    lastStatus[length] = 0;
    statusCount++;
  }
  const char* payload = (const char*)body + 9 + topicLength;
  size_t length = n - 9 - topicLength;
  if (!retain && body[5] == 1) {
    char text[512];
    snprintf(text, sizeof text, "%.*s", (int)length, payload);
    const char* at = strstr(text, "\"readings\":");
    if (at && readingCount < 256) readings[readingCount++] = atoi(at + strlen("\"readings\":"));
  }
  if (body[5] == 0 && strlen(qos0) + length + 2 < sizeof qos0) strncat(qos0, payload, length), strcat(qos0, "\n");
  if (autoAcknowledge) acknowledge(token);
  else if (heldCount < 64) held[heldCount++] = token;
}

static void coprocessorChanged(void* c, bool up) { (void)c, (void)up; }
static void coprocessorRestarted(void* c) { (void)c; }

/* --- the MCU's port, clock, board and randomness ------------------------------------------------ */
static int64_t monotonic(void* c) { (void)c; return t; }
static void noWait(void* c, uint32_t ms) { (void)c, (void)ms; }

static int64_t clockNow(hal_Clock* c) { (void)c; return UNIX_BASE + t; }
static const hal_ClockOps CLOCK_OPS = {clockNow};
static hal_Clock deviceClock = {&CLOCK_OPS};
static void fill(hal_Random* r, uint8_t* out, size_t n) { (void)r; for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(i * 37 + 11); }
static const hal_RandomOps RANDOM_OPS = {fill};
static hal_Random random_ = {&RANDOM_OPS};
static const char* boardName(hal_Board* b) { (void)b; return "simulated"; }
static bool hasPin(hal_Board* b, hal_PinKind k, const char* p) { (void)b, (void)k, (void)p; return true; }
static double analogRead(hal_Board* b, const char* p, int64_t ms) { (void)b, (void)p, (void)ms; return 21.5; }
static bool digitalRead(hal_Board* b, const char* p) { (void)b, (void)p; return false; }
static bool digitalWrite(hal_Board* b, const char* p, bool l, int64_t ms) { (void)b, (void)p, (void)l, (void)ms; return true; }
static const hal_BoardOps BOARD_OPS = {boardName, hasPin, analogRead, digitalRead, digitalWrite};
static hal_Board board = {&BOARD_OPS};

static char logLines[64 * 1024];
static void onLog(void* c, const char* line) {
  (void)c;
  if (strlen(logLines) + strlen(line) + 2 < sizeof logLines) strcat(logLines, line), strcat(logLines, "\n");
}

static sf_LinkNet net;
static sf_Supervisor* supervisor;

/* Moves what each side wrote to the other until the wire is quiet. */
static void pump(void) {
  for (int round = 0; round < 200; round++) {
    if (!holdWire && toCoprocessorLength) {
      size_t n = toCoprocessorLength;
      uint8_t bytes[WIRE];
      memcpy(bytes, toCoprocessor, n);
      toCoprocessorLength = 0;
      sf_linkSession_receive(&coprocessor, bytes, n, t);
    }
    if (holdWire) toCoprocessorLength = 0; /* lost: the MCU's session sends it again */
    sf_linkSession_poll(&coprocessor, t);
    net.base.ops->poll(&net.base, 0);
    if (!toMcuLength && (holdWire || !toCoprocessorLength)) return;
  }
}

/* A turn of linkDevice.c's loop, `ms` later. */
static void step(int64_t ms) {
  t += ms;
  while (sf_supervisor_fireNextTimer(supervisor, UNIX_BASE + t)) {
  }
  pump();
}

/* At the first failed check: what the co-processor saw, and stop (the scenario goes on from there). */
static void printStateAndExit(void) {
  printf("last status: %s\nstatuses: %d\nreadings:", lastStatus, statusCount);
  for (int i = 0; i < readingCount; i++) printf(" %d", readings[i]);
  printf("\nQoS 0:\n%slog:\n%s", qos0, logLines);
  exit(1);
}

static uint8_t* readFile(const char* name, size_t* size) {
  FILE* f = fopen(name, "rb");
  if (!f) { fprintf(stderr, "can't open %s\n", name); exit(2); }
  fseek(f, 0, SEEK_END);
  *size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t* bytes = malloc(*size + 1);
  if (fread(bytes, 1, *size, f) != *size) exit(2);
  bytes[*size] = 0;
  fclose(f);
  return bytes;
}

/* The app switch of an OTA, as linkDevice.c's bootApp makes it (there with a new supervisor). */
static void install(sf_Manifest* manifest, const char* version, const uint8_t* snapshot, size_t size) {
  sf_supervisor_stop(supervisor);
  snprintf(manifest->version, sizeof manifest->version, "%s", version);
  char error[200];
  if (!sf_supervisor_start(supervisor, snapshot, size, error, sizeof error)) { printf("FAIL: start: %s\n", error); exit(1); }
}

static bool statusSays(bool online, const char* version) {
  char expected[200];
  snprintf(expected, sizeof expected, "{\"online\":%s,\"version\":\"%s\"", online ? "true" : "false", version);
  return strncmp(lastStatus, expected, strlen(expected)) == 0;
}

/* The readings that reached the co-processor are first..last, each once, in order. */
static bool readingsAre(int first, int last) {
  if (readingCount != last - first + 1) return false;
  for (int i = 0; i < readingCount; i++)
    if (readings[i] != first + i) return false;
  return true;
}

static void fillInFlight(void) {
  uint32_t token = SF_TOKEN_FOREIGN;
  while (net.inFlightCount < SF_LINK_MAX_IN_FLIGHT) {
    if (net.base.ops->publish(&net.base, "$aws/things/board-1/jobs/j/update", (const uint8_t*)"{}", 2, 1, false, token++) != HAL_NET_OK) break;
  }
  pump();
}

static void acknowledgeHeld(void) {
  for (int i = 0; i < heldCount; i++) acknowledge(held[i]);
  heldCount = 0;
  pump();
}

static void statusScenario(sf_Manifest* manifest, const uint8_t* snapshot, size_t snapshotSize);
static void outboxScenario(void);
static void fullScenario(const sf_Manifest* manifest, const uint8_t* snapshot, size_t snapshotSize);
static void noMemoryScenario(const sf_Manifest* manifest);

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) { fprintf(stderr, "usage: statusRetryCheck MANIFEST.json DEVICE.snap [status|outbox|full]\n"); return 2; }
  bool outbox = argc == 4 && strcmp(argv[3], "outbox") == 0;
  size_t manifestSize, snapshotSize;
  char* json = (char*)readFile(argv[1], &manifestSize);
  uint8_t* snapshot = readFile(argv[2], &snapshotSize);
  static sf_Manifest manifest;
  char error[200];
  if (!sf_manifest_parse(json, manifestSize, &manifest, error, sizeof error)) { fprintf(stderr, "manifest: %s\n", error); return 2; }

  sf_LinkSessionEvents events = {NULL, coprocessorWrite, coprocessorMessage, coprocessorChanged, coprocessorRestarted};
  sf_linkSession_init(&coprocessor, &events, 0xC0C0u, t);
  sf_LinkPort port = {NULL, mcuRead, mcuWrite, monotonic, noWait};
  sf_linkNet_init(&net, &port, 0x3C3Cu);
  hal_Platform platform = {&deviceClock, &board, &net.base, NULL, &random_};
  sf_SupervisorConfig config = {0};
  config.thing = "board-1";
  config.manifest = &manifest;
  config.platform = &platform;
  config.bootId = "b00710ad";
  if (outbox) {
    config.outboxCapacity = 8; /* small, as on the M0+: the bound is reached within seconds */
    config.logCapacity = 2;
  } else {
    config.inFlightWindow = 4; /* the app's messages leave the link room, as on the M0+ */
  }
  config.onLog = onLog;
  supervisor = sf_supervisor_create(&config);
  hal_NetEvents netEvents;
  sf_supervisor_netEvents(supervisor, &netEvents);
  net.base.ops->setEvents(&net.base, &netEvents);
  if (argc == 4 && strcmp(argv[3], "full") == 0) {
    fullScenario(&manifest, snapshot, snapshotSize);
    free(json);
    free(snapshot);
    return 0;
  }
  if (!sf_supervisor_start(supervisor, snapshot, snapshotSize, error, sizeof error)) { printf("FAIL: start: %s\n", error); return 1; }

  uint8_t up[2] = {SF_LINK_MSG_MQTT_STATE, 1};
  sf_linkSession_send(&coprocessor, up, sizeof up);
  for (int i = 0; i < 20 && !net.online; i++) step(10);
  check(net.online && statusCount == 1 && statusSays(true, manifest.version), "the status goes out at the connect");
  if (outbox) outboxScenario();
  else if (argc == 4 && strcmp(argv[3], "nomemory") == 0) noMemoryScenario(&manifest);
  else statusScenario(&manifest, snapshot, snapshotSize);
  sf_supervisor_stop(supervisor);
  sf_supervisor_destroy(supervisor);
  free(json);
  free(snapshot);
  return 0;
}

static void statusScenario(sf_Manifest* manifest, const uint8_t* snapshot, size_t snapshotSize) {

  /* The host is busy: no PUBLISHED comes back; the co-processor's backlog (the OTA agent's job
   * updates, say) fills the link's table of unacknowledged publishes. */
  autoAcknowledge = false;
  uint32_t token = SF_TOKEN_FOREIGN;
  while (net.inFlightCount < SF_LINK_MAX_IN_FLIGHT) {
    if (net.base.ops->publish(&net.base, "$aws/things/board-1/jobs/j/update", (const uint8_t*)"{}", 2, 1, false, token++) != HAL_NET_OK) break;
  }
  pump();
  check(net.inFlightCount == SF_LINK_MAX_IN_FLIGHT, "the link holds 16 unacknowledged publishes");
  int before = statusCount;
  install(manifest, "v2", snapshot, snapshotSize);
  install(manifest, "v3", snapshot, snapshotSize);
  step(10);
  check(statusCount == before && strstr(logLines, "status online waiting for room on the network") && !strstr(logLines, "not published"),
        "a status the full link refuses waits (no status goes out, nothing logged as lost)");

  /* The host answers again: the first acknowledgement makes room, and the latest status takes it. */
  autoAcknowledge = true;
  acknowledge(held[0]);
  pump();
  check(statusCount == before + 1 && statusSays(true, "v3"), "the first acknowledgement sends the latest status (online, v3), once");
  for (int i = 1; i < heldCount; i++) acknowledge(held[i]);
  heldCount = 0;
  for (int i = 0; i < 30; i++) step(10);
  check(statusCount == before + 1 && statusSays(true, "v3"), "no older status follows it (latest wins)");

  /* Room can also come without an acknowledgement the supervisor hears: the link's own queue of
   * frames is full while the co-processor reads nothing, and drains when it reads again. */
  holdWire = true;
  uint8_t filler[SF_LINK_MAX_BODY];
  memset(filler, 0, sizeof filler);
  filler[0] = 0x7F; /* a message type the co-processor ignores */
  while (sf_linkNet_send(&net, filler, sizeof filler)) {
  }
  before = statusCount;
  install(manifest, "v4", snapshot, snapshotSize);
  step(10);
  check(statusCount == before && strstr(logLines, "status online waiting"), "the status waits while the link's queue is full");
  holdWire = false;
  for (int i = 0; i < 300 && statusCount == before; i++) step(10);
  check(statusCount == before + 1 && statusSays(true, "v4"), "it goes out on a later turn of the loop once the queue drained, with no acknowledgement");
  check(!strstr(logLines, "not published"), "no status was lost on the way");
}

static void outboxScenario(void) {
  sf_SupervisorStats stats;
  /* The default window: with no acknowledgement coming back, the app's messages stop at 12 in
   * flight and leave the link's other 4 places to the rest (a log line here). */
  autoAcknowledge = false;
  for (int i = 0; i < 1400; i++) step(10); /* 14 s: readings 1..14 */
  sf_supervisor_stats(supervisor, &stats);
  check(net.inFlightCount == 12 && stats.unacknowledgedMessages == 12 && stats.queuedMessages == 2,
        "with the default window the app's QoS 1 messages hold 12 of the link's 16 places, the rest wait in the outbox");
  sf_supervisor_report(supervisor, "a log line while the app waits for acknowledgements");
  pump();
  check(strstr(qos0, "a log line while the app waits") != NULL, "a log line still finds room on the link");
  autoAcknowledge = true;
  acknowledgeHeld();
  check(readingsAre(1, 14), "once acknowledged, readings 1..14 arrived once each, in order");

  /* The link's table of unacknowledged publishes full (the co-processor's backlog): the app's
   * readings and a log line are refused as busy and wait, none dropped. */
  autoAcknowledge = false;
  fillInFlight();
  for (int i = 0; i < 500; i++) step(10); /* 5 s: readings 15..19 */
  sf_supervisor_report(supervisor, "a log line while the link is full");
  step(10);
  sf_supervisor_stats(supervisor, &stats);
  check(readingsAre(1, 14) && stats.queuedMessages == 5 && stats.droppedMessages == 0 && stats.droppedLogs == 0 && !strstr(qos0, "while the link is full"),
        "the app's messages and the log line the full link refuses wait in the outbox (5 queued, none dropped)");
  check(strstr(logLines, "waiting for room on the network") && !strstr(logLines, "retrying after the next reconnect"),
        "the wait is logged as waiting for room, not as waiting for a reconnect");
  autoAcknowledge = true;
  acknowledge(held[0]);
  pump();
  check(readingsAre(1, 19) && strstr(qos0, "a log line while the link is full"),
        "the first acknowledgement makes room: readings 15..19 and the log line go out in order, no reconnect needed");
  acknowledgeHeld();

  /* Room without an acknowledgement the supervisor hears: the link's frame queue full while the
   * co-processor reads nothing, drained when it reads again. */
  holdWire = true;
  uint8_t filler[SF_LINK_MAX_BODY];
  memset(filler, 0, sizeof filler);
  filler[0] = 0x7F; /* a message type the co-processor ignores */
  while (sf_linkNet_send(&net, filler, sizeof filler)) {
  }
  for (int i = 0; i < 200; i++) step(10); /* 2 s: readings 20, 21 */
  check(readingsAre(1, 19), "the readings wait while the link's frame queue is full");
  holdWire = false;
  for (int i = 0; i < 90; i++) step(10);
  check(readingsAre(1, 21), "they go out on a later turn of the loop once the queue drained, in order");

  /* The bound: 11 readings refused as busy in an outbox of 8 cost the 3 oldest, counted; 3 log
   * lines in a log buffer of 2 cost the oldest. */
  autoAcknowledge = false;
  fillInFlight();
  sf_supervisor_report(supervisor, "log line A");
  sf_supervisor_report(supervisor, "log line B");
  sf_supervisor_report(supervisor, "log line C");
  for (int i = 0; i < 1100; i++) step(10); /* 11 s: readings 22..32 */
  sf_supervisor_stats(supervisor, &stats);
  check(stats.droppedMessages == 3 && stats.queuedMessages == 8 && stats.droppedLogs == 1,
        "over the outbox's bound the oldest are dropped and counted (3 of 11 readings, 1 of 3 log lines)");
  autoAcknowledge = true;
  acknowledgeHeld();
  bool newestInOrder = readingCount == 21 + 8;
  for (int i = 0; newestInOrder && i < 8; i++) newestInOrder = readings[21 + i] == 25 + i;
  check(newestInOrder && !strstr(qos0, "log line A") && strstr(qos0, "log line B") && strstr(qos0, "log line C") &&
            strstr(qos0, "log line B") < strstr(qos0, "log line C"),
        "the rest go out once there is room: readings 25..32 and log lines B, C, in order");
}

static void fullScenario(const sf_Manifest* manifest, const uint8_t* snapshot, size_t snapshotSize) {
  /* The coded logger subscribes 4 topics (commands and status, each its own and broadcast). */
  char topic[128];
  for (int i = 0; i < SF_LINK_MAX_SUBSCRIPTIONS - 2; i++) {
    snprintf(topic, sizeof topic, "elsewhere/%d", i);
    net.base.ops->subscribe(&net.base, topic, 0);
  }
  char error[300] = "", expected[300];
  bool started = sf_supervisor_start(supervisor, snapshot, snapshotSize, error, sizeof error);
  snprintf(expected, sizeof expected, "can't subscribe to sf/%s/board-1/status/down: no room on this device for more than 2 subscriptions (2 per incoming channel)", manifest->app);
  if (strcmp(error, expected) != 0) printf("  the error: %s\n", error);
  check(!started && strcmp(error, expected) == 0, "a subscription the link can't keep refuses the start, saying which and how many fit");
  check(net.topicCount == SF_LINK_MAX_SUBSCRIPTIONS - 2, "the app's 2 subscriptions that fit are withdrawn");
  /* as linkDevice.c's bootApp after a failed start: the OTA agent reports the words */
  net.base.ops->setEvents(&net.base, NULL);
  sf_supervisor_destroy(supervisor);
  uint8_t up[2] = {SF_LINK_MSG_MQTT_STATE, 1};
  sf_linkSession_send(&coprocessor, up, sizeof up);
  for (int i = 0; i < 100; i++) t += 10, pump();
  check(net.online && statusCount == 0 && readingCount == 0 && qos0[0] == 0, "the app never ran: no message or log line of it reached the co-processor");
  for (int i = 0; i < SF_LINK_MAX_SUBSCRIPTIONS - 2; i++) {
    snprintf(topic, sizeof topic, "elsewhere/%d", i);
    net.base.ops->unsubscribe(&net.base, topic);
  }
}

/* Times `text` occurs in `in`. */
static int occurrences(const char* in, const char* text) {
  int n = 0;
  for (const char* at = strstr(in, text); at; at = strstr(at + 1, text)) n++;
  return n;
}

static void command(const char* topic, const char* bootId, int seq, const char* value) {
  char envelope[200];
  int length = snprintf(envelope, sizeof envelope, "{\"id\":\"%s:%d\",\"v\":\"%s\",\"t\":%lld}", bootId, seq, value, UNIX_BASE + t);
  sf_supervisor_onMessage(supervisor, topic, (const uint8_t*)envelope, (size_t)length);
  step(10);
}

static void noMemoryScenario(const sf_Manifest* manifest) {
  sf_Text topic;
  sf_text_init(&topic, 0);
  sf_topic_down(&topic, manifest->app, "board-1", "commands");
  const char* line = "no memory for the reorder window: delivered 1 messages as they came, unordered and without the repeat check, since the last report (the heap is full)";
  command(topic.data, "dash", 1, "first");
  /* a second sender's chain grows the array (from one chain on a host): the block that fails */
  failFrom = 300;
  command(topic.data, "tab", 1, "second");
  check(failFrom == 0 && strstr(qos0, "second") != NULL, "no memory for tab's chain: its command still reaches the app (its log line reached the co-processor)");
  check(occurrences(logLines, line) == 1 && occurrences(qos0, line) == 1, "counted and reported on the log topic at once, in the dedup window's style");
  failFrom = 300;
  command(topic.data, "tab", 2, "third");
  check(strstr(qos0, "third") != NULL && occurrences(logLines, "no memory for the reorder window") == 1, "a second one on the same connection: delivered, counted, not said yet");
  uint8_t down[2] = {SF_LINK_MSG_MQTT_STATE, 0}, up[2] = {SF_LINK_MSG_MQTT_STATE, 1};
  sf_linkSession_send(&coprocessor, down, sizeof down);
  step(10);
  sf_linkSession_send(&coprocessor, up, sizeof up);
  for (int i = 0; i < 20 && !net.online; i++) step(10);
  step(10);
  check(occurrences(logLines, line) == 2 && occurrences(qos0, line) == 2, "the rest at the next link up, with the count since the last report");
  sf_text_free(&topic);
}
