/* A restored device snapshot and the bridge between its runtime library and the device host
 * (FeatureVm in core/runtime/featureVm.ts is the TypeScript twin): it serves the VM's imports
 * (host ids generated from core/runtime/hostIds.ts), turns host events into calls of the one
 * exported dispatcher, each with an instruction budget, and names the callback when one fails.
 * A fatal engine error stops the VM for good; its memory is released at once. */
#ifndef SF_VM_H
#define SF_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "deviceHost.h"
#include "json.h"
#include "manifest.h"
#include "textBuffer.h"

/* Instructions per callback when none is given (DEFAULT_INSTRUCTION_BUDGET). */
#define SF_DEFAULT_INSTRUCTION_BUDGET 1000000

typedef struct sf_Vm sf_Vm;

typedef struct sf_VmOptions {
  const sf_DeviceHost* host;
  /* Manifest order: names failing listeners. */
  const char* const* channelNames;
  int channelCount;
  /* 0: SF_DEFAULT_INSTRUCTION_BUDGET; -1: no limit. */
  int32_t instructionBudget;
  /* Manifest order: names failing "change" listeners (NULL: named by index). */
  const sf_SettingDecls* settings;
} sf_VmOptions;

/* Restores a snapshot that outlives the VM (the engine runs from it in place). NULL on failure,
 * with the reason in `error`. */
sf_Vm* sf_vm_restore(const uint8_t* snapshot, size_t size, const sf_VmOptions* options, sf_Text* error);
void sf_vm_free(sf_Vm* vm);

/* Events. Each returns false when the callback failed; sf_vm_error then names it and says why. */
bool sf_vm_start(sf_Vm* vm);
bool sf_vm_timerFired(sf_Vm* vm, int slot);
/* A message for channel `channelIndex`: the value at node `root` of the document. */
bool sf_vm_deliver(sf_Vm* vm, int channelIndex, const sf_JsonDocument* document, int32_t root);
/* Setting `index` is now `value`: its "change" listeners run when it differs from the VM's
 * (a desired value the shadow brought); restored: set without listeners (boot). */
bool sf_vm_settingChanged(sf_Vm* vm, int index, const sf_Primitive* value);
bool sf_vm_settingRestored(sf_Vm* vm, int index, const sf_Primitive* value);
bool sf_vm_handleClosed(sf_Vm* vm, int32_t handle);

const char* sf_vm_error(const sf_Vm* vm);
/* The last failure stopped the VM (fatal engine error): it runs nothing more. */
bool sf_vm_errorFatal(const sf_Vm* vm);
bool sf_vm_stopped(const sf_Vm* vm);

void sf_vm_memory(const sf_Vm* vm, size_t* used, size_t* peak);

#endif
