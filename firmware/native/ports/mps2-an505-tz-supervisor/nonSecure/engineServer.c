/* The engine's side of ../engineCalls.h: serves the secure supervisor's request with core/vm.c,
 * the app's host being the secure one (secureHost.c). A restored VM keeps its restore block (the
 * snapshot runs in place) until it is freed; a message's or a setting's block is freed after the
 * call. */
#include <stdbool.h>

#include "../../../hal/platform.h"
#include "../engineCalls.h"
#include "vm.h"

extern const sf_DeviceHost sf_secureHost;
void sf_hostEntryProbe(void);
void sf_readSecureProbe(void);
void sf_hostCallsProbe(int32_t count);
void sf_hangProbe(void);
void sf_overflowProbe(void);

typedef struct EngineVm {
  sf_Vm* vm;
  void* block;
} EngineVm;

static sf_EngineRequest request;
/* `serve`'s return address, FNC_RETURN (the secure caller's BLXNS set it): where
 * sf_engineServer_abandon goes. */
__attribute__((used)) static uint32_t returnToSecure;

sf_EngineRequest* sf_engineServer_request(void) {
  return &request;
}

static void answer(bool ok, const char* error, sf_Vm* vm) {
  request.ok = ok;
  request.fatal = vm && !ok && sf_vm_errorFatal(vm);
  request.stopped = vm && sf_vm_stopped(vm);
  if (!ok) sf_strcpy(request.error, error ? error : "out of memory", sizeof request.error);
}

static void event(EngineVm* e, bool ok) {
  answer(ok, ok ? 0 : sf_vm_error(e->vm), e->vm);
}

static void restore(void) {
  sf_EngineRestore* r = request.block;
  sf_VmOptions options = {&sf_secureHost, r->channelNames, r->channelCount, r->instructionBudget, r->hasSettings ? &r->settings : 0};
  sf_Text error;
  sf_text_init(&error, 0);
  EngineVm* e = hal_malloc(sizeof *e);
  sf_Vm* vm = e ? sf_vm_restore(r->snapshot, r->size, &options, &error) : 0;
  request.vm = 0;
  if (vm) {
    e->vm = vm, e->block = r;
    request.vm = e;
  } else {
    hal_free(e);
    hal_free(r);
  }
  answer(vm != 0, error.data, 0);
  sf_text_free(&error);
}

/* The secure watchdog points the engine's interrupted frame here when a call ran too long: back to
 * the secure caller, which restarts this image (its stack and heap start over). */
__attribute__((naked)) void sf_engineServer_abandon(void) {
  __asm__ volatile("ldr r0, =returnToSecure\n ldr r0, [r0]\n bx r0");
}

void sf_engineServer_serve(void) {
  __asm__ volatile("mov %0, lr" : "=r"(returnToSecure)); /* before any call changes lr */
  EngineVm* e = request.vm;
  switch ((sf_EngineOp)request.op) {
    case SF_ENGINE_ALLOCATE:
      request.block = hal_malloc(request.size);
      answer(true, 0, 0);
      break;
    case SF_ENGINE_RESTORE:
      restore();
      break;
    case SF_ENGINE_FREE_VM:
      sf_vm_free(e->vm);
      hal_free(e->block);
      hal_free(e);
      answer(true, 0, 0);
      break;
    case SF_ENGINE_START:
      if (request.index == SF_ENGINE_PROBE_HOST_ENTRIES) sf_hostEntryProbe();
      if (request.index == SF_ENGINE_PROBE_READ_SECURE) sf_readSecureProbe();
      if (request.index == SF_ENGINE_PROBE_HOST_CALLS) sf_hostCallsProbe(request.root);
      if (request.index == SF_ENGINE_PROBE_HANG) sf_hangProbe();
      if (request.index == SF_ENGINE_PROBE_OVERFLOW) sf_overflowProbe();
      event(e, sf_vm_start(e->vm));
      break;
    case SF_ENGINE_TIMER_FIRED:
      event(e, sf_vm_timerFired(e->vm, request.index));
      break;
    case SF_ENGINE_DELIVER:
      event(e, sf_vm_deliver(e->vm, request.index, request.block, request.root));
      hal_free(request.block);
      break;
    case SF_ENGINE_SETTING_CHANGED:
    case SF_ENGINE_SETTING_RESTORED: {
      sf_Primitive value = request.value;
      bool changed = request.op == SF_ENGINE_SETTING_CHANGED;
      event(e, changed ? sf_vm_settingChanged(e->vm, request.index, &value) : sf_vm_settingRestored(e->vm, request.index, &value));
      hal_free(request.block);
      break;
    }
    case SF_ENGINE_HANDLE_CLOSED:
      event(e, sf_vm_handleClosed(e->vm, request.root));
      break;
    case SF_ENGINE_NOTHING:
      answer(true, 0, 0);
      break;
    case SF_ENGINE_HEAP: {
      hal_HeapUsage usage;
      hal_heapUsage(&usage);
      request.peak = usage.peak, request.used = usage.inUse, request.size = usage.top;
      answer(true, 0, 0);
      break;
    }
    case SF_ENGINE_MEMORY:
      sf_vm_memory(e->vm, &request.used, &request.peak);
      answer(true, 0, 0);
      break;
    default:
      answer(false, "unknown request to the engine", 0);
  }
}
