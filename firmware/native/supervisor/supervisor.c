#include "supervisor.h"

#include "../core/deviceHost.h"
#include "../core/textBuffer.h"
#include "../core/vm.h"
#include "dedupWindow.h"
#include "envelope.h"
#include "handles.h"
#include "outbox.h"
#include "reorderBuffer.h"
#include "settingValue.h"
#include "settingsSync.h"
#include "timers.h"
#include "topics.h"
#include "sf_deviceTexts.h"
#include "sf_hostIds.h"

#define DEFAULT_OUTBOX_CAPACITY 500
/* The app's QoS 1 messages in flight: fewer than any network holds (HAL_NET_MIN_IN_FLIGHT, the
 * Cortex-M link's 16). With more, the app alone fills the link's table of unacknowledged
 * publishes and every other publish (the status, log lines, the settings shadow's reports, the
 * OTA agent's job updates) is refused as busy until an acknowledgement comes; the 4 left over keep
 * room for them. */
#define DEFAULT_IN_FLIGHT_WINDOW (HAL_NET_MIN_IN_FLIGHT - 4)
#define DEFAULT_LOG_CAPACITY 200
/* Tokens: app messages, log lines, the status message (all below SF_TOKEN_FOREIGN). */
#define MESSAGE_TOKENS 0x00000000u
#define LOG_TOKENS 0x10000000u
#define STATUS_TOKEN 0x7FFFFFFFu
#define MAX_SUBSCRIPTIONS SF_SUPERVISOR_MAX_SUBSCRIPTIONS
/* How often what the network refused as busy (the status, the outbox's or the log buffer's next
 * message) is tried again when no acknowledgement came. */
#define BUSY_RETRY_MS 100

/* A count reported on the log topic at most once per connection as it grows (reportUnguarded):
 * its value when last reported, and whether this connection reported it already. */
typedef struct sf_ReportedCount {
  uint32_t reported;
  bool thisLink;
} sf_ReportedCount;

struct sf_Supervisor {
  sf_SupervisorConfig config;
  const sf_Manifest* manifest;
  hal_Platform* platform;
  char bootId[SF_DEDUP_MAX_BOOT_ID + 1];
  uint32_t seq;
  /* The seq last sent on each channel's up topic this boot: the envelope's `p` (EnvelopeSender). */
  uint32_t lastSeqOnChannel[SF_MAX_CHANNELS];
  sf_HandleTable handles;
  sf_Timers timers;
  sf_Outbox outbox, logs;
  sf_DedupWindow seenDown;   /* QoS 0 down messages */
  sf_ReorderBuffer ordered;  /* QoS 1 down messages */
  sf_JsonDocument envelope, heldEnvelope;
  sf_DeviceHost host;
  const char* channelNames[SF_MAX_CHANNELS];
  const uint8_t* snapshot;
  size_t snapshotSize;
  sf_Vm* vm;
  bool appRunning; /* false after stop or a fatal engine error */
  /* Down topics subscribed for the app, and the channel each belongs to. */
  char* subscriptions[MAX_SUBSCRIPTIONS];
  int subscriptionChannel[MAX_SUBSCRIPTIONS];
  int subscriptionCount;
  uint32_t outages, reconnects, appErrors;
  /* The outbox's and the log buffer's drop counts when they were last reported (reportDrops). */
  uint32_t reportedDroppedMessages, reportedDroppedLogs;
  /* seenDown.unguarded and ordered.unguarded (reportUnguarded). */
  sf_ReportedCount dedupUnguarded, reorderUnguarded;
  /* ordered.forgotten and ordered.overflows when last reported, and whether this connection
   * reported them already (reportReorderBounds). */
  uint32_t reportedForgotten, reportedOverflows;
  bool reorderBoundsReportedThisLink;
  sf_Text scratch;
  /* Each channel's up topic, and the envelope being built: made once, not at every send. */
  sf_Text upTopics[SF_MAX_CHANNELS];
  sf_Text sendPayload;
  int32_t currentValue; /* node of v of the message being received */
  /* A status the network refused as busy (its queue of unacknowledged publishes full): sent
   * again at the next acknowledgement or at busyRetryAt, the latest one only (issue 12). */
  bool statusPending, statusPendingOnline;
  /* When what waits for room on the network (the status, the outbox's or the log buffer's next
   * message) is tried again if no acknowledgement came first. */
  int64_t busyRetryAt;
  /* The app's settings in step with its settings shadow (NULL: the app declares none, or the
   * host passed no declarations). */
  sf_SettingsSync* settings;
};

/* The settings shadow's functions (supervisor/settingsSync.h), when the host links them. */
#define SYNC (s->config.settingsShadow)

static int64_t now(sf_Supervisor* s) {
  return s->platform->clock->ops->now(s->platform->clock);
}

static void echo(sf_Supervisor* s, const char* prefix, const char* text, size_t length) {
  if (!s->config.onLog) return;
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, prefix);
  sf_text_append(&line, text, length);
  s->config.onLog(s->config.context, line.data ? line.data : "");
  sf_text_free(&line);
}

static void supervisorEcho(sf_Supervisor* s, const char* text) {
  echo(s, "[supervisor] ", text, sf_strlen(text));
}

static void outboxError(void* context, const char* line) {
  supervisorEcho(context, line);
}

/* Something was refused as busy: try again at the next acknowledgement (sf_supervisor_onPublished)
 * or, if none comes, a turn of the loop BUSY_RETRY_MS later (room can come without one: the
 * link's frame queue drains). */
static void retryLater(sf_Supervisor* s) {
  s->busyRetryAt = now(s) + BUSY_RETRY_MS;
}

static void outboxBusy(void* context) {
  retryLater(context);
}

/* The status, the outbox or the log buffer waits for room on the network. */
#define WAITING_FOR_ROOM(s) ((s)->statusPending || (s)->outbox.busy || (s)->logs.busy)

static void publishLog(sf_Supervisor* s, const char* text, size_t length, bool fromSupervisor) {
  sf_Text topic, payload;
  sf_text_init(&topic, 0);
  sf_text_init(&payload, 0);
  sf_topic_log(&topic, s->manifest->app, s->config.thing);
  sf_text_appendString(&payload, "{\"t\":");
  sf_text_appendInt(&payload, now(s));
  sf_text_appendString(&payload, ",\"msg\":");
  sf_text_appendJsonString(&payload, text, length);
  if (fromSupervisor) sf_text_appendString(&payload, ",\"from\":\"supervisor\"");
  sf_text_appendChar(&payload, '}');
  if (!topic.failed && !payload.failed) sf_outbox_push(&s->logs, topic.data, payload.data, payload.length, 0);
  sf_text_free(&topic);
  sf_text_free(&payload);
}

size_t sf_supervisor_statusPayload(const sf_Supervisor* s, bool online, char* buffer, size_t size) {
  sf_Text t;
  sf_text_init(&t, 0);
  sf_text_appendString(&t, "{\"online\":");
  sf_text_appendString(&t, online ? "true" : "false");
  sf_text_appendString(&t, ",\"version\":");
  sf_text_appendJsonString(&t, s->manifest->version, sf_strlen(s->manifest->version));
  sf_text_appendString(&t, ",\"bootId\":");
  sf_text_appendJsonString(&t, s->bootId, sf_strlen(s->bootId));
  sf_text_appendString(&t, ",\"t\":");
  sf_text_appendInt(&t, s->platform->clock->ops->now(s->platform->clock));
  sf_text_appendChar(&t, '}');
  size_t length = t.failed || t.length >= size ? 0 : t.length;
  if (length) __builtin_memcpy(buffer, t.data, length + 1);
  sf_text_free(&t);
  return length;
}

size_t sf_supervisor_statusTopic(const sf_Supervisor* s, char* buffer, size_t size) {
  sf_Text t;
  sf_text_init(&t, 0);
  sf_topic_status(&t, s->manifest->app, s->config.thing);
  size_t length = t.failed || t.length >= size ? 0 : t.length;
  if (length) __builtin_memcpy(buffer, t.data, length + 1);
  sf_text_free(&t);
  return length;
}

/* Retained, QoS 1: a dashboard that subscribes later still learns the state. Built when sent, so
 * a retry carries the current version and time. */
static void sendPendingStatus(sf_Supervisor* s) {
  if (!s->statusPending) return;
  hal_Net* net = s->platform->net;
  /* offline: the reconnect publishes the status anyway (and no retry spins meanwhile) */
  if (!net->ops->connected(net)) {
    s->statusPending = false;
    return;
  }
  bool online = s->statusPendingOnline;
  char payload[256], topic[200];
  size_t length = sf_supervisor_statusPayload(s, online, payload, sizeof payload);
  hal_NetResult result = HAL_NET_INVALID;
  if (length && sf_supervisor_statusTopic(s, topic, sizeof topic)) result = net->ops->publish(net, topic, (const uint8_t*)payload, length, 1, true, STATUS_TOKEN);
  if (result == HAL_NET_BUSY) {
    retryLater(s);
    return;
  }
  s->statusPending = false;
  if (result != HAL_NET_OK) supervisorEcho(s, online ? SF_TX_STATUS_ONLINE_NOT_PUBLISHED : SF_TX_STATUS_OFFLINE_NOT_PUBLISHED);
}

/* The latest status replaces one still waiting for room (never more than one waits). */
static void publishStatus(sf_Supervisor* s, bool online) {
  s->statusPending = true;
  s->statusPendingOnline = online;
  sendPendingStatus(s);
  if (s->statusPending) supervisorEcho(s, online ? SF_TX_STATUS_ONLINE_WAITING_ROOM_NETWORK : SF_TX_STATUS_OFFLINE_WAITING_ROOM_NETWORK);
}

/* Room may have come on the network: the status first, then the app's messages, then log lines,
 * each in its own order. */
static void retryAfterBusy(sf_Supervisor* s) {
  sendPendingStatus(s);
  if (s->statusPending) return;
  sf_outbox_retry(&s->outbox);
  sf_outbox_retry(&s->logs);
}

/* ------------------------------------------------------------------ app failures */

static void halt(sf_Supervisor* s) {
  sf_timers_stopAll(&s->timers);
  s->appRunning = false;
}

static void appLog(sf_Supervisor* s, const char* text, size_t length) {
  echo(s, "[app] ", text, length);
  publishLog(s, text, length, false);
}

/* A failing app callback is logged (app log topic), counted and told to the owner; the device
 * keeps running the other callbacks. After a fatal engine error the app runs nothing more. */
static void ranApp(sf_Supervisor* s, bool ok, bool atStart) {
  if (ok) return;
  const char* message = sf_vm_error(s->vm);
  bool fatal = sf_vm_errorFatal(s->vm);
  s->appErrors++;
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "error: ");
  sf_text_appendString(&line, message);
  appLog(s, line.data ? line.data : "", line.length);
  sf_text_free(&line);
  if (fatal) halt(s);
  if (s->config.onAppFailure) s->config.onAppFailure(s->config.context, message, fatal, atStart);
}

/* ------------------------------------------------------------------ the device host */

static void hostLog(void* context, const char* text, size_t length) {
  appLog(context, text, length);
}

static double hostNow(void* context) {
  return (double)now(context);
}

static bool hostNetworkRequest(void* context, double* handle, sf_Text* error) {
  sf_Supervisor* s = context;
  sf_Resource r = {.kind = SF_RESOURCE_NETWORK};
  *handle = sf_handles_open(&s->handles, &r);
  if (!*handle) sf_text_appendString(error, SF_TX_OUT_HANDLES);
  return *handle != 0;
}

static bool hostChannelOpen(void* context, double network, double channelIndex, double* handle, sf_Text* error) {
  sf_Supervisor* s = context;
  sf_Resource* net = sf_handles_get(&s->handles, network);
  *handle = 0;
  if (!net || net->kind != SF_RESOURCE_NETWORK || !(channelIndex >= 0 && channelIndex < s->manifest->channelCount) ||
      channelIndex != (double)(int)channelIndex)
    return true;
  sf_Resource r = {.network = (int32_t)network, .kind = SF_RESOURCE_CHANNEL, .channelIndex = (int16_t)channelIndex};
  *handle = sf_handles_open(&s->handles, &r);
  if (!*handle) sf_text_appendString(error, SF_TX_OUT_HANDLES);
  return *handle != 0;
}

static bool hostChannelSend(void* context, double handle, const char* json, size_t length, double* status, sf_Text* error) {
  sf_Supervisor* s = context;
  sf_Resource* r = sf_handles_get(&s->handles, handle);
  if (!r || r->kind != SF_RESOURCE_CHANNEL) {
    *status = 1; /* SendStatus.InvalidHandle */
    return true;
  }
  const sf_ChannelDecl* channel = &s->manifest->channels[r->channelIndex];
  if (channel->direction == SF_DIRECTION_SERVER_TO_DEVICE) {
    /* No publish allowed there: AWS IoT would close the connection at every reconnect (supervisor.ts). */
    sf_text_appendString(error, "channel \"");
    sf_text_appendString(error, channel->name);
    sf_text_appendString(error, SF_TX_SERVER_TO_DEVICE_SEND);
    return false;
  }
  sf_Text* topic = &s->upTopics[r->channelIndex];
  if (!topic->length) sf_topic_up(topic, s->manifest->app, s->config.thing, channel->name);
  sf_Text* payload = &s->sendPayload;
  sf_text_clear(payload);
  uint32_t seq = ++s->seq;
  sf_envelope_encode(payload, s->bootId, seq, json, length, now(s), s->lastSeqOnChannel[r->channelIndex]);
  s->lastSeqOnChannel[r->channelIndex] = seq;
  if (!topic->failed && !payload->failed) sf_outbox_push(&s->outbox, topic->data, payload->data, payload->length, channel->qos);
  else s->outbox.dropped++;
  *status = 0;
  return true;
}

static bool hostPinOpen(void* context, int kind, const char* name, size_t length, double* handle, sf_Text* error) {
  sf_Supervisor* s = context;
  hal_Board* board = s->platform->board;
  *handle = 0;
  if (length >= SF_MAX_PIN_NAME || !board->ops->hasPin(board, kind == 0 ? HAL_PIN_ANALOG : HAL_PIN_DIGITAL, name)) return true;
  sf_Resource r = {.kind = SF_RESOURCE_PIN, .pinKind = (uint8_t)kind};
  sf_strcpy(r.pin, name, sizeof r.pin);
  *handle = sf_handles_open(&s->handles, &r);
  if (!*handle) sf_text_appendString(error, SF_TX_OUT_HANDLES);
  return *handle != 0;
}

static sf_Resource* pin(sf_Supervisor* s, double handle, sf_Text* error) {
  sf_Resource* r = sf_handles_get(&s->handles, handle);
  if (r && r->kind == SF_RESOURCE_PIN) return r;
  sf_text_appendString(error, SF_TX_INVALID_PIN_HANDLE);
  sf_text_appendNumber(error, handle);
  return 0;
}

static bool hostPinRead(void* context, double handle, sf_Primitive* value, sf_Text* error) {
  sf_Supervisor* s = context;
  sf_Resource* r = pin(s, handle, error);
  if (!r) return false;
  hal_Board* board = s->platform->board;
  if (r->pinKind == 0) *value = sf_number(board->ops->analogRead(board, r->pin, now(s)));
  else *value = sf_boolean(board->ops->digitalRead(board, r->pin));
  return true;
}

static bool hostPinWrite(void* context, double handle, bool level, sf_Text* error) {
  sf_Supervisor* s = context;
  sf_Resource* r = pin(s, handle, error);
  if (!r) return false;
  if (r->pinKind == 0) {
    sf_text_appendString(error, "pin ");
    sf_text_appendString(error, r->pin);
    sf_text_appendString(error, SF_TX_ANALOG_CAN_T_BE_WRITTEN);
    return false;
  }
  hal_Board* board = s->platform->board;
  if (!board->ops->digitalWrite(board, r->pin, level, now(s))) {
    sf_text_appendString(error, "pin ");
    sf_text_appendString(error, r->pin);
    sf_text_appendString(error, SF_TX_INPUT_ONLY_CAN_T_BE);
    return false;
  }
  return true;
}

static bool hostTimerStart(void* context, double slot, double ms, bool repeat, sf_Text* error) {
  sf_Supervisor* s = context;
  /* whole milliseconds: the device clock counts them (a fractional delay rounds up) */
  double whole = __builtin_ceil(ms > 0 ? ms : 0);
  if (!sf_timers_start(&s->timers, (int)slot, now(s), (int64_t)whole, repeat)) {
    sf_text_appendString(error, SF_TX_TOO_MANY_TIMERS);
    return false;
  }
  return true;
}

static void hostTimerStop(void* context, double slot) {
  sf_timers_stop(&((sf_Supervisor*)context)->timers, (int)slot);
}

/* firmware/settings/deviceSettings.ts's set(): the same refusals, in the same words. In an image
 * for an app that never calls setting.set (sf_hostIds.h) the body is unreachable, and the setting
 * checks only it uses (settingValue.c, 1.3 KB on the M0+) are left out with it. */
static bool hostSettingSet(void* context, double index, const sf_Primitive* value, sf_Text* error) {
  switch (SF_HOST_SETTING_SET) {
    SF_CASES_LEFT_OUT
    SF_IMPORTED_CASE(SF_HOST_SETTING_SET) {
      sf_Supervisor* s = context;
      const sf_SettingDecls* decls = s->config.settings;
      if (!decls) {
        sf_text_appendString(error, SF_TX_SETTINGS_ARE_NOT_THIS_DEVICE);
        return false;
      }
      if (decls->count == 0 || !(index >= 0 && index < decls->count)) {
        sf_text_appendString(error, SF_TX_APP_SET_SETTING);
        sf_text_appendInt(error, (int64_t)index);
        sf_text_appendString(error, decls->count == 0 ? SF_TX_BUT_MANIFEST_DECLARES_NO_SETTINGS : SF_TX_WHICH_MANIFEST_DOES_NOT_DECLARE);
        return false;
      }
      if (sf_settingSetRefused(&decls->items[(int)index], value, error)) return false;
      if (s->settings) SYNC->set(s->settings, (int)index, value);
      return true;
    }
  }
  (void)context, (void)index, (void)value, (void)error;
  return false;
}

static double hostRandom(void* context) {
  sf_Supervisor* s = context;
  uint64_t bits = 0;
  s->platform->random->ops->fill(s->platform->random, (uint8_t*)&bits, sizeof bits);
  return (double)(bits >> 11) / 9007199254740992.0; /* 53 random bits in [0, 1) */
}

/* ------------------------------------------------------------------ the receive path */

static void deliverToApp(sf_Supervisor* s, int channel, sf_JsonDocument* document, int32_t value) {
  if (s->vm && s->appRunning) ranApp(s, sf_vm_deliver(s->vm, channel, document, value), false);
}

/* A QoS 1 message in its sender's order: the one just decoded, or one that waited (decoded again,
 * into a document of its own: a forgotten chain's flush runs while the current one is decoded). */
static void deliverOrdered(void* context, int channel, const char* payload, size_t length, bool current) {
  sf_Supervisor* s = context;
  sf_Envelope envelope;
  if (current) {
    deliverToApp(s, channel, &s->envelope, s->currentValue);
    return;
  }
  sf_text_clear(&s->scratch);
  if (sf_envelope_decode(&s->heldEnvelope, payload, length, &envelope, &s->scratch)) deliverToApp(s, channel, &s->heldEnvelope, envelope.value);
}

/* Gaps given up and late messages go to the app's log topic too: the cloud should hear of them. */
static void reorderLog(void* context, const char* line) {
  sf_supervisor_report(context, line);
}

/* ------------------------------------------------------------------ settings */

static void settingApplied(void* context, int index, const sf_Primitive* value) {
  sf_Supervisor* s = context;
  if (s->vm && s->appRunning) ranApp(s, sf_vm_settingChanged(s->vm, index, value), false);
}

static void settingsReport(void* context, const char* line) {
  sf_supervisor_report(context, line);
}

/* The app starts with its saved values, silently (its listeners are for changes), as
 * firmware/supervisor.ts's startSettings. */
static bool startSettings(sf_Supervisor* s) {
  const sf_SettingDecls* decls = s->config.settings;
  if (!decls || decls->count == 0 || !SYNC) return true;
  sf_SettingsSyncOptions options = {decls, s->manifest->app, s->config.thing, s->platform, &s->timers.nextSequence, settingApplied, settingsReport, s};
  s->settings = SYNC->create(&options);
  if (!s->settings) return false;
  for (int i = 0; i < decls->count && s->vm && s->appRunning; i++) {
    sf_Primitive value = SYNC->value(s->settings, i);
    ranApp(s, sf_vm_settingRestored(s->vm, i, &value), true);
  }
  return true;
}

static void stopSettings(sf_Supervisor* s) {
  if (!s->settings) return;
  SYNC->stop(s->settings);
  SYNC->destroy(s->settings);
  s->settings = 0;
}

/* ------------------------------------------------------------------ lifecycle */

sf_Supervisor* sf_supervisor_create(const sf_SupervisorConfig* config) {
  sf_Supervisor* s = hal_malloc(sizeof *s);
  if (!s) return 0;
  __builtin_memset(s, 0, sizeof *s);
  s->config = *config;
  s->manifest = config->manifest;
  s->platform = config->platform;
  if (config->bootId) {
    sf_strcpy(s->bootId, config->bootId, sizeof s->bootId);
  } else {
    static const char hex[] = "0123456789abcdef";
    uint8_t bytes[4];
    s->platform->random->ops->fill(s->platform->random, bytes, sizeof bytes);
    for (int i = 0; i < 4; i++) s->bootId[2 * i] = hex[bytes[i] >> 4], s->bootId[2 * i + 1] = hex[bytes[i] & 15];
  }
  uint32_t window = config->inFlightWindow ? config->inFlightWindow : DEFAULT_IN_FLIGHT_WINDOW;
  if (window > 100) window = 100;
  bool ok = sf_outbox_init(&s->outbox, s->platform->net, config->outboxCapacity ? config->outboxCapacity : DEFAULT_OUTBOX_CAPACITY, window, MESSAGE_TOKENS) &&
            sf_outbox_init(&s->logs, s->platform->net, config->logCapacity ? config->logCapacity : DEFAULT_LOG_CAPACITY, DEFAULT_IN_FLIGHT_WINDOW, LOG_TOKENS);
  s->outbox.onError = s->logs.onError = outboxError;
  s->outbox.onBusy = s->logs.onBusy = outboxBusy;
  s->outbox.context = s->logs.context = s;
  sf_handles_init(&s->handles);
  sf_timers_init(&s->timers);
  sf_dedup_init(&s->seenDown);
  sf_ReorderOptions reorder = {config->reorderTimeoutMs, 0, 0, 0, deliverOrdered, reorderLog, s, &s->timers.nextSequence};
  sf_reorder_init(&s->ordered, &reorder);
  sf_json_init(&s->envelope);
  sf_json_init(&s->heldEnvelope);
  sf_text_init(&s->scratch, 0);
  sf_text_init(&s->sendPayload, 0);
  for (int i = 0; i < SF_MAX_CHANNELS; i++) sf_text_init(&s->upTopics[i], 0);
  for (int i = 0; i < s->manifest->channelCount; i++) s->channelNames[i] = s->manifest->channels[i].name;
  sf_DeviceHost host = {s, hostLog, hostNow, hostNetworkRequest, hostChannelOpen, hostChannelSend, hostPinOpen, hostPinRead, hostPinWrite,
                        hostTimerStart, hostTimerStop, hostSettingSet, hostRandom};
  s->host = host;
  if (!ok) {
    sf_supervisor_destroy(s);
    return 0;
  }
  return s;
}

static void unsubscribeAll(sf_Supervisor* s) {
  hal_Net* net = s->platform->net;
  for (int i = 0; i < s->subscriptionCount; i++) {
    net->ops->unsubscribe(net, s->subscriptions[i]);
    hal_free(s->subscriptions[i]);
  }
  s->subscriptionCount = 0;
}

void sf_supervisor_destroy(sf_Supervisor* s) {
  if (!s) return;
  stopSettings(s);
  unsubscribeAll(s);
  sf_vm_free(s->vm);
  sf_outbox_free(&s->outbox);
  sf_outbox_free(&s->logs);
  sf_dedup_free(&s->seenDown);
  sf_reorder_clear(&s->ordered);
  sf_json_free(&s->envelope);
  sf_json_free(&s->heldEnvelope);
  sf_text_free(&s->scratch);
  sf_text_free(&s->sendPayload);
  for (int i = 0; i < SF_MAX_CHANNELS; i++) sf_text_free(&s->upTopics[i]);
  hal_free(s);
}

/* Kept for unsubscribeAll and onMessage. The network keeps what it takes and sends it when it
 * can (hal/net.h); one it won't take makes `error` say why and returns false: the app must not
 * start deaf to a channel. */
static bool subscribe(sf_Supervisor* s, const sf_Text* topic, int channel, uint8_t qos, sf_Text* error) {
  char* copy = s->subscriptionCount < MAX_SUBSCRIPTIONS && !topic->failed ? hal_malloc(topic->length + 1) : 0;
  if (!copy) {
    sf_text_appendString(error, SF_TX_OUT_MEMORY_APP_S_SUBSCRIPTIONS);
    return false;
  }
  __builtin_memcpy(copy, topic->data, topic->length + 1);
  s->subscriptions[s->subscriptionCount] = copy;
  s->subscriptionChannel[s->subscriptionCount++] = channel;
  hal_Net* net = s->platform->net;
  hal_NetResult result = net->ops->subscribe(net, copy, qos);
  if (result == HAL_NET_OK) return true;
  sf_text_appendString(error, SF_TX_CAN_T_SUBSCRIBE);
  sf_text_appendString(error, copy);
  if (result == HAL_NET_FULL) {
    sf_text_appendString(error, SF_TX_NO_ROOM_THIS_DEVICE_MORE);
    sf_text_appendInt(error, s->subscriptionCount - 1);
    sf_text_appendString(error, SF_TX_SUBSCRIPTIONS_2_PER_INCOMING_CHANNEL);
  } else {
    sf_text_appendString(error, SF_TX_NETWORK_REFUSED_TOPIC_TOO_LONG);
  }
  return false;
}

bool sf_supervisor_start(sf_Supervisor* s, const uint8_t* snapshot, size_t size, char* error, size_t errorSize) {
  sf_Text problem;
  sf_text_init(&problem, 0);
  sf_VmOptions options = {&s->host, s->channelNames, s->manifest->channelCount, s->config.instructionBudget, s->config.settings};
  s->vm = sf_vm_restore(snapshot, size, &options, &problem);
  if (!s->vm) {
    sf_strcpy(error, problem.data ? problem.data : "out of memory", errorSize);
    sf_text_free(&problem);
    return false;
  }
  sf_text_clear(&problem);
  s->snapshot = snapshot;
  s->snapshotSize = size;
  /* Subscriptions first, so no message is missed; one that can never be made stops the start
   * here, before the app runs. */
  sf_Text topic;
  sf_text_init(&topic, 0);
  bool subscribed = true;
  for (int i = 0; i < s->manifest->channelCount && subscribed; i++) {
    const sf_ChannelDecl* c = &s->manifest->channels[i];
    if (c->direction == SF_DIRECTION_DEVICE_TO_SERVER) continue;
    sf_topic_down(&topic, s->manifest->app, s->config.thing, c->name);
    subscribed = subscribe(s, &topic, i, c->qos, &problem);
    sf_topic_broadcastDown(&topic, s->manifest->app, c->name);
    subscribed = subscribed && subscribe(s, &topic, i, c->qos, &problem);
  }
  sf_text_free(&topic);
  if (!subscribed) {
    sf_strcpy(error, problem.data ? problem.data : "out of memory", errorSize);
    sf_text_free(&problem);
    unsubscribeAll(s);
    sf_vm_free(s->vm);
    s->vm = 0;
    return false;
  }
  sf_text_free(&problem);
  hal_Net* net = s->platform->net;
  if (net->ops->connected(net)) publishStatus(s, true);
  else sf_reorder_linkChanged(&s->ordered, false, now(s));
  s->appRunning = true;
  if (!startSettings(s)) {
    sf_strcpy(error, SF_TX_OUT_MEMORY_APP_S_SETTINGS, errorSize);
    sf_supervisor_stop(s);
    return false;
  }
  ranApp(s, sf_vm_start(s->vm), true);
  if (s->settings) SYNC->start(s->settings);
  return true;
}

void sf_supervisor_stop(sf_Supervisor* s) {
  sf_timers_stopAll(&s->timers);
  stopSettings(s);
  sf_handles_init(&s->handles);
  unsubscribeAll(s);
  sf_reorder_clear(&s->ordered);
  /* the next app may have other channels */
  for (int i = 0; i < SF_MAX_CHANNELS; i++) sf_text_clear(&s->upTopics[i]);
  sf_vm_free(s->vm);
  s->vm = 0;
  s->appRunning = false;
  hal_Net* net = s->platform->net;
  if (net->ops->connected(net)) publishStatus(s, false);
}

void sf_supervisor_sayOnline(sf_Supervisor* s) {
  hal_Net* net = s->platform->net;
  if (sf_supervisor_running(s) && net->ops->connected(net)) publishStatus(s, true);
}

bool sf_supervisor_running(const sf_Supervisor* s) {
  return s->vm && s->appRunning;
}

const char* sf_supervisor_bootId(const sf_Supervisor* s) {
  return s->bootId;
}

int64_t sf_supervisor_nextTimerDue(const sf_Supervisor* s) {
  int64_t due = sf_timers_nextDue(&s->timers), reorderDue;
  uint64_t sequence;
  if (sf_reorder_nextTimer(&s->ordered, &reorderDue, &sequence) && reorderDue < due) due = reorderDue;
  if (WAITING_FOR_ROOM(s) && s->busyRetryAt < due) due = s->busyRetryAt;
  int64_t settingsDue;
  if (s->settings && SYNC->nextTimer(s->settings, &settingsDue, &sequence) && settingsDue < due) due = settingsDue;
  return due;
}

bool sf_supervisor_fireNextTimer(sf_Supervisor* s, int64_t upTo) {
  if (WAITING_FOR_ROOM(s) && s->busyRetryAt <= upTo) retryAfterBusy(s);
  int64_t due, reorderDue;
  uint64_t sequence, reorderSequence;
  bool app = sf_timers_peek(&s->timers, &due, &sequence);
  /* the settings shadow's get retry, among the app's timers in the order they were set */
  int64_t settingsDue;
  uint64_t settingsSequence;
  if (s->settings && SYNC->nextTimer(s->settings, &settingsDue, &settingsSequence) && settingsDue <= upTo &&
      (!app || settingsDue < due || (settingsDue == due && settingsSequence < sequence))) {
    bool reorderFirst = sf_reorder_nextTimer(&s->ordered, &reorderDue, &reorderSequence) && (reorderDue < settingsDue || (reorderDue == settingsDue && reorderSequence < settingsSequence));
    if (!reorderFirst) {
      SYNC->fireTimer(s->settings);
      return true;
    }
  }
  if (sf_reorder_nextTimer(&s->ordered, &reorderDue, &reorderSequence) && reorderDue <= upTo &&
      (!app || reorderDue < due || (reorderDue == due && reorderSequence < sequence))) {
    sf_reorder_fireTimer(&s->ordered, now(s));
    return true;
  }
  int slot = sf_timers_takeDue(&s->timers, upTo, &due);
  if (slot < 0) return false;
  if (s->vm && s->appRunning) ranApp(s, sf_vm_timerFired(s->vm, slot), false);
  return true;
}

bool sf_supervisor_closeHandle(sf_Supervisor* s, int32_t handle) {
  if (!sf_handles_close(&s->handles, handle)) return false;
  if (s->vm && s->appRunning) ranApp(s, sf_vm_handleClosed(s->vm, handle), false);
  return true;
}

void sf_supervisor_report(sf_Supervisor* s, const char* text) {
  supervisorEcho(s, text);
  publishLog(s, text, sf_strlen(text), true);
}

/* ------------------------------------------------------------------ network events */

/* One report line of counts: phrases[0] numbers[0] phrases[1] … numbers[n - 1] phrases[n]. One
 * function for the reports below: each line in place took as much flash again. */
static void reportNumbers(sf_Supervisor* s, const char* const* phrases, const uint32_t* numbers, int n) {
  sf_Text line;
  sf_text_init(&line, 0);
  for (int i = 0; i < n; i++) {
    sf_text_appendString(&line, phrases[i]);
    sf_text_appendInt(&line, numbers[i]);
  }
  sf_text_appendString(&line, phrases[n]);
  sf_supervisor_report(s, line.data ? line.data : "");
  sf_text_free(&line);
}

/* What the offline buffers had to drop since the last report, on the log topic once the link is
 * back (the counts stay in the stats); firmware/supervisor.ts's reportDrops, the same words. */
static void reportDrops(sf_Supervisor* s) {
  uint32_t messages = s->outbox.dropped - s->reportedDroppedMessages;
  uint32_t logs = s->logs.dropped - s->reportedDroppedLogs;
  if (messages == 0 && logs == 0) return;
  s->reportedDroppedMessages = s->outbox.dropped;
  s->reportedDroppedLogs = s->logs.dropped;
  static const char* const phrases[] = {SF_TX_WHILE_OFFLINE_DROPPED, SF_TX_MESSAGES_OUTBOX_HOLDS, ") and ", SF_TX_LOG_LINES_LOG_BUFFER_HOLDS, SF_TX_OLDEST_FIRST};
  uint32_t numbers[] = {messages, s->outbox.capacity, logs, s->logs.capacity};
  reportNumbers(s, phrases, numbers, 4);
}

/* Messages delivered unchecked for lack of memory, since the last report: QoS 0 ones the dedup
 * window had no memory for their sender to check, QoS 1 ones the reorder window had none for their
 * chain to order and check. The first on a connection is reported as it comes, the rest at the next
 * link up, so a full heap costs a line per connection, not one per message. */
static const char* const DEDUP_UNGUARDED[] = {SF_TX_NO_MEMORY_DEDUP_WINDOW, SF_TX_MESSAGES_WITHOUT_REPEAT_CHECK};
static const char* const REORDER_UNGUARDED[] = {SF_TX_NO_MEMORY_REORDER_WINDOW, SF_TX_MESSAGES_AS_THEY_CAME};
static void reportUnguarded(sf_Supervisor* s, sf_ReportedCount* reported, uint32_t count, const char* const* phrases) {
  uint32_t unguarded = count - reported->reported;
  if (unguarded == 0 || reported->thisLink) return;
  reported->reported = count;
  reported->thisLink = true;
  reportNumbers(s, phrases, &unguarded, 1);
}

/* QoS 1 chains the reorder window forgot for a new one (beyond maxStreams) and gaps it gave up at
 * once for more than maxHeld waiting on a chain or maxHeldBytes in all (that clause only with a
 * bound on the bytes: a host's line stays the TypeScript device's), since the last report; reported as reportUnguarded is (the
 * first on a connection as it comes, the rest at the next link up), so a third command sender
 * costs a line per connection, not one per message. Each gap is also reported as it is given up
 * (reorderLog). firmware/supervisor.ts's reportReorderBounds, the same words. */
static void reportReorderBounds(sf_Supervisor* s) {
  uint32_t forgotten = s->ordered.forgotten - s->reportedForgotten;
  uint32_t overflows = s->ordered.overflows - s->reportedOverflows;
  if (forgotten == 0 && overflows == 0) return;
  s->reportedForgotten = s->ordered.forgotten;
  s->reportedOverflows = s->ordered.overflows;
  s->reorderBoundsReportedThisLink = true;
  /* the buffer takes the target's bounds (sf_supervisor_create passes 0s): the bytes' clause is the
   * target's too */
  static const char* const phrases[] = {SF_TX_REORDER_WINDOW_FORGOT, SF_TX_CHAINS_IT_REMEMBERS, SF_TX_FORGOTTEN_CHAIN_PRICE, SF_TX_TIMES_OVER,
#ifdef SF_REORDER_MAX_HELD_BYTES
                                        SF_TX_WAITING_ON_A_CHAIN_OR, SF_TX_BYTES_IN_ALL};
#else
                                        SF_TX_WAITING_ON_A_CHAIN};
#endif
  uint32_t numbers[] = {forgotten, s->ordered.options.maxStreams, overflows, s->ordered.options.maxHeld, (uint32_t)s->ordered.options.maxHeldBytes};
  reportNumbers(s, phrases, numbers, sizeof phrases / sizeof *phrases - 1);
}

void sf_supervisor_onConnectionChanged(sf_Supervisor* s, bool up) {
  /* first: the session's replay that follows a reconnect must not find a gap's wait used up */
  sf_reorder_linkChanged(&s->ordered, up, now(s));
  sf_Text line;
  sf_text_init(&line, 0);
  if (up) {
    if (s->outages > s->reconnects) s->reconnects++;
    sf_text_appendString(&line, SF_TX_LINK_UP_RECONNECTS);
    sf_text_appendInt(&line, s->reconnects);
    sf_text_appendString(&line, "); sending ");
    sf_text_appendInt(&line, s->outbox.waitingCount);
    sf_text_appendString(&line, SF_TX_QUEUED_MESSAGES);
    supervisorEcho(s, line.data);
    /* retained status first: the last will may have said offline meanwhile */
    publishStatus(s, true);
    sf_outbox_resume(&s->outbox);
    sf_outbox_resume(&s->logs);
    reportDrops(s);
    s->dedupUnguarded.thisLink = s->reorderUnguarded.thisLink = false;
    reportUnguarded(s, &s->dedupUnguarded, s->seenDown.unguarded, DEDUP_UNGUARDED);
    reportUnguarded(s, &s->reorderUnguarded, s->ordered.unguarded, REORDER_UNGUARDED);
    s->reorderBoundsReportedThisLink = false;
    reportReorderBounds(s);
  } else {
    s->outages++;
    sf_text_appendString(&line, SF_TX_LINK_DOWN_OUTAGE);
    sf_text_appendInt(&line, s->outages);
    sf_text_appendString(&line, SF_TX_QUEUING_MESSAGES);
    supervisorEcho(s, line.data);
  }
  sf_text_free(&line);
  if (s->settings) SYNC->connectionChanged(s->settings, up);
  if (s->config.onConnectionChange) s->config.onConnectionChange(s->config.context, up);
}

bool sf_supervisor_onMessage(sf_Supervisor* s, const char* topic, const uint8_t* payload, size_t length) {
  if (s->settings && SYNC->onMessage(s->settings, topic, payload, length)) return true;
  int channel = -1;
  for (int i = 0; i < s->subscriptionCount && channel < 0; i++)
    if (sf_streq(s->subscriptions[i], topic)) channel = s->subscriptionChannel[i];
  if (channel < 0) return false;
  sf_Envelope envelope;
  sf_Text* problem = &s->scratch;
  sf_text_clear(problem);
  bool decoded = sf_envelope_decode(&s->envelope, (const char*)payload, length, &envelope, problem);
  if (!decoded) {
    sf_Text line;
    sf_text_init(&line, 0);
    /* the wording of core/contracts/envelopeReceiver.ts */
    sf_text_appendString(&line, SF_TX_DROPPED_MALFORMED_MESSAGE);
    sf_text_appendString(&line, topic);
    sf_text_appendString(&line, ": ");
    sf_text_append(&line, problem->data, problem->length);
    sf_supervisor_report(s, line.data ? line.data : ""); /* the cloud hears of it too, as on the TypeScript device */
    sf_text_free(&line);
    return true;
  }
  if (s->manifest->channels[channel].qos == 1) {
    /* exactly once and in the sender's order, whatever order the broker hands them over in */
    s->currentValue = envelope.value;
    sf_reorder_accept(&s->ordered, topic, envelope.bootId, envelope.idLength, envelope.bootIdLength, envelope.seq, envelope.previous, channel,
                      (const char*)payload, length, now(s));
    if (!s->reorderBoundsReportedThisLink) reportReorderBounds(s);
    reportUnguarded(s, &s->reorderUnguarded, s->ordered.unguarded, REORDER_UNGUARDED);
    return true;
  }
  /* a retransmitted or replayed copy of a message the app already got */
  if (!sf_dedup_accept(&s->seenDown, envelope.bootId, envelope.bootIdLength, envelope.seq)) return true;
  reportUnguarded(s, &s->dedupUnguarded, s->seenDown.unguarded, DEDUP_UNGUARDED);
  deliverToApp(s, channel, &s->envelope, envelope.value);
  return true;
}

void sf_supervisor_onPublished(sf_Supervisor* s, uint32_t token, bool delivered) {
  /* an acknowledgement frees room on the network: what waits for it goes first (retryAfterBusy) */
  retryAfterBusy(s);
  if (s->settings && SYNC->onPublished(s->settings, token, delivered)) return;
  if (token == STATUS_TOKEN) {
    if (!delivered) supervisorEcho(s, SF_TX_STATUS_NOT_ACKNOWLEDGED);
    return;
  }
  if (!sf_outbox_published(&s->outbox, token, delivered)) sf_outbox_published(&s->logs, token, delivered);
}

static void routeConnection(void* context, bool up) {
  sf_supervisor_onConnectionChanged(context, up);
}

static void routeMessage(void* context, const char* topic, const uint8_t* payload, size_t length, bool retained) {
  /* The app's topics and the settings shadow's answers are taken alike either way, as in
   * firmware/supervisor.ts; only the status topic's reader (ports/posix/net/networkDevice.c) needs it. */
  (void)retained;
  sf_supervisor_onMessage(context, topic, payload, length);
}

static void routePublished(void* context, uint32_t token, bool delivered) {
  sf_supervisor_onPublished(context, token, delivered);
}

void sf_supervisor_netEvents(sf_Supervisor* s, hal_NetEvents* out) {
  out->context = s;
  out->connectionChanged = routeConnection;
  out->message = routeMessage;
  out->published = routePublished;
}

void sf_supervisor_stats(const sf_Supervisor* s, sf_SupervisorStats* out) {
  out->droppedMessages = s->outbox.dropped;
  out->droppedLogs = s->logs.dropped;
  out->queuedMessages = s->outbox.waitingCount;
  out->unacknowledgedMessages = s->outbox.inFlightCount;
  out->duplicatesDropped = s->seenDown.duplicates + s->ordered.duplicates;
  out->gapsSkipped = s->ordered.gaps;
  out->lateDropped = s->ordered.late;
  out->heldMessages = sf_reorder_held(&s->ordered);
  out->outages = s->outages;
  out->reconnects = s->reconnects;
  out->appErrors = s->appErrors;
  size_t used = 0, peak = 0;
  if (s->vm) sf_vm_memory(s->vm, &used, &peak);
  out->heapUsed = (uint32_t)used;
  out->heapPeak = (uint32_t)peak;
}
