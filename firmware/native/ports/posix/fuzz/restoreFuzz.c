/* libFuzzer harness: restore arbitrary bytes as a snapshot with the checksum bypassed
 * (SF_FUZZ_SKIP_CRC in the port header), so mutations reach the engine's decoding of the header,
 * sections, import table, globals and heap, and resolve the dispatcher. Whatever the bytes,
 * restore must end in an error, never in a crash or a leak. Built and run for a bounded time by
 * scripts/fuzz-native-restore.mjs (npm run test:slow).
 *
 * With SF_FUZZ_CALLS=1 in the environment it also runs the events a device would (Start, a
 * timer, a message, a notification). That finds places where Microvium's interpreter trusts a
 * corrupt operand (two are patched in scripts/enginePatches.mjs; argument counts deeper than the
 * stack are known and not yet), so it is for exploring, not for the test: on a device the
 * package's sha256 is checked before the engine sees a byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../../core/json.h"
#include "../../../core/vm.h"

static bool logText(void* c, const char* t, size_t n) {
  (void)c, (void)t, (void)n;
  return true;
}
static void hostLog(void* c, const char* t, size_t n) {
  logText(c, t, n);
}
static double hostNow(void* c) {
  (void)c;
  return 1700000000000.0;
}
static bool networkRequest(void* c, double* h, sf_Text* e) {
  (void)c, (void)e;
  *h = 1;
  return true;
}
static bool channelOpen(void* c, double n, double i, double* h, sf_Text* e) {
  (void)c, (void)n, (void)e;
  *h = i >= 0 && i < 4 ? 2 + i : 0;
  return true;
}
static bool channelSend(void* c, double h, const char* j, size_t n, double* s, sf_Text* e) {
  (void)c, (void)h, (void)j, (void)n, (void)e;
  *s = 0;
  return true;
}
static bool pinOpen(void* c, int k, const char* name, size_t n, double* h, sf_Text* e) {
  (void)c, (void)k, (void)name, (void)n, (void)e;
  *h = 10;
  return true;
}
static bool pinRead(void* c, double h, sf_Primitive* v, sf_Text* e) {
  (void)c, (void)h, (void)e;
  *v = sf_number(21.5);
  return true;
}
static bool pinWrite(void* c, double h, bool l, sf_Text* e) {
  (void)c, (void)h, (void)l, (void)e;
  return true;
}
static bool timerStart(void* c, double s, double ms, bool r, sf_Text* e) {
  (void)c, (void)s, (void)ms, (void)r, (void)e;
  return true;
}
static void timerStop(void* c, double s) {
  (void)c, (void)s;
}
static double hostRandom(void* c) {
  (void)c;
  return 0.5;
}

static const sf_DeviceHost HOST = {0, hostLog, hostNow, networkRequest, channelOpen, channelSend, pinOpen, pinRead, pinWrite, timerStart, timerStop, hostRandom};
static const char* const CHANNELS[] = {"a", "b", "c", "d"};

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  /* The engine reads the snapshot in place with 2-byte reads: give it an aligned copy. */
  uint8_t* snapshot = malloc(size ? size : 1);
  if (!snapshot) return 0;
  memcpy(snapshot, data, size);
  sf_Text error;
  sf_text_init(&error, 0);
  sf_VmOptions options = {&HOST, CHANNELS, 4, 100000, 0};
  sf_Vm* vm = sf_vm_restore(snapshot, size, &options, &error);
  static int calls = -1;
  if (calls < 0) calls = getenv("SF_FUZZ_CALLS") && strcmp(getenv("SF_FUZZ_CALLS"), "1") == 0;
  if (vm && calls) {
    sf_vm_start(vm);
    sf_vm_timerFired(vm, 0);
    sf_JsonDocument message;
    sf_json_init(&message);
    if (sf_json_parse(&message, "{\"a\":[1,\"x\",null]}", 19, NULL)) sf_vm_deliver(vm, 0, &message, 0);
    sf_json_free(&message);
    sf_vm_handleClosed(vm, 2);
  }
  sf_vm_free(vm);
  sf_text_free(&error);
  free(snapshot);
  return 0;
}
