#include "runtimeErrors.h"

/* The texts of core/runtime/runtimeErrors.ts (formatRuntimeError on the device target), word for
 * word; test/nativeEquivalence.test.ts compares them. */

static const char* const API_NAMES[] = {
  0, "api.newCommsChannel", "api.defineSecret", "api.registerUiControl", "api.mcu.getAnalogPin",
  "api.mcu.getDigitalPin", "api.mcu.onStart", "api.mcu.setInterval", "api.mcu.setTimeout",
  "api.mcu.clearTimer", "pushMessageToServer", "sendToDevice", "addEventListener", "read", "write",
  "el.toggle", "el.button", "el.slider", "el.gauge", "el.chart", "set", "api.defineSetting", "set",
  0, 0, 0, 0, 0, 0, 0, "api.server.onDevice", "api.server.onFleet", "api.server.notify",
};
#define API_COUNT ((int)(sizeof API_NAMES / sizeof API_NAMES[0]))

void sf_appendPrimitiveString(sf_Text* out, const sf_Primitive* v) {
  switch (v->type) {
    case SF_UNDEFINED: sf_text_appendString(out, "undefined"); return;
    case SF_NULL: sf_text_appendString(out, "null"); return;
    case SF_BOOLEAN: sf_text_appendString(out, v->boolean ? "true" : "false"); return;
    case SF_NUMBER: sf_text_appendNumber(out, v->number); return;
    case SF_STRING: sf_text_append(out, v->string, v->length); return;
    default: sf_text_appendString(out, "[object]"); return;
  }
}

static int apiId(const sf_Primitive* api) {
  if (api->type != SF_NUMBER || api->number != (double)(int)api->number) return -1;
  return (int)api->number;
}

static void apiBase(sf_Text* out, const sf_Primitive* api) {
  int id = apiId(api);
  if (id >= 1 && id < API_COUNT && API_NAMES[id]) {
    sf_text_appendString(out, API_NAMES[id]);
  } else {
    sf_text_appendString(out, "api #");
    sf_appendPrimitiveString(out, api);
  }
}

static void apiText(sf_Text* out, const sf_Primitive* api, const sf_Primitive* name) {
  int id = apiId(api);
  if (name->type == SF_UNDEFINED) return apiBase(out, api);
  if (id == 10 || id == 11 || id == 12) {
    sf_text_appendString(out, "channel \"");
    sf_appendPrimitiveString(out, name);
    sf_text_appendString(out, "\".");
    apiBase(out, api);
  } else if (id == 13 || id == 14) {
    sf_text_appendString(out, "pin \"");
    sf_appendPrimitiveString(out, name);
    sf_text_appendString(out, "\".");
    apiBase(out, api);
    sf_text_appendString(out, "()");
  } else if (id == 22) {
    sf_text_appendString(out, "setting \"");
    sf_appendPrimitiveString(out, name);
    sf_text_appendString(out, "\".set");
  } else {
    apiBase(out, api);
    sf_text_appendString(out, "(\"");
    sf_appendPrimitiveString(out, name);
    sf_text_appendString(out, "\")");
  }
}

static const char* servedBy(const sf_Primitive* api) {
  int id = apiId(api);
  if (id == 11) return "web or server";
  if (id == 32) return "server";
  return "device";
}

void sf_formatRuntimeError(const sf_Primitive* code, const sf_Primitive* api, const sf_Primitive* name, sf_Text* out) {
  int c = code->type == SF_NUMBER && code->number == (double)(int)code->number ? (int)code->number : -1;
  sf_Primitive none = sf_undefined();
  switch (c) {
    case 0:
      sf_appendPrimitiveString(out, api);
      return;
    case 1:
      apiText(out, api, name);
      sf_text_appendString(out, " can only be called on the ");
      sf_text_appendString(out, servedBy(api));
      sf_text_appendString(out, " target; this is the device target. Call it from a callback that runs there (api.mcu.onStart/setInterval on the device, a UI control on the web, api.server.onDevice/onFleet on the server)");
      return;
    case 2:
      apiText(out, api, name);
      sf_text_appendString(out, " was called at run time. Declare channels, secrets, settings, pins and UI controls while App(api) runs (at build time), keep the returned objects and use them in callbacks");
      return;
    case 3:
      apiText(out, api, name);
      sf_text_appendString(out, " was called while App(api) runs at build time; call it from a callback (api.mcu.onStart/setInterval on the device, a UI control on the web, api.server.onDevice/onFleet on the server)");
      return;
    case 4:
      apiText(out, api, name);
      sf_text_appendString(out, ": the callback must be a function");
      return;
    case 5:
      sf_text_appendString(out, "channel \"");
      sf_appendPrimitiveString(out, api);
      sf_text_appendString(out, "\".addEventListener: unknown event \"");
      sf_appendPrimitiveString(out, name);
      sf_text_appendString(out, "\"; use \"messageFromServer\" (device end) or \"messageFromDevice\" (web/server end)");
      return;
    case 6:
      sf_text_appendString(out, "a function can't be sent over a channel: send numbers, strings, booleans, null, arrays or plain objects");
      return;
    case 7:
      sf_text_appendString(out, "a value with a cycle (an object that contains itself) can't be sent over a channel");
      return;
    case 8:
      sf_text_appendString(out, "channel \"");
      sf_appendPrimitiveString(out, api);
      sf_text_appendString(out, "\": the supervisor refused the message (status ");
      sf_appendPrimitiveString(out, name);
      sf_text_appendChar(out, ')');
      return;
    case 9:
      sf_text_appendString(out, "the board has no pin \"");
      sf_appendPrimitiveString(out, api);
      sf_text_appendString(out, "\" of that kind; check the pin label against the board");
      return;
    case 10:
      apiText(out, api, &none);
      sf_text_appendString(out, ": the delay must be a number of milliseconds >= 0");
      return;
    case 11:
      sf_text_appendString(out, "api.registerUiControl(render, { title }): give the control a title string");
      return;
    case 12:
      sf_text_appendString(out, "secret \"");
      sf_appendPrimitiveString(out, api);
      sf_text_appendString(out, "\".value is only available on the device target; it was read on the device target. Secrets never reach dashboard or server snapshots: use the value in device code only");
      return;
    case 13:
      apiBase(out, api);
      sf_text_appendString(out, ": ");
      sf_appendPrimitiveString(out, name);
      sf_text_appendString(out, " must be a number");
      return;
    case 14:
      if (api->type == SF_UNDEFINED) {
        sf_text_appendString(out, "a channel");
      } else {
        sf_text_appendString(out, "channel \"");
        sf_appendPrimitiveString(out, api);
        sf_text_appendChar(out, '"');
      }
      sf_text_appendString(out, ": an object or array can't be sent or received here, because the values this app's code sends on its channels are all numbers, strings or booleans (by their declared types, or by the types of the values passed), so the device build leaves the object codec out. Declare the channel with the object type it carries, e.g. newCommsChannel<{ level: number }>(\"");
      if (api->type == SF_UNDEFINED) sf_text_appendString(out, "name");
      else sf_appendPrimitiveString(out, api);
      sf_text_appendString(out, "\"), or give the value its real type instead of a cast");
      return;
    case 15:
      sf_text_appendString(out, "setting \"");
      sf_appendPrimitiveString(out, api);
      sf_text_appendString(out, "\".addEventListener: unknown event \"");
      sf_appendPrimitiveString(out, name);
      sf_text_appendString(out, "\"; a setting has one event, \"change\"");
      return;
    default:
      sf_text_appendString(out, "feature runtime error ");
      sf_appendPrimitiveString(out, code);
      sf_text_appendString(out, " (");
      sf_appendPrimitiveString(out, api);
      sf_text_appendString(out, ", ");
      sf_appendPrimitiveString(out, name);
      sf_text_appendChar(out, ')');
  }
}
