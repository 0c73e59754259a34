/* `snapfleet-device --tz-probe WHAT` on the TrustZone build: the non-secure image tries to cross
 * the boundary the secure image set up, for test/trustzone.test.ts. The plain image has
 * no probe (ports/mps2-an505/startup.c calls it only when it is linked in).
 *   read-secure   reads a word of the secure image (its vector table at 0x10000000): the core
 *                 must stop it with a SecureFault, which the secure image reports (status 70);
 *                 a value printed means the boundary leaked.
 *   entry-pointers calls the entry functions with a non-secure buffer, secure addresses, a
 *                 buffer that runs from non-secure into secure memory and a name longer than
 *                 the secure side copies; prints each result.
 *   entry-calls=N makes N calls of a minimal entry function (the link's read with a 1-byte buffer:
 *                 the veneer, the buffer's check, one UART register read, the return), for
 *                 bench/cortexM33Dispatch.bench.ts to count under --count-cycles. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../../../hal/platform.h"
#include "../secureEntry.h"

extern uint8_t __tz_secure_code[], __tz_secure_ram[], __tz_ns_state[], __tz_ns_state_size[]; /* trustzoneMemory.ld */

/* `before`, the number, `after` on stdout (UART0); without printf, which this image doesn't link. */
static void say(const char* before, int number, const char* after) {
  char digits[12];
  int n = 0;
  unsigned magnitude = number < 0 ? 0u - (unsigned)number : (unsigned)number;
  do digits[n++] = (char)('0' + magnitude % 10), magnitude /= 10;
  while (magnitude);
  write(1, before, strlen(before));
  if (number < 0) write(1, "-", 1);
  while (n) write(1, &digits[--n], 1);
  write(1, after, strlen(after));
}

int sf_boundaryProbe(const char* what) {
  if (strcmp(what, "read-secure") == 0) {
    uint32_t word = *(volatile uint32_t*)__tz_secure_code;
    say("{\"readSecure\":", (int)word, "}\n");
    return 0;
  }
  if (strcmp(what, "entry-pointers") == 0) {
    static uint8_t buffer[16];
    int nonSecure = sf_secure_random(buffer, sizeof buffer);
    int secure = sf_secure_random(__tz_secure_ram, 16);
    int straddling = sf_secure_random(__tz_ns_state + (uintptr_t)__tz_ns_state_size - 8, 16);
    /* the other entry functions' checks: bytes to send, a name to copy, a name too long to copy */
    int linkWrite = sf_secure_linkWrite(__tz_secure_ram, 16);
    int storageName = sf_secure_storageOpen((const char*)__tz_secure_ram, 8);
    /* on the stack (non-secure memory too), not static: 512 B of RAM the image would keep for good */
    char longName[SF_SECURE_TEXT_MAX] = {0};
    int longText = sf_secure_storageOpen(longName, sizeof longName);
    say("{\"nonSecureBuffer\":", nonSecure, ",");
    say("\"securePointer\":", secure, ",");
    say("\"straddling\":", straddling, ",");
    say("\"linkWriteSecure\":", linkWrite, ",");
    say("\"storageNameSecure\":", storageName, ",");
    say("\"storageNameTooLong\":", longText, "}\n");
    return 0;
  }
  if (strncmp(what, "entry-calls=", 12) == 0) {
    /* the port's number parser, which the image has anyway (newlib's strtoul was 336 B more) */
    size_t consumed;
    double count = hal_parseDouble(what + 12, &consumed);
    unsigned long calls = consumed && count > 0 && count < 1e9 ? (unsigned long)count : 0;
    uint8_t byte;
    int refused = 0;
    for (unsigned long i = 0; i < calls; i++) refused += sf_secure_linkRead(&byte, 1) < 0;
    say("{\"entryCalls\":", (int)calls, ",");
    say("\"refused\":", refused, "}\n");
    return 0;
  }
  const char* unknown = "snapfleet-device: --tz-probe: unknown probe (read-secure, entry-pointers, entry-calls=N)\n";
  write(2, unknown, strlen(unknown));
  return 2;
}
