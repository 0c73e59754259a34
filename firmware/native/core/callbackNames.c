#include "callbackNames.h"
#include "sf_deviceTexts.h"

static void own(sf_NamedCallback* out, const sf_Text* text) {
  sf_strcpy(out->text, text->data ? text->data : "", sizeof out->text);
  sf_strcpy(out->origin, out->text, sizeof out->origin);
}

void sf_callbackNames_init(sf_CallbackNames* names, const char* const* channelNames, int channelCount) {
  names->channelNames = channelNames;
  names->channelCount = channelCount;
  for (int i = 0; i < SF_NAMED_TIMER_SLOTS; i++) names->bootTimers[i] = 0, names->runTimeSet[i] = false;
}

void sf_callbackNames_timer(const sf_CallbackNames* names, int slot, sf_NamedCallback* out) {
  sf_Text t;
  sf_text_init(&t, 0);
  if (slot >= 0 && slot < SF_NAMED_TIMER_SLOTS && names->runTimeSet[slot]) {
    *out = names->runTime[slot];
  } else if (slot >= 0 && slot < SF_NAMED_TIMER_SLOTS && names->bootTimers[slot]) {
    const char* api = names->bootTimers[slot] == 1 ? "setInterval" : "setTimeout";
    sf_text_appendString(&t, "timer #");
    sf_text_appendInt(&t, slot);
    sf_text_appendString(&t, " (");
    sf_text_appendString(&t, api);
    sf_text_appendChar(&t, ')');
    sf_strcpy(out->text, t.data, sizeof out->text);
    sf_text_clear(&t);
    sf_text_appendString(&t, api);
    sf_text_appendString(&t, " timer #");
    sf_text_appendInt(&t, slot);
    sf_strcpy(out->origin, t.data, sizeof out->origin);
  } else {
    sf_text_appendString(&t, "timer #");
    sf_text_appendInt(&t, slot);
    own(out, &t);
  }
  sf_text_free(&t);
}

void sf_callbackNames_listener(const sf_CallbackNames* names, int channel, int position, sf_NamedCallback* out) {
  sf_Text t;
  sf_text_init(&t, 0);
  sf_text_appendString(&t, "listener #");
  sf_text_appendInt(&t, position);
  sf_text_appendString(&t, SF_TX_FOR_CHANNEL);
  if (channel >= 0 && channel < names->channelCount) {
    sf_text_appendJsonString(&t, names->channelNames[channel], sf_strlen(names->channelNames[channel]));
  } else {
    sf_Text number;
    sf_text_init(&number, 0);
    sf_text_appendChar(&number, '#');
    sf_text_appendInt(&number, channel);
    sf_text_appendJsonString(&t, number.data, number.length);
    sf_text_free(&number);
  }
  own(out, &t);
  sf_text_free(&t);
}

void sf_callbackNames_onStart(int position, sf_NamedCallback* out) {
  sf_Text t;
  sf_text_init(&t, 0);
  if (position < 0) {
    sf_text_appendString(&t, SF_TX_APP_START_OPENING_CHANNELS_STARTING);
  } else {
    sf_text_appendString(&t, SF_TX_ONSTART_CALLBACK);
    sf_text_appendInt(&t, position);
  }
  own(out, &t);
  sf_text_free(&t);
}

void sf_callbackNames_notification(int kind, sf_NamedCallback* out) {
  sf_Text t;
  sf_text_init(&t, 0);
  sf_text_appendString(&t, SF_TX_SUPERVISOR_NOTIFICATION);
  sf_text_appendInt(&t, kind);
  own(out, &t);
  sf_text_free(&t);
}

void sf_callbackNames_bootTimer(sf_CallbackNames* names, int slot, bool repeat) {
  if (slot >= 0 && slot < SF_NAMED_TIMER_SLOTS) names->bootTimers[slot] = repeat ? 1 : 2;
}

/* `timer (setInterval, added by <origin>)`: named by the build-time callback it descends from. */
void sf_callbackNames_timerSet(sf_CallbackNames* names, int slot, bool repeat, const sf_NamedCallback* by) {
  if (slot < 0 || slot >= SF_NAMED_TIMER_SLOTS) return;
  names->bootTimers[slot] = 0;
  sf_Text t;
  sf_text_init(&t, 0);
  sf_text_appendString(&t, "timer (");
  sf_text_appendString(&t, repeat ? "setInterval" : "setTimeout");
  if (by) {
    sf_text_appendString(&t, ", added by ");
    sf_text_appendString(&t, by->origin);
  }
  sf_text_appendChar(&t, ')');
  sf_NamedCallback* named = &names->runTime[slot];
  sf_strcpy(named->text, t.data, sizeof named->text);
  sf_strcpy(named->origin, by ? by->origin : named->text, sizeof named->origin);
  names->runTimeSet[slot] = true;
  sf_text_free(&t);
}
