/* The app's host calls as entry functions (../../mps2-an505-tz/secureEntry.h, sf_secure_host*):
 * each checks what crosses and runs the supervisor's own function (supervisor/supervisor.c's
 * host), which checks a handle against the supervisor's tables. A text is copied into secure
 * memory (the heap) once its range is checked, and only the copy is used; an out-parameter is
 * checked writable non-secure memory before the supervisor runs, so a refused call has no
 * effect; a value crossing out is a number or a boolean, never a pointer. */
#include <string.h>

#include "../../../hal/platform.h"
#include "../../mps2-an505-tz/secureEntry.h"
#include "../../mps2-an505-tz/secure/nonSecureMemory.h"
#include "engineProxy.h"

#define ENTRY __attribute__((cmse_nonsecure_entry))

/* The last call's message when it threw (sf_secure_hostError copies it out). */
static sf_Text thrown;

#define HOST_OR_REFUSE                            \
  const sf_DeviceHost* host = sf_engineProxy_appHost(); \
  if (!host) return SF_SECURE_REFUSED_CALL;       \
  sf_text_clear(&thrown)

static int answer(bool ok) {
  return ok ? SF_SECURE_OK : SF_SECURE_THREW;
}

/* text[0..length) copied into the secure heap (NUL-terminated) when it is non-secure memory;
 * out of memory throws. */
static int copyIn(const char* text, size_t length, char** copy) {
  *copy = NULL;
  if (!sf_ns_accessible(text, length, false)) return SF_SECURE_REFUSED_POINTER;
  *copy = hal_malloc(length + 1);
  if (!*copy) {
    sf_text_appendString(&thrown, "out of memory in the secure image");
    return SF_SECURE_THREW;
  }
  memcpy(*copy, text, length);
  (*copy)[length] = 0;
  return SF_SECURE_OK;
}

static bool writable(void* out, size_t size) {
  return sf_ns_accessible(out, size, true);
}

int ENTRY sf_secure_hostLog(const char* text, size_t length) {
  HOST_OR_REFUSE;
  char* copy;
  int copied = copyIn(text, length, &copy);
  if (copied != SF_SECURE_OK) return copied;
  host->log(host->context, copy, length);
  hal_free(copy);
  return SF_SECURE_OK;
}

double ENTRY sf_secure_hostNow(void) {
  const sf_DeviceHost* host = sf_engineProxy_appHost();
  return host ? host->now(host->context) : 0;
}

int ENTRY sf_secure_hostNetworkRequest(double* handle) {
  HOST_OR_REFUSE;
  if (!writable(handle, sizeof *handle)) return SF_SECURE_REFUSED_POINTER;
  double opened = 0;
  bool ok = host->networkRequest(host->context, &opened, &thrown);
  *handle = opened;
  return answer(ok);
}

int ENTRY sf_secure_hostChannelOpen(double network, double channelIndex, double* handle) {
  HOST_OR_REFUSE;
  if (!writable(handle, sizeof *handle)) return SF_SECURE_REFUSED_POINTER;
  double opened = 0;
  bool ok = host->channelOpen(host->context, network, channelIndex, &opened, &thrown);
  *handle = opened;
  return answer(ok);
}

int ENTRY sf_secure_hostChannelSend(double handle, const char* json, size_t length, double* status) {
  HOST_OR_REFUSE;
  if (!writable(status, sizeof *status)) return SF_SECURE_REFUSED_POINTER;
  char* copy;
  int copied = copyIn(json, length, &copy);
  if (copied != SF_SECURE_OK) return copied;
  double sent = 0;
  bool ok = host->channelSend(host->context, handle, copy, length, &sent, &thrown);
  hal_free(copy);
  *status = sent;
  return answer(ok);
}

int ENTRY sf_secure_hostPinOpen(int kind, const char* name, size_t length, double* handle) {
  HOST_OR_REFUSE;
  if (!writable(handle, sizeof *handle)) return SF_SECURE_REFUSED_POINTER;
  char* copy;
  int copied = copyIn(name, length, &copy);
  if (copied != SF_SECURE_OK) return copied;
  double opened = 0;
  bool ok = host->pinOpen(host->context, kind, copy, length, &opened, &thrown);
  hal_free(copy);
  *handle = opened;
  return answer(ok);
}

int ENTRY sf_secure_hostPinRead(double handle, sf_Primitive* value) {
  HOST_OR_REFUSE;
  if (!writable(value, sizeof *value)) return SF_SECURE_REFUSED_POINTER;
  sf_Primitive read = sf_undefined();
  bool ok = host->pinRead(host->context, handle, &read, &thrown);
  *value = read.type == SF_NUMBER ? sf_number(read.number) : read.type == SF_BOOLEAN ? sf_boolean(read.boolean) : sf_undefined();
  return answer(ok);
}

int ENTRY sf_secure_hostPinWrite(double handle, int level) {
  HOST_OR_REFUSE;
  return answer(host->pinWrite(host->context, handle, level != 0, &thrown));
}

int ENTRY sf_secure_hostTimerStart(double slot, double ms, int repeat) {
  HOST_OR_REFUSE;
  return answer(host->timerStart(host->context, slot, ms, repeat != 0, &thrown));
}

int ENTRY sf_secure_hostTimerStop(double slot) {
  HOST_OR_REFUSE;
  host->timerStop(host->context, slot);
  return SF_SECURE_OK;
}

int ENTRY sf_secure_hostSettingSet(double index, const sf_Primitive* value) {
  HOST_OR_REFUSE;
  if (!sf_ns_accessible(value, sizeof *value, false)) return SF_SECURE_REFUSED_POINTER;
  sf_Primitive copy = *value; /* read once: the string checked is the string used */
  char* text = NULL;
  /* a string's text, or the type an unrepresentable value names (settingValue.c's words) */
  if (copy.type == SF_STRING || (copy.type == SF_UNREPRESENTABLE && copy.string)) {
    int copied = copyIn(copy.string, copy.length, &text);
    if (copied != SF_SECURE_OK) return copied;
    copy.string = text;
  } else {
    copy.string = NULL;
  }
  bool ok = host->settingSet(host->context, index, &copy, &thrown);
  hal_free(text);
  return answer(ok);
}

double ENTRY sf_secure_hostRandom(void) {
  const sf_DeviceHost* host = sf_engineProxy_appHost();
  return host ? host->random(host->context) : 0;
}

int ENTRY sf_secure_hostError(char* out, size_t capacity) {
  if (!writable(out, capacity)) return SF_SECURE_REFUSED_POINTER;
  size_t length = thrown.length < capacity ? thrown.length : capacity;
  if (length) memcpy(out, thrown.data, length);
  return (int)length;
}
