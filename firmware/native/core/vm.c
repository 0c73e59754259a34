#include "vm.h"

#include "../hal/platform.h"
#include "callbackNames.h"
#include "engineErrors.h"
#include "microvium.h"
#include "runtimeErrors.h"
#include "sf_hostIds.h"
#include "standardLibrary.h"
#include "valueTokens.h"
#include "vmMemory.h"
#include "sf_deviceTexts.h"

/* Internal engine function, linkable because of MVM_EXPOSE_INTERNALS. */
mvm_TeError getProperty(mvm_VM* vm, mvm_Value* pObject, mvm_Value* pPropertyName, mvm_Value* out_value);

#define MAX_HOST_ARGS 8
#define NO_POSITION (-1)

static const char* const TYPE_NAMES[] = {"undefined", "null", "boolean", "number", "string", "function", "object", "array", "Uint8Array", "class"};

struct sf_Vm {
  mvm_VM* engine;
  mvm_Value dispatch;
  const sf_DeviceHost* host;
  int32_t budget; /* -1: none */
  sf_TokenWriter writer;
  sf_TokenReader reader;
  /* The document JSON.parse filled, read by the VM through `reader`. */
  sf_JsonDocument parsed;
  sf_StdlibContext stdlib;
  sf_CallbackNames names;
  /* Scratch, here rather than on the C stack (the frames of dispatch and hostTrampoline are on
   * every path into the app; scripts/stackDepth.mjs): the callback being named, filled and
   * used at once, and a host call's arguments (hostTrampoline is never re-entered: the analysis
   * finds no cycle through it). */
  sf_CallbackName named;
  sf_Primitive hostArgs[MAX_HOST_ARGS];
  size_t hostArgOffsets[MAX_HOST_ARGS];

  /* The dispatch in progress, to name its callback (FeatureVm's event/eventArg/position). */
  int event; /* 0: none */
  double eventArg;
  int position;
  bool inStart, startSetupFailed;
  int nextBootSlot;

  /* A host function's error, the message of the last failure, why the VM stopped. */
  bool hostThrew;
  sf_Text hostError;
  sf_Text message;
  bool lastFatal;
  bool stopped;
  sf_Text stoppedBecause;
  /* Host-call arguments (strings copied out of the VM heap) and results. */
  sf_Text argumentText;
  sf_Text resultText;
  /* Engine memory after the last collection (see COLLECT_AFTER_BYTES). */
  size_t usedAfterCollection;
  /* The first import restore could not resolve, -1: none. */
  int unresolvedImport;
};

/* The engine collects garbage only when its heap reaches MVM_MAX_HEAP_SIZE, and until then every
 * pointer it follows is looked up by walking the heap's 1 KB buckets, newest first, to the
 * oldest, where the app's long-lived state sits: up to 32 steps each (callgrind: 14% of a
 * timer + pin read + push). A collection after a top-level call, once the heap grew this much
 * since the last one, compacts it into one bucket: short walks, a small heap (RSS), and the
 * collection of a device-sized live heap costs less than the walks it saves. A small board lowers
 * it (sizeBudget.json, limits): the VM's memory peaks at about the live heap plus this. */
#ifndef SF_COLLECT_AFTER_BYTES
#define SF_COLLECT_AFTER_BYTES 4096
#endif
#define COLLECT_AFTER_BYTES SF_COLLECT_AFTER_BYTES

/* ------------------------------------------------------------------ fatal errors */

/* Where a fatal engine error jumps: the engine call in progress (one VM runs at a time). */
static void* fatalJump[5];
static bool fatalArmed;
static int fatalCode;

void sf_vmFatalError(void* engine, int error) {
  (void)engine;
  fatalCode = error;
  if (fatalArmed) __builtin_longjmp(fatalJump, 1);
  __builtin_trap(); /* a fatal error outside any engine call: a bug in this file */
}

/* ------------------------------------------------------------------ naming */

static void callbackOf(const sf_Vm* vm, int event, double a, int position, sf_CallbackName* out) {
  int index = (int)a;
  switch (event) {
    case SF_EVENT_START:
      sf_callbackNames_onStart(position != NO_POSITION ? position : (vm->startSetupFailed ? -1 : 0), out);
      return;
    case SF_EVENT_TIMER:
      sf_callbackNames_timer(&vm->names, index, out);
      return;
    case SF_EVENT_MESSAGE:
      sf_callbackNames_listener(index, position != NO_POSITION ? position : 0, out);
      return;
    case SF_EVENT_SETTING_CHANGED:
    case SF_EVENT_SETTING_RESTORED:
      sf_callbackNames_setting(index, out);
      return;
    default:
      sf_callbackNames_notification(index, out);
  }
}

/* Appends the name of the event's callback to `out` (rendered only now: sf_CallbackName). */
static void appendCallbackOf(sf_Vm* vm, int event, double a, int position, sf_Text* out) {
  callbackOf(vm, event, a, position, &vm->named);
  sf_callbackNames_append(&vm->names, &vm->named, out);
}

/* In Start, before the runtime reported a position: a timer App set, starting with the app. */
static bool isBootTimer(sf_Vm* vm, int slot) {
  if (!vm->inStart || vm->position != NO_POSITION) return false;
  if (slot != vm->nextBootSlot) return false;
  vm->nextBootSlot++;
  return true;
}

/* ------------------------------------------------------------------ host functions */

static sf_Primitive readValue(sf_Vm* vm, mvm_Value value) {
  mvm_TeType type = mvm_typeOf(vm->engine, value);
  sf_Primitive p = sf_undefined();
  switch (type) {
    case VM_T_UNDEFINED: return p;
    case VM_T_NULL: p.type = SF_NULL; return p;
    case VM_T_BOOLEAN: return sf_boolean(mvm_toBool(vm->engine, value));
    case VM_T_NUMBER: return sf_number(mvm_toFloat64(vm->engine, value));
    case VM_T_STRING: {
      size_t length;
      const char* text = mvm_toStringUtf8(vm->engine, value, &length);
      return sf_string(text, length);
    }
    default:
      p.type = SF_UNREPRESENTABLE;
      p.string = (unsigned)type < sizeof TYPE_NAMES / sizeof TYPE_NAMES[0] ? TYPE_NAMES[type] : "unknown value";
      return p;
  }
}

static void article(sf_Text* out, const char* typeName) {
  char c = typeName[0] | 0x20;
  sf_text_appendString(out, c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ? "an " : "a ");
  sf_text_appendString(out, typeName);
}

static bool hostThrow(sf_Vm* vm) {
  vm->hostThrew = true;
  return false;
}

static double number(const sf_Primitive* p) {
  return p->type == SF_NUMBER ? p->number : p->type == SF_BOOLEAN ? (p->boolean ? 1 : 0) : __builtin_nan("");
}

/* Runs the host side of Start's own work; a failure there is not an onStart callback's. */
static bool startWork(sf_Vm* vm, bool ok) {
  if (!ok && vm->inStart && vm->position == NO_POSITION) vm->startSetupFailed = true;
  return ok;
}

static bool buildOnly(sf_Vm* vm, const char* what) {
  sf_text_appendString(&vm->hostError, what);
  sf_text_appendString(&vm->hostError, SF_TX_ONLY_POSSIBLE_WHILE_APP_API);
  return hostThrow(vm);
}

static bool notOnDevice(sf_Vm* vm, const char* name) {
  sf_text_appendString(&vm->hostError, SF_TX_DEVICE_HOST_DOES_NOT_PROVIDE);
  sf_text_appendString(&vm->hostError, name);
  sf_text_appendString(&vm->hostError, SF_TX_THIS_CALL_BELONGS_ANOTHER_TARGET);
  return hostThrow(vm);
}

/* The value a ChannelSend carries, as JSON: the token stream's or the primitive's. */
static bool outgoing(sf_Vm* vm, const sf_Primitive* value, const char** json, size_t* length) {
  if (value->type == SF_STRING && value->length == SF_TOKENS_MARKER_LENGTH && __builtin_memcmp(value->string, SF_TOKENS_MARKER, SF_TOKENS_MARKER_LENGTH) == 0) {
    *json = sf_tokenWriter_take(&vm->writer, length, &vm->hostError);
    return *json != 0;
  }
  sf_Text* t = &vm->resultText;
  sf_text_clear(t);
  switch (value->type) {
    case SF_BOOLEAN: sf_text_appendString(t, value->boolean ? "true" : "false"); break;
    case SF_NUMBER:
      if (value->number != value->number || value->number == __builtin_inf() || value->number == -__builtin_inf()) sf_text_appendString(t, "null");
      else sf_text_appendNumber(t, value->number);
      break;
    case SF_STRING: sf_text_appendJsonString(t, value->string, value->length); break;
    default: sf_text_appendString(t, "null");
  }
  *json = t->data;
  *length = t->length;
  return true;
}

/* One host function: false when it throws (message in vm->hostError). */
static bool runHostFunction(sf_Vm* vm, int id, const sf_Primitive* args, int argCount, sf_Primitive* result) {
  const sf_DeviceHost* host = vm->host;
  sf_Primitive a[4];
  for (int i = 0; i < 4; i++) a[i] = i < argCount ? args[i] : sf_undefined();
  double h;
  *result = sf_undefined();
  switch ((sf_HostId)id) {
    SF_CASES_LEFT_OUT /* a per-app image: the ids its app does not import (sf_hostIds.h) */
    SF_IMPORTED_CASE(SF_HOST_RAISE)
      sf_tokenWriter_reset(&vm->writer);
      sf_formatRuntimeError(&a[0], &a[1], &a[2], &vm->hostError);
      return hostThrow(vm);
    SF_IMPORTED_CASE(SF_HOST_LOG) {
      sf_Text* t = &vm->resultText;
      sf_text_clear(t);
      sf_appendPrimitiveString(t, &a[0]);
      host->log(host->context, t->data ? t->data : "", t->length);
      return true;
    }
    SF_IMPORTED_CASE(SF_HOST_TOKEN_OUT)
      return sf_tokenWriter_token(&vm->writer, (int)number(&a[0]), &a[1], &vm->hostError) || hostThrow(vm);
    SF_IMPORTED_CASE(SF_HOST_TOKEN_IN_KIND) {
      int kind = sf_tokenReader_nextKind(&vm->reader);
      if (kind < 0) {
        sf_text_appendString(&vm->hostError, SF_TX_VALUE_TOKEN_STREAM_VM_READ);
        return hostThrow(vm);
      }
      *result = sf_number(kind);
      return true;
    }
    SF_IMPORTED_CASE(SF_HOST_TOKEN_IN_PAYLOAD)
      *result = sf_tokenReader_payload(&vm->reader);
      return true;
    SF_IMPORTED_CASE(SF_HOST_DECLARE)
      return buildOnly(vm, "declaring");
    SF_IMPORTED_CASE(SF_HOST_SECRET_VALUE)
      return buildOnly(vm, SF_TX_READING_SECRET_S_CONFIGURED_VALUE);
    SF_IMPORTED_CASE(SF_HOST_CALLBACK_SITE)
      if (number(&a[0]) == SF_SITE_RUNNING) vm->position = (int)number(&a[1]);
      return true; /* listeners added at run time are named by position only without sites */
    SF_IMPORTED_CASE(SF_HOST_CHANNEL_SEND) {
      const char* json;
      size_t length;
      if (!outgoing(vm, &a[1], &json, &length)) return hostThrow(vm);
      if (!host->channelSend(host->context, number(&a[0]), json, length, &h, &vm->hostError)) return hostThrow(vm);
      *result = sf_number(h);
      return true;
    }
    SF_IMPORTED_CASE(SF_HOST_PIN_OPEN) {
      sf_Text* t = &vm->resultText;
      sf_text_clear(t);
      sf_appendPrimitiveString(t, &a[1]);
      if (!host->pinOpen(host->context, number(&a[0]) == 0 ? 0 : 1, t->data ? t->data : "", t->length, &h, &vm->hostError)) return hostThrow(vm);
      *result = sf_number(h);
      return true;
    }
    SF_IMPORTED_CASE(SF_HOST_PIN_READ)
      return host->pinRead(host->context, number(&a[0]), result, &vm->hostError) || hostThrow(vm);
    SF_IMPORTED_CASE(SF_HOST_PIN_WRITE) {
      bool level = (a[1].type == SF_NUMBER && a[1].number == 1) || (a[1].type == SF_BOOLEAN && a[1].boolean);
      return host->pinWrite(host->context, number(&a[0]), level, &vm->hostError) || hostThrow(vm);
    }
    SF_IMPORTED_CASE(SF_HOST_TIMER_START) {
      int slot = (int)number(&a[0]);
      bool repeat = number(&a[2]) == 1;
      if (isBootTimer(vm, slot)) {
        sf_callbackNames_bootTimer(&vm->names, slot, repeat);
      } else {
        /* the callback that set it, if any: its origin names the timer */
        if (vm->event != 0) callbackOf(vm, vm->event, vm->eventArg, vm->position, &vm->named);
        sf_callbackNames_timerSet(&vm->names, slot, repeat, vm->event != 0 ? &vm->named : 0);
      }
      return startWork(vm, host->timerStart(host->context, number(&a[0]), number(&a[1]), repeat, &vm->hostError)) || hostThrow(vm);
    }
    SF_IMPORTED_CASE(SF_HOST_TIMER_STOP)
      host->timerStop(host->context, number(&a[0]));
      return true;
    SF_IMPORTED_CASE(SF_HOST_NETWORK_REQUEST)
      if (!startWork(vm, host->networkRequest(host->context, &h, &vm->hostError))) return hostThrow(vm);
      *result = sf_number(h);
      return true;
    SF_IMPORTED_CASE(SF_HOST_CHANNEL_OPEN)
      if (!startWork(vm, host->channelOpen(host->context, number(&a[0]), number(&a[1]), &h, &vm->hostError))) return hostThrow(vm);
      *result = sf_number(h);
      return true;
    SF_IMPORTED_CASE(SF_HOST_SEND_TO_DEVICE)
      return notOnDevice(vm, "sendToDevice");
    SF_IMPORTED_CASE(SF_HOST_UI)
      return notOnDevice(vm, "ui");
    SF_IMPORTED_CASE(SF_HOST_NOTIFY)
      /* runtime.mvm.js raises the wrong-target error for api.server.notify on a device before
       * this id is called; a snapshot that calls it anyway gets featureVm.ts's words */
      return notOnDevice(vm, "notify");
    SF_IMPORTED_CASE(SF_HOST_SETTING_SET)
      return host->settingSet(host->context, number(&a[0]), &a[1], &vm->hostError) || hostThrow(vm);
    SF_IMPORTED_CASE(SF_HOST_NOW)
      *result = sf_number(host->now(host->context));
      return true;
    /* every standard-library id (the generated list): standardLibrary.c's switch handles each */
    SF_STDLIB_HOST_IDS(SF_IMPORTED_CASE)
      return sf_stdlib_call(&vm->stdlib, id, args, argCount, result, &vm->resultText, &vm->hostError) || hostThrow(vm);
  }
  /* Not a host id (generated from core/runtime/hostIds.ts), or one a per-app image leaves out:
   * never resolved, so never called. */
  sf_text_appendString(&vm->hostError, SF_TX_HOST_FUNCTION);
  sf_text_appendInt(&vm->hostError, id);
  sf_text_appendString(&vm->hostError, SF_TX_WAS_NOT_RESOLVED);
  return hostThrow(vm);
}

/* Whether the host serves `id`: every id of the generated table (a per-app image: the ids its
 * app imports). runHostFunction's switch (no default in an image for any app) and
 * standardLibrary.c's make sure each is handled: an id added to hostIds.ts fails the build there. */
static bool served(sf_HostId id) {
  switch (id) {
    SF_CASES_LEFT_OUT
    SF_RUNTIME_HOST_IDS(SF_IMPORTED_CASE)
    SF_STDLIB_HOST_IDS(SF_IMPORTED_CASE)
      return true;
  }
  return false;
}

static mvm_TeError hostTrampoline(mvm_VM* engine, mvm_HostFunctionID id, mvm_Value* out, mvm_Value* args, uint8_t argCount) {
  sf_Vm* vm = mvm_getContext(engine);
  int count = argCount < MAX_HOST_ARGS ? argCount : MAX_HOST_ARGS;
  sf_Primitive* values = vm->hostArgs;
  /* Strings are copied out first: building the result may collect and move the heap. */
  size_t* offsets = vm->hostArgOffsets;
  sf_text_clear(&vm->argumentText);
  for (int i = 0; i < count; i++) {
    values[i] = readValue(vm, args[i]);
    if (values[i].type == SF_UNREPRESENTABLE) {
      sf_text_appendString(&vm->hostError, SF_TX_HOST_FUNCTION);
      sf_text_appendInt(&vm->hostError, id);
      sf_text_appendString(&vm->hostError, " received ");
      article(&vm->hostError, values[i].string);
      sf_text_appendString(&vm->hostError, SF_TX_AS_ARGUMENT);
      sf_text_appendInt(&vm->hostError, i);
      sf_text_appendString(&vm->hostError, SF_TX_ONLY_PRIMITIVES_CAN_LEAVE_VM);
      vm->hostThrew = true;
      return MVM_E_HOST_ERROR;
    }
    if (values[i].type == SF_STRING) {
      offsets[i] = vm->argumentText.length;
      sf_text_append(&vm->argumentText, values[i].string, values[i].length);
      sf_text_appendChar(&vm->argumentText, 0);
    }
  }
  if (vm->argumentText.failed) {
    sf_text_appendString(&vm->hostError, SF_TX_OUT_MEMORY_HOST_CALL_ARGUMENTS);
    vm->hostThrew = true;
    return MVM_E_HOST_ERROR;
  }
  for (int i = 0; i < count; i++)
    if (values[i].type == SF_STRING) values[i].string = vm->argumentText.data + offsets[i];

  sf_Primitive result;
  if (!runHostFunction(vm, id, values, count, &result)) return MVM_E_HOST_ERROR;
  switch (result.type) {
    case SF_NULL: *out = mvm_null; break;
    case SF_BOOLEAN: *out = mvm_newBoolean(result.boolean); break;
    case SF_NUMBER: *out = mvm_newNumber(engine, result.number); break;
    case SF_STRING:
      if (result.length > SF_MAX_STRING_BYTES) {
        sf_text_appendString(&vm->hostError, SF_TX_HOST_FUNCTION);
        sf_text_appendInt(&vm->hostError, id);
        sf_text_appendString(&vm->hostError, SF_TX_RETURNED_STRING_LONGER_THAN);
        sf_text_appendInt(&vm->hostError, SF_MAX_STRING_BYTES);
        sf_text_appendString(&vm->hostError, " UTF-8 bytes");
        vm->hostThrew = true;
        return MVM_E_HOST_ERROR;
      }
      *out = mvm_newString(engine, result.string, result.length);
      break;
    default: *out = mvm_undefined;
  }
  return MVM_E_SUCCESS;
}

static mvm_TeError resolveImport(mvm_HostFunctionID id, void* context, mvm_TfHostFunction* out) {
  sf_Vm* vm = context;
  *out = served((sf_HostId)id) ? hostTrampoline : 0;
  if (!*out && vm->unresolvedImport < 0) vm->unresolvedImport = id;
  return *out ? MVM_E_SUCCESS : MVM_E_UNRESOLVED_IMPORT;
}

static double vmRandom(void* context) {
  const sf_DeviceHost* host = context;
  return host->random(host->context);
}

/* ------------------------------------------------------------------ lifecycle */

static void releaseEngine(sf_Vm* vm, bool afterFatal) {
  if (vm->engine && !afterFatal) mvm_free(vm->engine);
  vm->engine = 0;
  sf_vmMemory_releaseAll();
}

sf_Vm* sf_vm_restore(const uint8_t* snapshot, size_t size, const sf_VmOptions* options, sf_Text* error) {
  sf_Vm* vm = hal_malloc(sizeof *vm);
  if (!vm) {
    sf_text_appendString(error, "out of memory");
    return 0;
  }
  __builtin_memset(vm, 0, sizeof *vm);
  vm->host = options->host;
  vm->budget = options->instructionBudget == 0 ? SF_DEFAULT_INSTRUCTION_BUDGET : options->instructionBudget;
  sf_tokenWriter_init(&vm->writer);
  sf_tokenReader_init(&vm->reader);
  sf_json_init(&vm->parsed);
  sf_text_init(&vm->hostError, 0);
  sf_text_init(&vm->message, 0);
  sf_text_init(&vm->stoppedBecause, 0);
  sf_text_init(&vm->argumentText, 0);
  sf_text_init(&vm->resultText, 0);
  sf_callbackNames_init(&vm->names, options->channelNames, options->channelCount, options->settings);
  vm->stdlib.reader = &vm->reader;
  vm->stdlib.document = &vm->parsed;
  vm->stdlib.random = vmRandom;
  vm->stdlib.randomContext = (void*)options->host;
  vm->position = NO_POSITION;
  vm->unresolvedImport = -1;
  sf_vmMemory_resetPeak();

  mvm_TeError err;
  fatalArmed = true;
  if (__builtin_setjmp(fatalJump) == 0) {
    err = mvm_restore(&vm->engine, snapshot, size, vm, resolveImport);
    if (err == MVM_E_SUCCESS) {
      mvm_VMExportID id = SF_EXPORT_DISPATCH;
      err = mvm_resolveExports(vm->engine, &id, &vm->dispatch, 1);
      if (err == MVM_E_SUCCESS) {
        mvm_TeType type = mvm_typeOf(vm->engine, vm->dispatch);
        if (type != VM_T_FUNCTION && type != VM_T_CLASS) err = MVM_E_TARGET_NOT_CALLABLE;
      }
    }
  } else {
    err = (mvm_TeError)fatalCode;
    vm->engine = 0; /* can't be trusted to free itself */
  }
  fatalArmed = false;
  if (err != MVM_E_SUCCESS) {
    sf_text_appendString(error, SF_TX_SNAPSHOT_COULD_NOT_BE_RESTORED);
    sf_describeErrorCode(err, error);
#if SF_PER_APP_IMAGE
    if (err == MVM_E_UNRESOLVED_IMPORT && vm->unresolvedImport >= 0) {
      /* the app changed since this image was built for it */
      sf_text_appendString(error, SF_TX_PAREN_HOST_FUNCTION);
      sf_text_appendInt(error, vm->unresolvedImport);
      sf_text_appendString(error, SF_TX_WHICH_THIS_IMAGE_LEAVES_OUT SF_APP_NAME SF_TX_IMPORTED_BUILD_FIRMWARE_AGAIN_WITH);
    }
#endif
    releaseEngine(vm, vm->engine == 0);
    sf_vm_free(vm);
    return 0;
  }
  return vm;
}

void sf_vm_free(sf_Vm* vm) {
  if (!vm) return;
  releaseEngine(vm, false);
  sf_tokenWriter_free(&vm->writer);
  sf_tokenReader_free(&vm->reader);
  sf_json_free(&vm->parsed);
  sf_text_free(&vm->hostError);
  sf_text_free(&vm->message);
  sf_text_free(&vm->stoppedBecause);
  sf_text_free(&vm->argumentText);
  sf_text_free(&vm->resultText);
  hal_free(vm);
}

/* ------------------------------------------------------------------ dispatch */

/* The thrown value of an uncaught exception, as VmException words it. */
static void exceptionMessage(sf_Vm* vm, mvm_Value thrown, sf_Text* out) {
  mvm_TeType type = mvm_typeOf(vm->engine, thrown);
  if (type <= VM_T_STRING) {
    size_t length;
    const char* text = mvm_toStringUtf8(vm->engine, thrown, &length);
    sf_text_append(out, text, length);
    return;
  }
  if (type == VM_T_OBJECT) {
    mvm_Handle object, name, message;
    mvm_initializeHandle(vm->engine, &object);
    mvm_initializeHandle(vm->engine, &name);
    mvm_initializeHandle(vm->engine, &message);
    mvm_handleSet(&object, thrown);
    mvm_handleSet(&name, mvm_newString(vm->engine, "message", 7));
    mvm_handleSet(&message, mvm_undefined);
    mvm_TeError err = getProperty(vm->engine, mvm_handleAt(&object), mvm_handleAt(&name), mvm_handleAt(&message));
    bool found = err == MVM_E_SUCCESS && mvm_typeOf(vm->engine, mvm_handleGet(&message)) == VM_T_STRING;
    if (found) {
      size_t length;
      const char* text = mvm_toStringUtf8(vm->engine, mvm_handleGet(&message), &length);
      sf_text_append(out, text, length);
    }
    mvm_releaseHandle(vm->engine, &message);
    mvm_releaseHandle(vm->engine, &name);
    mvm_releaseHandle(vm->engine, &object);
    if (found) return;
  }
  sf_text_appendString(out, SF_TX_SCRIPT_THREW);
  article(out, (unsigned)type < sizeof TYPE_NAMES / sizeof TYPE_NAMES[0] ? TYPE_NAMES[type] : "unknown value");
  sf_text_appendString(out, SF_TX_WITHOUT_MESSAGE);
}

/* Calls the dispatcher; on failure words the message as FeatureVm does. */
static bool dispatch(sf_Vm* vm, int event, double a, const sf_Primitive* b) {
  sf_text_clear(&vm->message);
  vm->lastFatal = false;
  if (vm->stopped) {
    appendCallbackOf(vm, event, a, NO_POSITION, &vm->message);
    sf_text_appendString(&vm->message, SF_TX_NOT_RUN_APP_STOPPED_AFTER);
    sf_text_append(&vm->message, vm->stoppedBecause.data, vm->stoppedBecause.length);
    vm->lastFatal = true;
    return false;
  }
  int outerEvent = vm->event, outerPosition = vm->position;
  double outerArg = vm->eventArg;
  vm->event = event;
  vm->eventArg = a;
  vm->position = NO_POSITION;
  vm->hostThrew = false;
  sf_text_clear(&vm->hostError);

  mvm_TeError err;
  bool fatal = false;
  mvm_Value result = mvm_undefined;
  fatalArmed = true;
  if (__builtin_setjmp(fatalJump) == 0) {
    mvm_Value args[3];
    args[0] = mvm_newNumber(vm->engine, event);
    args[1] = event == SF_EVENT_START ? mvm_undefined : mvm_newNumber(vm->engine, a); /* small integers: no allocation */
    mvm_Handle third;
    mvm_initializeHandle(vm->engine, &third);
    switch (b->type) {
      case SF_NULL: mvm_handleSet(&third, mvm_null); break;
      case SF_BOOLEAN: mvm_handleSet(&third, mvm_newBoolean(b->boolean)); break;
      case SF_NUMBER: mvm_handleSet(&third, mvm_newNumber(vm->engine, b->number)); break;
      case SF_STRING: mvm_handleSet(&third, mvm_newString(vm->engine, b->string, b->length)); break;
      default: mvm_handleSet(&third, mvm_undefined);
    }
    args[2] = mvm_handleGet(&third);
    mvm_stopAfterNInstructions(vm->engine, vm->budget);
    err = mvm_call(vm->engine, vm->dispatch, &result, args, 3);
    mvm_releaseHandle(vm->engine, &third);
    /* not inside a host function's call back into the VM: the outer call's frames are live */
    if (err == MVM_E_SUCCESS && outerEvent == 0 && sf_vmMemory_used() > vm->usedAfterCollection + COLLECT_AFTER_BYTES) {
      mvm_runGC(vm->engine, false);
      vm->usedAfterCollection = sf_vmMemory_used();
    }
    if (err == MVM_E_UNCAUGHT_EXCEPTION) {
      sf_text_clear(&vm->hostError);
      exceptionMessage(vm, result, &vm->hostError);
    }
  } else {
    err = (mvm_TeError)fatalCode;
    fatal = true;
  }
  fatalArmed = false;

  if (err != MVM_E_SUCCESS) {
    sf_tokenWriter_reset(&vm->writer); /* a value half streamed out when the error came is dropped */
    sf_Text* m = &vm->message;
    appendCallbackOf(vm, event, a, vm->position, m);
    sf_text_appendString(m, " failed: ");
    if (fatal) {
      sf_describeErrorCode(err, m);
    } else if (err == MVM_E_UNCAUGHT_EXCEPTION || (err == MVM_E_HOST_ERROR && vm->hostThrew)) {
      sf_text_append(m, vm->hostError.data, vm->hostError.length);
    } else if (err == MVM_E_INSTRUCTION_COUNT_REACHED) {
      sf_text_appendString(m, SF_TX_CALLBACK_RAN_OUT_INSTRUCTION_BUDGET);
      sf_text_appendGrouped(m, vm->budget);
      sf_text_appendString(m, SF_TX_INSTRUCTIONS_PER_CALL_WAS_STOPPED);
    } else {
      sf_describeErrorCode(err, m);
#if defined(SF_POWER_OPERATOR) && !SF_POWER_OPERATOR
      /* the engine's refusal of ** in this image (scripts/enginePatches.mjs) */
      if (err == MVM_E_OPERATION_REQUIRES_FLOAT_SUPPORT)
        sf_text_appendString(m, SF_TX_OPERATOR_WHICH_THIS_IMAGE_LEAVES SF_APP_NAME SF_TX_WHOSE_CODE_HAS_NONE_BUILD);
#endif
    }
    if (fatal) {
      vm->stopped = true;
      vm->lastFatal = true;
      sf_text_clear(&vm->stoppedBecause);
      sf_text_append(&vm->stoppedBecause, m->data, m->length);
      sf_text_appendString(m, SF_TX_APP_S_VM_STOPPED_RUNS);
      releaseEngine(vm, true);
    }
  }
  vm->event = outerEvent;
  vm->eventArg = outerArg;
  vm->position = outerPosition;
  return err == MVM_E_SUCCESS;
}

bool sf_vm_start(sf_Vm* vm) {
  vm->inStart = true;
  vm->startSetupFailed = false;
  sf_Primitive none = sf_undefined();
  bool ok = dispatch(vm, SF_EVENT_START, 0, &none);
  vm->inStart = false;
  return ok;
}

bool sf_vm_timerFired(sf_Vm* vm, int slot) {
  sf_Primitive none = sf_undefined();
  return dispatch(vm, SF_EVENT_TIMER, slot, &none);
}

bool sf_vm_deliver(sf_Vm* vm, int channelIndex, const sf_JsonDocument* document, int32_t root) {
  const sf_JsonNode* node = &document->nodes[root];
  sf_Primitive value;
  if (node->type == SF_JSON_ARRAY || node->type == SF_JSON_OBJECT) {
    sf_text_clear(&vm->message);
    /* FeatureVm.deliver: `message on channel "cmd" dropped: property name "3" (at ...` */
    sf_text_appendString(&vm->message, SF_TX_MESSAGE_ON_CHANNEL);
    sf_callbackNames_appendChannelName(&vm->names, channelIndex, &vm->message);
    sf_text_appendString(&vm->message, SF_TX_DROPPED_BECAUSE);
    sf_TokenLoad load = sf_tokenReader_load(&vm->reader, document, root, &vm->message);
    if (load != SF_TOKENS_LOADED) {
      if (load == SF_TOKENS_OUT_OF_MEMORY) {
        sf_text_clear(&vm->message);
        sf_text_appendString(&vm->message, SF_TX_OUT_MEMORY_INCOMING_MESSAGE);
      }
      vm->lastFatal = false;
      return false;
    }
    value = sf_string(SF_TOKENS_MARKER, SF_TOKENS_MARKER_LENGTH);
  } else {
    value = sf_json_primitive(document, node);
  }
  return dispatch(vm, SF_EVENT_MESSAGE, channelIndex, &value);
}

bool sf_vm_settingChanged(sf_Vm* vm, int index, const sf_Primitive* value) {
  return dispatch(vm, SF_EVENT_SETTING_CHANGED, index, value);
}

bool sf_vm_settingRestored(sf_Vm* vm, int index, const sf_Primitive* value) {
  return dispatch(vm, SF_EVENT_SETTING_RESTORED, index, value);
}

bool sf_vm_handleClosed(sf_Vm* vm, int32_t handle) {
  sf_Primitive b = sf_number(handle);
  return dispatch(vm, SF_EVENT_NOTIFY, SF_NOTIFY_HANDLE_CLOSED, &b);
}

const char* sf_vm_error(const sf_Vm* vm) {
  return vm->message.data ? vm->message.data : "";
}

bool sf_vm_errorFatal(const sf_Vm* vm) {
  return vm->lastFatal;
}

bool sf_vm_stopped(const sf_Vm* vm) {
  return vm->stopped;
}

void sf_vm_memory(const sf_Vm* vm, size_t* used, size_t* peak) {
  (void)vm;
  *used = sf_vmMemory_used();
  *peak = sf_vmMemory_peak();
}
