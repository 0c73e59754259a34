/* core/vm.h's functions in the secure image (which has no engine: core/vm.c is built into the
 * non-secure one): each writes a request for the engine (../engineCalls.h), copying what it points
 * to into a block the engine allocated, and calls the engine through its one
 * cmse_nonsecure_call function (BLXNS: the compiler clears the secure registers first). What the
 * engine answers is read once and checked: a block must lie wholly in non-secure memory, a
 * message is copied with its length bounded. */
#include "engineProxy.h"

#include <arm_cmse.h>
#include <string.h>

#include "../../cortex-m/sysTick.h"
#include "../../mps2-an505-tz/secure/nonSecureMemory.h"
#include "vm.h"

typedef void __attribute__((cmse_nonsecure_call)) Serve(void);

static Serve* serve;
static sf_EngineRequest* request;
static uint32_t abandonAddress;
/* The watchdog's view of the call in progress: when it started, and whether it was abandoned. */
static volatile uint32_t callStarted;
static volatile bool abandoned;
static const char* volatile abandonedBecause;
/* The VM the engine holds now: a handle from before a restart is stale. */
static void* liveVm;
static const sf_DeviceHost* appHost;
static volatile bool calling; /* read by the watchdog (the SysTick interrupt) */
static int probe;
static int32_t probeCount;
static char lastError[SF_ENGINE_ERROR_MAX];
static bool lastFatal, lastStopped;

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

bool sf_engineProxy_connect(const sf_EngineInterface* interface) {
  if (!sf_ns_accessible(interface, sizeof *interface, false)) return false;
  sf_EngineInterface copy = *interface;
  if (!sf_ns_accessible(copy.request, sizeof *copy.request, true)) return false;
  request = copy.request;
  serve = (Serve*)cmse_nsfptr_create(copy.serve);
  abandonAddress = (uint32_t)copy.abandon;
  return true;
}

uint32_t sf_engineProxy_endCall(const char* why) {
  if (!calling || abandoned) return 0;
  abandoned = true;
  abandonedBecause = why;
  return abandonAddress;
}

bool sf_engineProxy_overdue(uint32_t now) {
  return calling && now - callStarted >= SF_ENGINE_WATCHDOG_MS;
}

const sf_DeviceHost* sf_engineProxy_appHost(void) {
  return calling ? appHost : NULL;
}

void sf_engineProxy_probeAtStart(int kind, int32_t count) {
  probe = kind;
  probeCount = count;
}

/* The call was ended (the watchdog, a fault): the engine is started again (its VM is gone), the
 * call failed for good. */
static bool restartAfterEndedCall(void) {
  abandoned = false;
  liveVm = NULL;
  appHost = NULL;
  sf_tz_resetEngine();
  sf_strcpy(lastError, abandonedBecause, sizeof lastError);
  lastFatal = lastStopped = true;
  return false;
}

/* Runs the request; the answer's flags and message kept for sf_vm_error and the like. */
static bool call(sf_EngineOp op) {
  /* one request at a time: a host function the app called (the engine is serving) that called
   * back into the engine would overwrite the request being served */
  if (calling) {
    sf_strcpy(lastError, "the engine was called while it ran an app callback", sizeof lastError);
    return false;
  }
  if (op != SF_ENGINE_ALLOCATE && op != SF_ENGINE_RESTORE && op != SF_ENGINE_NOTHING && op != SF_ENGINE_HEAP && request->vm != liveVm) {
    sf_strcpy(lastError, "the app's engine was restarted", sizeof lastError);
    lastFatal = lastStopped = true;
    return false;
  }
  request->op = op;
  request->ok = 0;
  callStarted = sf_sysTick_milliseconds();
  calling = true;
  serve();
  calling = false;
  if (abandoned) return restartAfterEndedCall();
  bool ok = request->ok != 0;
  lastFatal = request->fatal != 0;
  lastStopped = request->stopped != 0;
  if (!ok) {
    memcpy(lastError, request->error, sizeof lastError);
    lastError[sizeof lastError - 1] = 0;
  }
  return ok;
}

/* A block of `size` bytes of the engine's heap, NULL when it has none or answers an address
 * outside non-secure memory. */
static uint8_t* allocate(size_t size) {
  if (!request) return NULL;
  request->size = size;
  call(SF_ENGINE_ALLOCATE);
  uint8_t* block = request->block;
  return block && sf_ns_accessible(block, size, true) ? block : NULL;
}

sf_Vm* sf_vm_restore(const uint8_t* snapshot, size_t size, const sf_VmOptions* options, sf_Text* error) {
  /* the block: the request, the snapshot, the channel names' pointers and texts, the settings */
  const sf_SettingDecls* settings = options->settings;
  int settingCount = settings ? settings->count : 0;
  size_t snapshotAt = ALIGN8(sizeof(sf_EngineRestore));
  size_t namesAt = ALIGN8(snapshotAt + size);
  size_t textAt = namesAt + (size_t)options->channelCount * sizeof(char*);
  size_t end = textAt;
  for (int i = 0; i < options->channelCount; i++) end += strlen(options->channelNames[i]) + 1;
  size_t itemsAt = ALIGN8(end);
  end = itemsAt + (size_t)settingCount * sizeof(sf_SettingDecl);
  for (int i = 0; i < settingCount; i++) end += settings->items[i].string ? settings->items[i].stringLength + 1 : 0;
  uint8_t* block = allocate(end);
  if (!block) {
    sf_text_appendString(error, request ? "out of memory for the app's snapshot in the engine image" : "the engine image did not start");
    return NULL;
  }
  sf_EngineRestore restore = {block + snapshotAt, size, (const char* const*)(block + namesAt), options->channelCount, options->instructionBudget, settings != NULL, {(sf_SettingDecl*)(block + itemsAt), (uint16_t)settingCount}};
  memcpy(block, &restore, sizeof restore);
  memcpy(block + snapshotAt, snapshot, size);
  char* text = (char*)block + textAt;
  for (int i = 0; i < options->channelCount; i++) {
    size_t length = strlen(options->channelNames[i]) + 1;
    memcpy(text, options->channelNames[i], length);
    memcpy(block + namesAt + (size_t)i * sizeof(char*), &text, sizeof text);
    text += length;
  }
  char* defaults = (char*)block + itemsAt + (size_t)settingCount * sizeof(sf_SettingDecl);
  for (int i = 0; i < settingCount; i++) {
    sf_SettingDecl item = settings->items[i];
    if (item.string) {
      memcpy(defaults, item.string, item.stringLength + 1);
      item.string = defaults;
      defaults += item.stringLength + 1;
    }
    memcpy(block + itemsAt + (size_t)i * sizeof item, &item, sizeof item);
  }
  appHost = options->host;
  request->block = block;
  if (!call(SF_ENGINE_RESTORE)) {
    sf_text_appendString(error, lastError);
    return NULL;
  }
  liveVm = request->vm;
  return liveVm;
}

bool sf_engineProxy_callNothing(void) {
  return request && call(SF_ENGINE_NOTHING);
}

void sf_vm_free(sf_Vm* vm) {
  if (!vm || vm != liveVm) return; /* a VM from before a restart went with the engine */
  request->vm = vm;
  call(SF_ENGINE_FREE_VM);
  liveVm = NULL;
}

static bool event(sf_Vm* vm, sf_EngineOp op, int index, int32_t root) {
  request->vm = vm;
  request->index = index;
  request->root = root;
  return call(op);
}

/* `index`: a probe first (once) */
bool sf_vm_start(sf_Vm* vm) {
  int probeNow = probe;
  probe = SF_ENGINE_PROBE_NONE;
  return event(vm, SF_ENGINE_START, probeNow, probeCount);
}

bool sf_vm_timerFired(sf_Vm* vm, int slot) {
  return event(vm, SF_ENGINE_TIMER_FIRED, slot, 0);
}

bool sf_vm_handleClosed(sf_Vm* vm, int32_t handle) {
  return event(vm, SF_ENGINE_HANDLE_CLOSED, 0, handle);
}

/* The document as the engine can use it: a copy of its struct, nodes and strings in one block
 * (the nodes refer to the strings by offset), freed by the engine after the call. */
bool sf_vm_deliver(sf_Vm* vm, int channelIndex, const sf_JsonDocument* document, int32_t root) {
  size_t nodesAt = ALIGN8(sizeof(sf_JsonDocument));
  size_t nodesSize = (size_t)document->count * sizeof(sf_JsonNode);
  size_t stringsAt = nodesAt + nodesSize;
  size_t stringsSize = document->strings.length + 1;
  uint8_t* block = allocate(stringsAt + stringsSize);
  if (!block) {
    sf_strcpy(lastError, "out of memory for a message in the engine image", sizeof lastError);
    return false;
  }
  sf_JsonDocument copy = *document;
  copy.nodes = (sf_JsonNode*)(block + nodesAt);
  copy.capacity = copy.count;
  copy.strings.data = (char*)block + stringsAt;
  copy.strings.capacity = stringsSize;
  memcpy(block, &copy, sizeof copy);
  memcpy(block + nodesAt, document->nodes, nodesSize);
  if (document->strings.data) memcpy(block + stringsAt, document->strings.data, stringsSize);
  else block[stringsAt] = 0;
  request->block = block;
  return event(vm, SF_ENGINE_DELIVER, channelIndex, root);
}

/* A string's text (or an unrepresentable value's type name) copied into a block the engine frees
 * after the call. */
static bool setting(sf_Vm* vm, sf_EngineOp op, int index, const sf_Primitive* value) {
  sf_Primitive copy = *value;
  uint8_t* block = NULL;
  if (copy.type == SF_STRING || (copy.type == SF_UNREPRESENTABLE && copy.string)) {
    block = allocate(copy.length + 1);
    if (!block) {
      sf_strcpy(lastError, "out of memory for a setting in the engine image", sizeof lastError);
      return false;
    }
    memcpy(block, copy.string, copy.length);
    block[copy.length] = 0;
    copy.string = (const char*)block;
  } else {
    copy.string = NULL;
  }
  request->value = copy;
  request->block = block;
  return event(vm, op, index, 0);
}

bool sf_vm_settingChanged(sf_Vm* vm, int index, const sf_Primitive* value) {
  return setting(vm, SF_ENGINE_SETTING_CHANGED, index, value);
}

bool sf_vm_settingRestored(sf_Vm* vm, int index, const sf_Primitive* value) {
  return setting(vm, SF_ENGINE_SETTING_RESTORED, index, value);
}

const char* sf_vm_error(const sf_Vm* vm) {
  (void)vm;
  return lastError;
}

bool sf_vm_errorFatal(const sf_Vm* vm) {
  (void)vm;
  return lastFatal;
}

bool sf_vm_stopped(const sf_Vm* vm) {
  (void)vm;
  return lastStopped;
}

void sf_vm_memory(const sf_Vm* vm, size_t* used, size_t* peak) {
  request->vm = (sf_Vm*)vm;
  call(SF_ENGINE_MEMORY);
  *used = request->used;
  *peak = request->peak;
}

bool sf_engineProxy_heapUsage(hal_HeapUsage* usage) {
  if (!request || !call(SF_ENGINE_HEAP)) return false;
  *usage = (hal_HeapUsage){request->peak, request->used, request->size};
  return true;
}
