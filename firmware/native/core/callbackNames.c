#include "callbackNames.h"
#include "sf_deviceTexts.h"

/* Out-parameters rather than returned structs: no temporaries in the frames of vm.c's dispatch
 * and host calls, which are on every path into the app (scripts/stackDepth.mjs). */
static void named(sf_CallbackKind kind, int index, int position, sf_CallbackName* out) {
  out->kind = (uint8_t)kind;
  out->repeat = 0;
  out->originKind = SF_CALLBACK_NONE;
  out->originRepeat = 0;
  out->index = index;
  out->position = position;
}

void sf_callbackNames_init(sf_CallbackNames* names, const char* const* channelNames, int channelCount, const sf_SettingDecls* settings) {
  names->channelNames = channelNames;
  names->channelCount = channelCount;
  names->settings = settings;
  for (int i = 0; i < SF_NAMED_TIMER_SLOTS; i++) named(SF_CALLBACK_NONE, i, 0, &names->timers[i]);
}

void sf_callbackNames_timer(const sf_CallbackNames* names, int slot, sf_CallbackName* out) {
  if (slot >= 0 && slot < SF_NAMED_TIMER_SLOTS && names->timers[slot].kind != SF_CALLBACK_NONE) *out = names->timers[slot];
  else named(SF_CALLBACK_TIMER, slot, 0, out);
}

void sf_callbackNames_listener(int channel, int position, sf_CallbackName* out) {
  named(SF_CALLBACK_LISTENER, channel, position, out);
}

void sf_callbackNames_onStart(int position, sf_CallbackName* out) {
  if (position < 0) named(SF_CALLBACK_START_SETUP, 0, 0, out);
  else named(SF_CALLBACK_ON_START, position, 0, out);
}

void sf_callbackNames_setting(int index, sf_CallbackName* out) {
  named(SF_CALLBACK_SETTING, index, 0, out);
}

void sf_callbackNames_notification(int kind, sf_CallbackName* out) {
  named(SF_CALLBACK_NOTIFICATION, kind, 0, out);
}

void sf_callbackNames_bootTimer(sf_CallbackNames* names, int slot, bool repeat) {
  /* a run-time timer's name stays, as in CallbackNames.timer (its map is read first) */
  if (slot < 0 || slot >= SF_NAMED_TIMER_SLOTS || names->timers[slot].kind == SF_CALLBACK_ADDED_TIMER) return;
  named(SF_CALLBACK_BOOT_TIMER, slot, 0, &names->timers[slot]);
  names->timers[slot].repeat = repeat;
}

/* `timer (setInterval, added by <origin>)`: named by the build-time callback it descends from. */
void sf_callbackNames_timerSet(sf_CallbackNames* names, int slot, bool repeat, const sf_CallbackName* by) {
  if (slot < 0 || slot >= SF_NAMED_TIMER_SLOTS) return;
  sf_CallbackName timer; /* built apart: `by` may be this slot's own record */
  named(SF_CALLBACK_ADDED_TIMER, 0, 0, &timer);
  timer.repeat = repeat;
  if (by && by->kind == SF_CALLBACK_ADDED_TIMER) {
    /* its origin is `by`'s: `by` itself when no callback set it */
    timer.originKind = by->originKind != SF_CALLBACK_NONE ? by->originKind : SF_CALLBACK_ADDED_TIMER;
    timer.originRepeat = by->originKind != SF_CALLBACK_NONE ? by->originRepeat : by->repeat;
    timer.index = by->index;
    timer.position = by->position;
  } else if (by) {
    timer.originKind = by->kind;
    timer.originRepeat = by->repeat;
    timer.index = by->index;
    timer.position = by->position;
  }
  names->timers[slot] = timer;
}

/* ------------------------------------------------------------------ texts */

static const char* api(bool repeat) {
  return repeat ? "setInterval" : "setTimeout";
}

/* `"#3"`: a channel or setting the manifest doesn't name (JSON.stringify(`#${index}`): nothing
 * to escape). */
static void appendQuotedNumber(int32_t index, sf_Text* out) {
  sf_text_appendString(out, "\"#");
  sf_text_appendInt(out, index);
  sf_text_appendChar(out, '"');
}

void sf_callbackNames_appendChannelName(const sf_CallbackNames* names, int32_t index, sf_Text* out) {
  if (index >= 0 && index < names->channelCount) {
    sf_text_appendJsonString(out, names->channelNames[index], sf_strlen(names->channelNames[index]));
  } else {
    appendQuotedNumber(index, out);
  }
}

/* The texts every kind renders alike as a callback and as an origin. */
static void appendOwn(const sf_CallbackNames* names, sf_CallbackKind kind, int32_t index, int32_t position, sf_Text* out) {
  switch (kind) {
    case SF_CALLBACK_START_SETUP:
      sf_text_appendString(out, SF_TX_APP_START_OPENING_CHANNELS_STARTING);
      return;
    case SF_CALLBACK_ON_START:
      sf_text_appendString(out, SF_TX_ONSTART_CALLBACK);
      sf_text_appendInt(out, index);
      return;
    case SF_CALLBACK_LISTENER:
      sf_text_appendString(out, "listener #");
      sf_text_appendInt(out, position);
      sf_text_appendString(out, SF_TX_FOR_CHANNEL);
      sf_callbackNames_appendChannelName(names, index, out);
      return;
    case SF_CALLBACK_SETTING:
      /* FeatureVm's callbackOf: `"change" listener of setting "setpoint"` */
      sf_text_appendString(out, SF_TX_CHANGE_LISTENER_SETTING);
      if (names->settings && index >= 0 && index < names->settings->count) {
        sf_text_appendChar(out, '"');
        sf_text_appendString(out, names->settings->items[index].name);
        sf_text_appendChar(out, '"');
      } else {
        appendQuotedNumber(index, out);
      }
      return;
    case SF_CALLBACK_NOTIFICATION:
      sf_text_appendString(out, SF_TX_SUPERVISOR_NOTIFICATION);
      sf_text_appendInt(out, index);
      return;
    default: /* SF_CALLBACK_TIMER */
      sf_text_appendString(out, "timer #");
      sf_text_appendInt(out, index);
  }
}

/* A run-time timer's origin as TypeScript's NamedCallback.origin says it. */
static void appendOrigin(const sf_CallbackNames* names, const sf_CallbackName* timer, sf_Text* out) {
  switch (timer->originKind) {
    case SF_CALLBACK_BOOT_TIMER: /* `setInterval timer #0` */
      sf_text_appendString(out, api(timer->originRepeat));
      sf_text_appendString(out, " timer #");
      sf_text_appendInt(out, timer->index);
      return;
    case SF_CALLBACK_ADDED_TIMER: /* a timer set by no callback: its own text */
      sf_text_appendString(out, "timer (");
      sf_text_appendString(out, api(timer->originRepeat));
      sf_text_appendChar(out, ')');
      return;
    default:
      appendOwn(names, timer->originKind, timer->index, timer->position, out);
  }
}

void sf_callbackNames_append(const sf_CallbackNames* names, const sf_CallbackName* callback, sf_Text* out) {
  switch (callback->kind) {
    case SF_CALLBACK_BOOT_TIMER: /* `timer #0 (setInterval)` */
      sf_text_appendString(out, "timer #");
      sf_text_appendInt(out, callback->index);
      sf_text_appendString(out, " (");
      sf_text_appendString(out, api(callback->repeat));
      sf_text_appendChar(out, ')');
      return;
    case SF_CALLBACK_ADDED_TIMER: /* `timer (setTimeout, added by <origin>)` */
      sf_text_appendString(out, "timer (");
      sf_text_appendString(out, api(callback->repeat));
      if (callback->originKind != SF_CALLBACK_NONE) {
        sf_text_appendString(out, ", added by ");
        appendOrigin(names, callback, out);
      }
      sf_text_appendChar(out, ')');
      return;
    default:
      appendOwn(names, callback->kind, callback->index, callback->position, out);
  }
}
