/* The secure supervisor's calls into the non-secure engine (core/vm.h's), the one way from the
 * secure world into the non-secure one after boot. The engine image's reset handler, called once
 * by the secure image (secure/engineStart.c), answers an sf_EngineInterface: one
 * cmse_nonsecure_call function (`serve`) and the request it serves, in non-secure memory. The
 * secure side (secure/engineProxy.c, core/vm.h's functions for the supervisor) writes a request,
 * calls `serve`, reads the answer; the non-secure side (nonSecure/engineServer.c) runs core/vm.c.
 * What a call needs beyond numbers (the snapshot, a message's parsed document, a setting's text)
 * is first copied into a block the engine allocated on its own heap (SF_ENGINE_ALLOCATE): the
 * engine never reads secure memory. The app's calls the other way are entry functions
 * (../mps2-an505-tz/secureEntry.h, sf_secure_host*). */
#ifndef SF_ENGINE_CALLS_H
#define SF_ENGINE_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "manifest.h"
#include "primitive.h"

typedef enum sf_EngineOp {
  SF_ENGINE_ALLOCATE,         /* `size` bytes -> `block` (NULL: out of memory) */
  SF_ENGINE_RESTORE,          /* `block`: an sf_EngineRestore, kept with the VM -> `vm` */
  SF_ENGINE_FREE_VM,          /* the VM and its restore block */
  SF_ENGINE_START,            /* `index`: a probe first (SF_ENGINE_PROBE_*, secure/boundaryProbe.c), `root` its count */
  SF_ENGINE_TIMER_FIRED,      /* `index`: the slot */
  SF_ENGINE_DELIVER,          /* `index`: the channel; `block`: an sf_JsonDocument, its nodes and strings after it, freed after; `root` */
  SF_ENGINE_SETTING_CHANGED,  /* `index`, `value` (a string's text in `block`, freed after) */
  SF_ENGINE_SETTING_RESTORED, /* the same */
  SF_ENGINE_HANDLE_CLOSED,    /* `root`: the handle */
  SF_ENGINE_MEMORY,           /* -> `used`, `peak` */
  SF_ENGINE_NOTHING,          /* answers at once: one crossing, for the dispatch bench */
  SF_ENGINE_HEAP,             /* the engine image's own heap (hal_heapUsage) -> `peak`, `used`, `size` (its top); needs no VM */
} sf_EngineOp;

#define SF_ENGINE_PROBE_NONE 0
#define SF_ENGINE_PROBE_HOST_ENTRIES 1
#define SF_ENGINE_PROBE_READ_SECURE 2
#define SF_ENGINE_PROBE_HOST_CALLS 3
#define SF_ENGINE_PROBE_HANG 4
#define SF_ENGINE_PROBE_OVERFLOW 5

/* The longest failure message an answer carries (a longer one is cut). */
#define SF_ENGINE_ERROR_MAX 1024

typedef struct sf_EngineRequest {
  uint32_t op;
  void* vm; /* the engine's, opaque to the secure side */
  size_t size;
  void* block;
  int32_t index, root;
  sf_Primitive value;
  /* the answer: `ok` false when the callback failed, then `error` (NUL-terminated), `fatal` */
  int32_t ok, fatal, stopped;
  size_t used, peak;
  char error[SF_ENGINE_ERROR_MAX];
} sf_EngineRequest;

/* SF_ENGINE_RESTORE's block: the snapshot (which the engine runs from in place: it lives as long
 * as the VM), the channels' names and the setting declarations, all in the same block. */
typedef struct sf_EngineRestore {
  const uint8_t* snapshot;
  size_t size;
  const char* const* channelNames;
  int32_t channelCount;
  int32_t instructionBudget;
  int32_t hasSettings;
  sf_SettingDecls settings;
} sf_EngineRestore;

/* The secure watchdog's way out of a call that doesn't return (secure/engineWatchdog.c): the
 * engine's code that returns to the secure caller as `serve` would have. */
typedef struct sf_EngineInterface {
  void (*serve)(void);
  sf_EngineRequest* request;
  void (*abandon)(void);
} sf_EngineInterface;

/* How long one call into the engine may run (an app callback is bounded by its instruction
 * budget long before; one without a budget, `--instruction-budget 0`, too) before the secure
 * watchdog ends it and restarts the engine. */
#ifndef SF_ENGINE_WATCHDOG_MS
#define SF_ENGINE_WATCHDOG_MS 5000
#endif

#endif
