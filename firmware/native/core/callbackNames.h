/* How run-time errors name the feature callback that failed (core/runtime/callbackNames.ts),
 * for a device that has no callback sites: a device package leaves them out, so an app
 * installed over the air names its callbacks by kind and number on every host alike:
 * `timer #0 (setInterval)`, `listener #0 for channel "cmd"`, `onStart callback #0`.
 *
 * A callback is kept as a record of a few bytes (kind and numbers), and its text is rendered
 * only when an error needs it: the texts of 32 timer slots would take 10 KB, more than the
 * Cortex-M0+'s whole heap (issue 12). The records render exactly the TypeScript texts. */
#ifndef SF_CALLBACK_NAMES_H
#define SF_CALLBACK_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"
#include "textBuffer.h"

/* Timer slots whose names are remembered; later slots are named by number only. */
#define SF_NAMED_TIMER_SLOTS 32

typedef enum sf_CallbackKind {
  SF_CALLBACK_NONE,         /* a slot's timer not named (by number), or a timer set by no callback */
  SF_CALLBACK_START_SETUP,  /* app start (opening channels, starting timers) */
  SF_CALLBACK_ON_START,     /* onStart callback #index */
  SF_CALLBACK_LISTENER,     /* listener #position for channel `index` */
  SF_CALLBACK_SETTING,      /* "change" listener of setting `index` */
  SF_CALLBACK_NOTIFICATION, /* supervisor notification `index` */
  SF_CALLBACK_TIMER,        /* timer #index: a slot whose timer is not named */
  SF_CALLBACK_BOOT_TIMER,   /* timer #index (setInterval): one App set */
  SF_CALLBACK_ADDED_TIMER,  /* timer (setInterval, added by <origin>): set at run time */
} sf_CallbackKind;

/* A callback, or the build-time callback a run-time timer descends from (its origin: TypeScript's
 * NamedCallback.origin). For SF_CALLBACK_ADDED_TIMER, `origin*`, `index` and `position` are the
 * origin's (originKind SF_CALLBACK_NONE: set by no callback); a chain of run-time timers never
 * grows the record. */
typedef struct sf_CallbackName {
  uint8_t kind;         /* sf_CallbackKind */
  uint8_t repeat;       /* timers: 1 setInterval, 0 setTimeout */
  uint8_t originKind;   /* SF_CALLBACK_ADDED_TIMER: the origin's kind */
  uint8_t originRepeat; /* ... and its repeat flag (a boot timer, a timer set by no callback) */
  int32_t index;        /* slot, channel, setting, onStart position, notification kind */
  int32_t position;     /* a listener's place in its channel's list */
} sf_CallbackName;

typedef struct sf_CallbackNames {
  const char* const* channelNames;
  int channelCount;
  const sf_SettingDecls* settings; /* NULL: settings named by index */
  /* Per slot: SF_CALLBACK_NONE, a timer App set (learnt as it starts) or one set at run time. */
  sf_CallbackName timers[SF_NAMED_TIMER_SLOTS];
} sf_CallbackNames;

void sf_callbackNames_init(sf_CallbackNames* names, const char* const* channelNames, int channelCount, const sf_SettingDecls* settings);

/* The callbacks of the events (FeatureVm's callbackOf). */
void sf_callbackNames_timer(const sf_CallbackNames* names, int slot, sf_CallbackName* out);
void sf_callbackNames_listener(int channel, int position, sf_CallbackName* out);
/* position < 0: the start-up work before the onStart callbacks. */
void sf_callbackNames_onStart(int position, sf_CallbackName* out);
void sf_callbackNames_setting(int index, sf_CallbackName* out);
void sf_callbackNames_notification(int kind, sf_CallbackName* out);

/* `"cmd"`, or `"#3"` for a channel the manifest doesn't name (CallbackNames.channel's quoted name). */
void sf_callbackNames_appendChannelName(const sf_CallbackNames* names, int32_t index, sf_Text* out);

/* Appends the callback's text, as errors say it. */
void sf_callbackNames_append(const sf_CallbackNames* names, const sf_CallbackName* callback, sf_Text* out);

void sf_callbackNames_bootTimer(sf_CallbackNames* names, int slot, bool repeat);
/* `by`: the callback running when the timer was set (NULL: none). */
void sf_callbackNames_timerSet(sf_CallbackNames* names, int slot, bool repeat, const sf_CallbackName* by);

#endif
