/* ../../mps2-an505/linkUart.h in the TrustZone build's non-secure image: UART1 is the secure
 * world's (the co-processor is the network), so the link's bytes go through its entry functions
 * (../secureEntry.h). It replaces the port's linkUart.c here; the secure image runs that one. */
#include "../../mps2-an505/linkUart.h"

#include "../secureEntry.h"

void sf_linkUart_init(void) {
  /* the secure image starts the UART on the first read or write */
}

size_t sf_linkUart_read(uint8_t* bytes, size_t capacity) {
  int n = sf_secure_linkRead(bytes, capacity);
  return n > 0 ? (size_t)n : 0; /* refused: only a buffer outside this image's memory, none of ours */
}

void sf_linkUart_write(const uint8_t* bytes, size_t length) {
  sf_secure_linkWrite(bytes, length);
}
