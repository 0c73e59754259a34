/* Issue 12: the retained status must reach the broker even when the link to the co-processor has
 * no room at the moment it changes. The MCU side as linkDevice.c runs it (the real supervisor, a
 * real app, the real link: linkNet.c over linkSession.c) against a scripted co-processor that
 * holds its PUBLISHED answers (a busy host) or stops reading the wire, on a simulated clock. The
 * app switch of an OTA (stop, new version, start) happens while the link is full; the status of
 * the new version must go out once there is room: at the next acknowledgement, or at a later
 * turn of the loop when room came without one. Prints one line per check; exit status 1 at the
 * first failure. Built and run by firmware/native/supervisor/statusRetry.test.ts.
 *
 *   statusRetryCheck MANIFEST.json DEVICE.snap */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../link/linkMessages.h"
#include "../../link/linkNet.h"
#include "../supervisor.h"

#define WIRE 65536
#define UNIX_BASE 1700000000000LL

static int64_t t; /* simulated monotonic ms */
static uint8_t toMcu[WIRE], toCoprocessor[WIRE];
static size_t toMcuLength, toCoprocessorLength;
static bool holdWire; /* the co-processor reads nothing the MCU sends */

/* --- the scripted co-processor ---------------------------------------------------------------- */
static sf_LinkSession coprocessor;
static bool autoAcknowledge = true;
static uint32_t held[64];
static int heldCount;
static int statusCount;
static char lastStatus[512];

static void coprocessorWrite(void* c, const uint8_t* bytes, size_t n) {
  (void)c;
  if (toMcuLength + n < WIRE) memcpy(toMcu + toMcuLength, bytes, n), toMcuLength += n;
}

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
  if (autoAcknowledge) acknowledge(token);
  else if (heldCount < 64) held[heldCount++] = token;
}

static void coprocessorChanged(void* c, bool up) { (void)c, (void)up; }
static void coprocessorRestarted(void* c) { (void)c; }

/* --- the MCU's port, clock, board and randomness ------------------------------------------------ */
static size_t mcuRead(void* c, uint8_t* bytes, size_t capacity) {
  (void)c;
  size_t n = toMcuLength < capacity ? toMcuLength : capacity;
  memcpy(bytes, toMcu, n);
  memmove(toMcu, toMcu + n, toMcuLength - n);
  toMcuLength -= n;
  return n;
}
static void mcuWrite(void* c, const uint8_t* bytes, size_t n) {
  (void)c;
  if (toCoprocessorLength + n < WIRE) memcpy(toCoprocessor + toCoprocessorLength, bytes, n), toCoprocessorLength += n;
}
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

static void check(bool ok, const char* what) {
  printf("%s: %s\n", ok ? "ok" : "FAIL", what);
  if (!ok) {
    printf("last status: %s\nstatuses: %d\nlog:\n%s", lastStatus, statusCount, logLines);
    exit(1);
  }
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

int main(int argc, char** argv) {
  if (argc != 3) { fprintf(stderr, "usage: statusRetryCheck MANIFEST.json DEVICE.snap\n"); return 2; }
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
  config.inFlightWindow = 4; /* the app's messages leave the link room, as on the M0+ */
  config.onLog = onLog;
  supervisor = sf_supervisor_create(&config);
  hal_NetEvents netEvents;
  sf_supervisor_netEvents(supervisor, &netEvents);
  net.base.ops->setEvents(&net.base, &netEvents);
  if (!sf_supervisor_start(supervisor, snapshot, snapshotSize, error, sizeof error)) { printf("FAIL: start: %s\n", error); return 1; }

  uint8_t up[2] = {SF_LINK_MSG_MQTT_STATE, 1};
  sf_linkSession_send(&coprocessor, up, sizeof up);
  for (int i = 0; i < 20 && !net.online; i++) step(10);
  check(net.online && statusCount == 1 && statusSays(true, manifest.version), "the status goes out at the connect");

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
  install(&manifest, "v2", snapshot, snapshotSize);
  install(&manifest, "v3", snapshot, snapshotSize);
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
  install(&manifest, "v4", snapshot, snapshotSize);
  step(10);
  check(statusCount == before && strstr(logLines, "status online waiting"), "the status waits while the link's queue is full");
  holdWire = false;
  for (int i = 0; i < 300 && statusCount == before; i++) step(10);
  check(statusCount == before + 1 && statusSays(true, "v4"), "it goes out on a later turn of the loop once the queue drained, with no acknowledgement");
  check(!strstr(logLines, "not published"), "no status was lost on the way");
  sf_supervisor_stop(supervisor);
  sf_supervisor_destroy(supervisor);
  free(json);
  free(snapshot);
  return 0;
}
