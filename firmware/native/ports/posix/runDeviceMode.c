#include "runDeviceMode.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/json.h"
#include "../../core/textBuffer.h"
#include "clock.h"

static volatile sig_atomic_t stopRequested;

typedef struct RunState {
  sf_JsonDocument document;
  char ended[2048]; /* the failure that ends the run (at start, or fatal) */
  bool hasEnded;
  bool atStart;
} RunState;

static void onSignal(int signal) {
  (void)signal;
  stopRequested = 1;
}

/* Up topics only: {"channel","value","id","t"}, as JSON.stringify writes it. */
static void onPublish(void* context, const char* topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain) {
  RunState* s = context;
  (void)qos, (void)retain;
  size_t n = strlen(topic);
  if (n < 4 || strcmp(topic + n - 3, "/up") != 0 || strstr(topic, "/_log/")) return;
  const char* end = topic + n - 3;
  const char* start = end;
  while (start > topic && start[-1] != '/') start--;
  if (!sf_json_parse(&s->document, (const char*)payload, length, NULL)) return;
  const sf_JsonNode* root = &s->document.nodes[0];
  const sf_JsonNode* id = sf_json_member(&s->document, root, "id");
  const sf_JsonNode* t = sf_json_member(&s->document, root, "t");
  const char* v = strstr((const char*)payload, ",\"v\":");
  const char* tail = NULL;
  for (const char* p = (const char*)payload + length - 1; p > (const char*)payload; p--)
    if (strncmp(p, ",\"t\":", 5) == 0) {
      tail = p;
      break;
    }
  if (!id || !t || !v || !tail) return;
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "{\"channel\":");
  sf_text_appendJsonString(&line, start, (size_t)(end - start));
  sf_text_appendString(&line, ",\"value\":");
  sf_text_append(&line, v + 5, (size_t)(tail - (v + 5))); /* the envelope's v as written */
  sf_text_appendString(&line, ",\"id\":");
  sf_text_appendJsonString(&line, sf_json_string(&s->document, id), id->stringLength);
  sf_text_appendString(&line, ",\"t\":");
  sf_text_appendNumber(&line, t->number);
  sf_text_appendChar(&line, '}');
  fwrite(line.data, 1, line.length, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  sf_text_free(&line);
}

static void onPinWrite(void* context, const char* pin, bool level, int64_t at) {
  (void)context, (void)at;
  fprintf(stderr, "[board] %s <- %s\n", pin, level ? "HIGH" : "LOW");
}

static void onLog(void* context, const char* line) {
  (void)context;
  fprintf(stderr, "%s\n", line);
}

static void onAppFailure(void* context, const char* message, bool fatal, bool atStart) {
  RunState* s = context;
  if ((atStart || fatal) && !s->hasEnded) {
    s->hasEnded = true;
    s->atStart = atStart;
    snprintf(s->ended, sizeof s->ended, "%s", message);
  }
}

int sf_runDevice(sf_LocalDeviceOptions* o, double seconds) {
  RunState state = {0};
  sf_json_init(&state.document);
  o->onPublish = onPublish;
  o->onPinWrite = onPinWrite;
  o->onLog = onLog;
  o->onAppFailure = onAppFailure;
  o->context = &state;
  struct sigaction action = {0};
  action.sa_handler = onSignal;
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);

  sf_LocalDevice device;
  char error[1024];
  if (!sf_localDevice_start(&device, o, error, sizeof error)) {
    fprintf(stderr, "the device snapshot could not start: %s\n", error);
    sf_json_free(&state.document);
    return 1;
  }
  hal_Clock* clock = sf_posixPlatform_hal(device.platform)->clock;
  if (!state.hasEnded) {
    if (seconds > 0) fprintf(stderr, "running %s %.12s as %s for %g s\n", device.manifest.app, device.manifest.version, o->thing, seconds);
    else fprintf(stderr, "running %s %.12s as %s (Ctrl-C stops)\n", device.manifest.app, device.manifest.version, o->thing);
  }
  int64_t deadline = seconds > 0 ? sf_posixClock_monotonicMs() + (int64_t)(seconds * 1000) : INT64_MAX;
  while (!stopRequested && !state.hasEnded && sf_posixClock_monotonicMs() < deadline) {
    int64_t now = clock->ops->now(clock);
    if (sf_supervisor_fireNextTimer(device.supervisor, now)) {
      sf_localDevice_settle(&device);
      continue;
    }
    int64_t wait = sf_supervisor_nextTimerDue(device.supervisor) - now;
    int64_t untilDeadline = deadline - sf_posixClock_monotonicMs();
    if (wait > untilDeadline) wait = untilDeadline;
    if (wait > 100) wait = 100; /* stay responsive to signals and the deadline */
    if (wait > 0) {
      struct timespec t = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
      nanosleep(&t, NULL);
    }
  }
  sf_SupervisorStats stats;
  sf_supervisor_stats(device.supervisor, &stats);
  sf_supervisor_stop(device.supervisor);
  sf_localDevice_settle(&device);
  sf_localDevice_destroy(&device);
  sf_json_free(&state.document);
  if (state.hasEnded) {
    fprintf(stderr, "%s (%u app error%s): %s\n", state.atStart ? "the app failed at start" : "the app stopped", stats.appErrors, stats.appErrors == 1 ? "" : "s",
            state.ended);
    return 1;
  }
  fprintf(stderr, "stopped; VM heap %u B (peak %u B), %u app errors\n", stats.heapUsed, stats.heapPeak, stats.appErrors);
  return 0;
}
