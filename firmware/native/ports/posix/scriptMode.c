#include "scriptMode.h"

#include <stdlib.h>
#include <string.h>

#include "../../core/json.h"
#include "../../core/textBuffer.h"
#include "../../core/valueTokens.h"
#include "../../supervisor/settingsSync.h"
#include "../../supervisor/topics.h"
#include "heapReport.h"

#define SHADOW_STEP_USAGE "\"shadow\" takes an answer of the settings shadow (get/accepted, get/rejected, update/delta or update/rejected) and a \"payload\" string"

static void printLine(const sf_Text* line) {
  fwrite(line->data, 1, line->length, stdout);
  fputc('\n', stdout);
}

/* One line per publish, built in the same buffer each time (a session prints thousands). */
static sf_Text publishLine;

static void onPublish(void* context, const char* topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain) {
  (void)context;
  sf_Text line = publishLine;
  sf_text_clear(&line);
  sf_text_appendString(&line, "{\"topic\":");
  sf_text_appendJsonString(&line, topic, strlen(topic));
  sf_text_appendString(&line, ",\"qos\":");
  sf_text_appendInt(&line, qos);
  sf_text_appendString(&line, retain ? ",\"retain\":true" : ",\"retain\":false");
  sf_text_appendString(&line, ",\"payload\":");
  sf_text_append(&line, (const char*)payload, length);
  sf_text_appendChar(&line, '}');
  printLine(&line);
  publishLine = line;
}

static void onPinWrite(void* context, const char* pin, bool level, int64_t at) {
  (void)context;
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "{\"pin\":");
  sf_text_appendJsonString(&line, pin, strlen(pin));
  sf_text_appendString(&line, level ? ",\"value\":true,\"t\":" : ",\"value\":false,\"t\":");
  sf_text_appendInt(&line, at);
  sf_text_appendChar(&line, '}');
  printLine(&line);
  sf_text_free(&line);
}

static void onLog(void* context, const char* text) {
  (void)context;
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "{\"echo\":");
  sf_text_appendJsonString(&line, text, strlen(text));
  sf_text_appendChar(&line, '}');
  printLine(&line);
  sf_text_free(&line);
}

static void onAppFailure(void* context, const char* message, bool fatal, bool atStart) {
  (void)context;
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "{\"failure\":");
  sf_text_appendJsonString(&line, message, strlen(message));
  sf_text_appendString(&line, fatal ? ",\"fatal\":true" : ",\"fatal\":false");
  sf_text_appendString(&line, atStart ? ",\"atStart\":true}" : ",\"atStart\":false}");
  printLine(&line);
  sf_text_free(&line);
}

static int bad(const char* scriptName, int lineNumber, const char* what) {
  fprintf(stderr, "%s:%d: %s\n", scriptName, lineNumber, what);
  return 2;
}

static void printEnd(sf_LocalDevice* device) {
  sf_SupervisorStats s;
  sf_supervisor_stats(device->supervisor, &s);
  printf("{\"end\":{\"droppedMessages\":%u,\"droppedLogs\":%u,\"queuedMessages\":%u,\"duplicatesDropped\":%u,\"gapsSkipped\":%u,\"lateDropped\":%u,"
         "\"heldMessages\":%u,\"outages\":%u,\"reconnects\":%u,\"appErrors\":%u}}\n",
         s.droppedMessages, s.droppedLogs, s.queuedMessages, s.duplicatesDropped, s.gapsSkipped, s.lateDropped, s.heldMessages, s.outages, s.reconnects,
         s.appErrors);
  /* On stderr, not in the script's output (the TypeScript device has no such figure): what the
   * engine took from the heap at most (its stack, registers and heap buckets), for sizing a small
   * board's heap (firmware/native/README.md). */
  fprintf(stderr, "VM memory: peak %u B, %u B in use at the end\n", s.heapPeak, s.heapUsed);
  sf_printHeapUsage(stderr);
}

int sf_runScript(sf_LocalDeviceOptions* o, FILE* script, const char* scriptName) {
  /* A session prints a line per publish: 64 KB writes instead of the pipe default's 4 KB (the
   * lines still go out at every script step, flushed there). */
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  o->manualClock = true;
  if (!o->bootId) o->bootId = "script"; /* firmware/scriptedDevice.ts SCRIPT_BOOT_ID: ids match across hosts */
  o->onPublish = onPublish;
  o->onPinWrite = onPinWrite;
  o->onLog = onLog;
  o->onAppFailure = onAppFailure;
  sf_LocalDevice device;
  char error[1024];
  if (!sf_localDevice_start(&device, o, error, sizeof error)) {
    fprintf(stderr, "snapfleet-device: %s\n", error);
    return 1;
  }
  hal_Platform* hal = sf_posixPlatform_hal(device.platform);
  sf_JsonDocument d;
  sf_json_init(&d);
  sf_Text problem, topic, payload;
  sf_text_init(&problem, 0);
  sf_text_init(&topic, 0);
  sf_text_init(&payload, 0);
  char* line = NULL;
  size_t capacity = 0;
  ssize_t length;
  int lineNumber = 0, deliveries = 0, status = 0;
  while (status == 0 && (length = getline(&line, &capacity, script)) >= 0) {
    lineNumber++;
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r' || line[length - 1] == ' ')) line[--length] = 0;
    if (length == 0) continue;
    sf_text_clear(&problem);
    if (!sf_json_parse(&d, line, (size_t)length, &problem) || d.nodes[0].type != SF_JSON_OBJECT) {
      status = bad(scriptName, lineNumber, problem.length ? problem.data : "a script line is a JSON object");
      break;
    }
    const sf_JsonNode* root = &d.nodes[0];
    const sf_JsonNode* advance = sf_json_member(&d, root, "advance");
    const sf_JsonNode* pin = sf_json_member(&d, root, "pin");
    const sf_JsonNode* deliver = sf_json_member(&d, root, "deliver");
    const sf_JsonNode* link = sf_json_member(&d, root, "link");
    const sf_JsonNode* closeHandle = sf_json_member(&d, root, "closeHandle");
    const sf_JsonNode* shadow = sf_json_member(&d, root, "shadow");
    int64_t now = hal->clock->ops->now(hal->clock);
    if (advance) {
      if (advance->type != SF_JSON_NUMBER || !(advance->number >= 0)) {
        status = bad(scriptName, lineNumber, "\"advance\" takes milliseconds >= 0");
        break;
      }
      sf_localDevice_advanceTo(&device, now + (int64_t)advance->number);
    } else if (pin) {
      if (pin->type != SF_JSON_STRING || !sf_posixPlatform_setPinModel(device.platform, sf_json_string(&d, pin), error, sizeof error)) {
        status = bad(scriptName, lineNumber, pin->type == SF_JSON_STRING ? error : "\"pin\" takes PIN=MODEL");
        break;
      }
    } else if (deliver) {
      const sf_JsonNode* value = sf_json_member(&d, root, "value");
      const sf_JsonNode* raw = sf_json_member(&d, root, "payload");
      const sf_JsonNode* id = sf_json_member(&d, root, "id");
      const sf_JsonNode* broadcast = sf_json_member(&d, root, "broadcast");
      const sf_JsonNode* p = sf_json_member(&d, root, "p");
      if (deliver->type != SF_JSON_STRING || (!value && (!raw || raw->type != SF_JSON_STRING)) || (id && id->type != SF_JSON_STRING) ||
          (p && p->type != SF_JSON_NUMBER)) {
        status = bad(scriptName, lineNumber, "\"deliver\" takes a channel name and a \"value\" (or a \"payload\" string; \"id\" a string, \"p\" a number)");
        break;
      }
      const char* channel = sf_json_string(&d, deliver);
      if (broadcast && broadcast->type == SF_JSON_TRUE) sf_topic_broadcastDown(&topic, device.manifest.app, channel);
      else sf_topic_down(&topic, device.manifest.app, o->thing, channel);
      sf_text_clear(&payload);
      deliveries++;
      if (raw && !value) {
        sf_text_append(&payload, sf_json_string(&d, raw), raw->stringLength);
      } else {
        sf_text_appendString(&payload, "{\"id\":");
        if (id) {
          sf_text_appendJsonString(&payload, sf_json_string(&d, id), id->stringLength);
        } else {
          sf_text_appendString(&payload, "\"script:");
          sf_text_appendInt(&payload, deliveries);
          sf_text_appendChar(&payload, '"');
        }
        sf_text_appendString(&payload, ",\"v\":");
        sf_json_stringify(&d, (int32_t)(value - d.nodes), &payload);
        sf_text_appendString(&payload, ",\"t\":");
        sf_text_appendInt(&payload, now);
        if (p) {
          sf_text_appendString(&payload, ",\"p\":");
          sf_text_appendNumber(&payload, p->number);
        }
        sf_text_appendChar(&payload, '}');
      }
      sf_scriptedNet_inject(device.net, topic.data, payload.data ? payload.data : "", payload.length);
    } else if (shadow) {
      const sf_JsonNode* raw = sf_json_member(&d, root, "payload");
      if (shadow->type != SF_JSON_STRING || !raw || raw->type != SF_JSON_STRING || !sf_settingsShadowAnswerTopic(&topic, sf_json_string(&d, shadow), o->thing, device.manifest.app)) {
        status = bad(scriptName, lineNumber, SHADOW_STEP_USAGE);
        break;
      }
      sf_scriptedNet_inject(device.net, topic.data, sf_json_string(&d, raw), raw->stringLength);
    } else if (closeHandle) {
      if (closeHandle->type != SF_JSON_NUMBER || closeHandle->number != (double)(int32_t)closeHandle->number) {
        status = bad(scriptName, lineNumber, "\"closeHandle\" takes a handle number");
        break;
      }
      sf_supervisor_closeHandle(device.supervisor, (int32_t)closeHandle->number);
    } else if (link && link->type == SF_JSON_STRING && (sf_streq(sf_json_string(&d, link), "down") || sf_streq(sf_json_string(&d, link), "up"))) {
      sf_scriptedNet_setConnected(device.net, sf_streq(sf_json_string(&d, link), "up"));
    } else {
      status = bad(scriptName, lineNumber, "unknown step; use advance, pin, deliver, shadow, link or closeHandle");
      break;
    }
    sf_localDevice_settle(&device);
    fflush(stdout);
  }
  free(line);
  if (status == 0) {
    printEnd(&device);
    sf_supervisor_stop(device.supervisor);
    sf_localDevice_settle(&device);
  }
  sf_text_free(&problem);
  sf_text_free(&topic);
  sf_text_free(&payload);
  sf_text_free(&publishLine);
  sf_json_free(&d);
  sf_localDevice_destroy(&device);
  fflush(stdout);
  return status;
}
