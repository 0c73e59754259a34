/* core/deviceHost.h in the engine image: the app's host is the secure supervisor, so each call is
 * an entry function (../../mps2-an505-tz/secureEntry.h); a call that threw brings its message
 * (sf_secure_hostError). */
#include "../../mps2-an505-tz/secureEntry.h"
#include "../engineCalls.h"
#include "deviceHost.h"

/* SF_SECURE_OK: true; a throw appends its message; a refusal (only for memory outside this
 * image's, or a call outside an app callback: none of ours) says so. */
static bool answered(int answer, sf_Text* error) {
  if (answer == SF_SECURE_OK) return true;
  if (answer == SF_SECURE_THREW) {
    char message[SF_ENGINE_ERROR_MAX];
    int length = sf_secure_hostError(message, sizeof message);
    if (length > 0) sf_text_append(error, message, (size_t)length);
  } else {
    sf_text_appendString(error, "the secure supervisor refused the host call");
  }
  return false;
}

static void hostLog(void* context, const char* text, size_t length) {
  (void)context;
  sf_secure_hostLog(text, length);
}

static double hostNow(void* context) {
  (void)context;
  return sf_secure_hostNow();
}

static bool hostNetworkRequest(void* context, double* handle, sf_Text* error) {
  (void)context;
  return answered(sf_secure_hostNetworkRequest(handle), error);
}

static bool hostChannelOpen(void* context, double network, double channelIndex, double* handle, sf_Text* error) {
  (void)context;
  return answered(sf_secure_hostChannelOpen(network, channelIndex, handle), error);
}

static bool hostChannelSend(void* context, double handle, const char* json, size_t length, double* status, sf_Text* error) {
  (void)context;
  return answered(sf_secure_hostChannelSend(handle, json, length, status), error);
}

static bool hostPinOpen(void* context, int kind, const char* name, size_t length, double* handle, sf_Text* error) {
  (void)context;
  return answered(sf_secure_hostPinOpen(kind, name, length, handle), error);
}

static bool hostPinRead(void* context, double handle, sf_Primitive* value, sf_Text* error) {
  (void)context;
  return answered(sf_secure_hostPinRead(handle, value), error);
}

static bool hostPinWrite(void* context, double handle, bool level, sf_Text* error) {
  (void)context;
  return answered(sf_secure_hostPinWrite(handle, level), error);
}

static bool hostTimerStart(void* context, double slot, double ms, bool repeat, sf_Text* error) {
  (void)context;
  return answered(sf_secure_hostTimerStart(slot, ms, repeat), error);
}

static void hostTimerStop(void* context, double slot) {
  (void)context;
  sf_secure_hostTimerStop(slot);
}

static bool hostSettingSet(void* context, double index, const sf_Primitive* value, sf_Text* error) {
  (void)context;
  return answered(sf_secure_hostSettingSet(index, value), error);
}

static double hostRandom(void* context) {
  (void)context;
  return sf_secure_hostRandom();
}

const sf_DeviceHost sf_secureHost = {0, hostLog, hostNow, hostNetworkRequest, hostChannelOpen, hostChannelSend, hostPinOpen, hostPinRead, hostPinWrite, hostTimerStart, hostTimerStop, hostSettingSet, hostRandom};
