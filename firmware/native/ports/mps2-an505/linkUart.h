/* The link's serial port (UART1, QEMU's second -serial) as `connect` uses it: bytes in, bytes
 * out. linkUart.c drives the UART; the TrustZone build's non-secure image, where UART1 is the
 * secure world's, asks its secure image instead (../mps2-an505-tz/nonSecure/linkUart.c). */
#ifndef SF_LINK_UART_H
#define SF_LINK_UART_H

#include <stddef.h>
#include <stdint.h>

void sf_linkUart_init(void);
/* What has arrived, at most `capacity` bytes; 0 when nothing has. */
size_t sf_linkUart_read(uint8_t* bytes, size_t capacity);
void sf_linkUart_write(const uint8_t* bytes, size_t length);

#endif
