/* How run-time errors name the feature callback that failed (core/runtime/callbackNames.ts),
 * for a device that has no callback sites: a device package leaves them out, so an app
 * installed over the air names its callbacks by kind and number on every host alike:
 * `timer #0 (setInterval)`, `listener #0 for channel "cmd"`, `onStart callback #0`. */
#ifndef SF_CALLBACK_NAMES_H
#define SF_CALLBACK_NAMES_H

#include <stdbool.h>

#include "textBuffer.h"

/* Timer slots whose names are remembered; later slots are named by number only. */
#define SF_NAMED_TIMER_SLOTS 32
#define SF_CALLBACK_NAME_SIZE 160

typedef struct sf_NamedCallback {
  char text[SF_CALLBACK_NAME_SIZE];
  char origin[SF_CALLBACK_NAME_SIZE];
} sf_NamedCallback;

typedef struct sf_CallbackNames {
  const char* const* channelNames;
  int channelCount;
  /* 0: none, 1: setInterval, 2: setTimeout (a timer App set, learnt as it starts) */
  unsigned char bootTimers[SF_NAMED_TIMER_SLOTS];
  bool runTimeSet[SF_NAMED_TIMER_SLOTS];
  sf_NamedCallback runTime[SF_NAMED_TIMER_SLOTS];
} sf_CallbackNames;

void sf_callbackNames_init(sf_CallbackNames* names, const char* const* channelNames, int channelCount);
void sf_callbackNames_timer(const sf_CallbackNames* names, int slot, sf_NamedCallback* out);
void sf_callbackNames_listener(const sf_CallbackNames* names, int channel, int position, sf_NamedCallback* out);
/* position < 0: the start-up work before the onStart callbacks. */
void sf_callbackNames_onStart(int position, sf_NamedCallback* out);
void sf_callbackNames_notification(int kind, sf_NamedCallback* out);
void sf_callbackNames_bootTimer(sf_CallbackNames* names, int slot, bool repeat);
/* `by`: the callback running when the timer was set (NULL: none). */
void sf_callbackNames_timerSet(sf_CallbackNames* names, int slot, bool repeat, const sf_NamedCallback* by);

#endif
