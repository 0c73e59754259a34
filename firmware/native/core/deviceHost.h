/* What the device's runtime asks of its host (FeatureHost's device part in
 * core/runtime/featureVm.ts); the supervisor implements it. A function that "throws" returns
 * false and appends its message to `error`. Numbers arrive as the VM passed them. */
#ifndef SF_DEVICE_HOST_H
#define SF_DEVICE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "primitive.h"
#include "textBuffer.h"

typedef struct sf_DeviceHost {
  void* context;
  void (*log)(void* context, const char* text, size_t length);
  double (*now)(void* context);
  bool (*networkRequest)(void* context, double* handle, sf_Text* error);
  bool (*channelOpen)(void* context, double network, double channelIndex, double* handle, sf_Text* error);
  /* `json`: the value as JSON text. *status 0 when accepted. */
  bool (*channelSend)(void* context, double handle, const char* json, size_t length, double* status, sf_Text* error);
  /* kind 0 analog, 1 digital; *handle 0 when the board has no such pin. */
  bool (*pinOpen)(void* context, int kind, const char* name, size_t length, double* handle, sf_Text* error);
  bool (*pinRead)(void* context, double handle, sf_Primitive* value, sf_Text* error);
  bool (*pinWrite)(void* context, double handle, bool level, sf_Text* error);
  bool (*timerStart)(void* context, double slot, double ms, bool repeat, sf_Text* error);
  void (*timerStop)(void* context, double slot);
  /* setting.set(value) in device code: validated (supervisor/settingValue.c's words) and applied;
   * the VM then updates the setting's value and runs its "change" listeners. */
  bool (*settingSet)(void* context, double index, const sf_Primitive* value, sf_Text* error);
  /* Math.random() */
  double (*random)(void* context);
} sf_DeviceHost;

#endif
