/* The engine's probes of the boundary (../secure/boundaryProbe.c), run when the app starts.
 * `--tz-probe host-entries=DIR`: the engine calls the host's entry functions as a hostile engine
 * could, and logs what each answered (one
 * JSON line in the app's log, read by test/trustzone.test.ts): a secure address for a text (the
 * log's, a pin's name, a message, a setting's string) and for an out-parameter (a handle, a pin's
 * value, the error's buffer), and a forged handle (a pin read, a send), whose call the supervisor
 * refuses by its own tables. */
#include "../../mps2-an505-tz/secureEntry.h"
#include "textBuffer.h"

extern uint8_t __tz_secure_ram[]; /* ../trustzoneMemory.ld */

#define FORGED_HANDLE 4242

/* `--tz-probe host-calls=N:DIR`: N calls of the smallest host entry function (`now`: no pointer
 * to check, the supervisor's clock read), for bench/cortexM33Dispatch.bench.ts to count. */
void sf_hostCallsProbe(int32_t count) {
  volatile double sum = 0;
  for (int32_t i = 0; i < count; i++) sum += sf_secure_hostNow();
}

/* `--tz-probe engine-hang=DIR`: a callback that never returns (and has no budget to stop it),
 * for the secure watchdog to end. */
void sf_hangProbe(void) {
  for (volatile int forever = 1; forever;) {
  }
}

/* `--tz-probe engine-overflow=DIR`: the engine's stack run into its limit (MSPLIM_NS), 32 B a
 * push, as a runaway recursion would: the core must stop the push that passes the limit (a
 * stack-limit UsageFault, which the engine has no handler for: the secure HardFault), so the
 * engine never writes below it. In assembly: a C recursion would fail the stack analysis. */
void sf_overflowProbe(void) {
  __asm__ volatile("1: push {r0-r7}\n b 1b" : : : "memory");
}

/* `--tz-probe engine-read-secure=DIR`: a word of the supervisor's RAM; the core must stop the read
 * (a SecureFault), so the line is never logged. */
void sf_readSecureProbe(void) {
  sf_Text line;
  sf_text_init(&line, 0);
  sf_text_appendString(&line, "{\"readSecure\":");
  sf_text_appendNumber(&line, *(volatile uint32_t*)__tz_secure_ram);
  sf_text_appendChar(&line, '}');
  if (!line.failed) sf_secure_hostLog(line.data, line.length);
  sf_text_free(&line);
}

static void field(sf_Text* line, const char* name, double value) {
  sf_text_appendString(line, line->length ? ",\"" : "{\"");
  sf_text_appendString(line, name);
  sf_text_appendString(line, "\":");
  sf_text_appendNumber(line, value);
}

void sf_hostEntryProbe(void) {
  const char* secureText = (const char*)__tz_secure_ram;
  double handle = 0, status = -1;
  sf_Primitive value = sf_undefined(), secureString = sf_string(secureText, 8);
  sf_Text line;
  sf_text_init(&line, 0);
  field(&line, "logSecureText", sf_secure_hostLog(secureText, 8));
  field(&line, "pinOpenSecureName", sf_secure_hostPinOpen(0, secureText, 2, &handle));
  field(&line, "pinOpenSecureHandle", sf_secure_hostPinOpen(0, "A2", 2, (double*)__tz_secure_ram));
  field(&line, "networkRequestSecureHandle", sf_secure_hostNetworkRequest((double*)__tz_secure_ram));
  field(&line, "channelSendSecureJson", sf_secure_hostChannelSend(1, secureText, 8, &status));
  field(&line, "settingSetSecureString", sf_secure_hostSettingSet(0, &secureString));
  field(&line, "settingSetSecureValue", sf_secure_hostSettingSet(0, (const sf_Primitive*)__tz_secure_ram));
  field(&line, "pinReadSecureValue", sf_secure_hostPinRead(1, (sf_Primitive*)__tz_secure_ram));
  field(&line, "errorSecureBuffer", sf_secure_hostError((char*)__tz_secure_ram, 16));
  field(&line, "pinReadForged", sf_secure_hostPinRead(FORGED_HANDLE, &value));
  char message[120];
  int length = sf_secure_hostError(message, sizeof message);
  field(&line, "channelSendForged", sf_secure_hostChannelSend(FORGED_HANDLE, "1", 1, &status));
  field(&line, "channelSendForgedStatus", status);
  sf_text_appendString(&line, ",\"pinReadForgedError\":");
  sf_text_appendJsonString(&line, message, length > 0 ? (size_t)length : 0);
  sf_text_appendChar(&line, '}');
  if (!line.failed) sf_secure_hostLog(line.data, line.length);
  sf_text_free(&line);
}
