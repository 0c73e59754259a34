#include "linkUart.h"

#include "an505.h"
#include "uart.h"

#define LINK_BAUD 115200

void sf_linkUart_init(void) {
  sf_uart_init(AN505_UART1_BASE, LINK_BAUD);
}

size_t sf_linkUart_read(uint8_t* bytes, size_t capacity) {
  size_t n = 0;
  while (n < capacity && sf_uart_get(AN505_UART1_BASE, &bytes[n])) n++;
  return n;
}

void sf_linkUart_write(const uint8_t* bytes, size_t length) {
  for (size_t i = 0; i < length; i++) sf_uart_put(AN505_UART1_BASE, bytes[i]);
}
