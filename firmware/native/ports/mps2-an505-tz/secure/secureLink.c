/* The link's entry functions (../secureEntry.h): UART1 belongs to the secure world (the
 * co-processor is the network), driven by the plain port's ../../mps2-an505/linkUart.c built into
 * this image; the non-secure link code (link/) asks here (../nonSecure/linkUart.c). */
#include <stdbool.h>

#include "../../mps2-an505/linkUart.h"
#include "../secureEntry.h"
#include "nonSecureMemory.h"

static bool started;

static void start(void) {
  if (!started) sf_linkUart_init(), started = true;
}

int __attribute__((cmse_nonsecure_entry)) sf_secure_linkRead(uint8_t* bytes, size_t capacity) {
  if (!sf_ns_accessible(bytes, capacity, true)) return SF_SECURE_REFUSED_POINTER;
  start();
  return (int)sf_linkUart_read(bytes, capacity);
}

int __attribute__((cmse_nonsecure_entry)) sf_secure_linkWrite(const uint8_t* bytes, size_t length) {
  if (!sf_ns_accessible(bytes, length, false)) return SF_SECURE_REFUSED_POINTER;
  start();
  sf_linkUart_write(bytes, length);
  return SF_SECURE_OK;
}
