/* The CMSDK APB UART (Arm Cortex-M System Design Kit): one byte each way, polled. QEMU holds
 * the next input byte back until the receive register is read, so polling loses nothing there;
 * on hardware at 115,200 baud the link layer's retransmission covers an overrun. */
#ifndef SF_UART_H
#define SF_UART_H

#include <stdbool.h>
#include <stdint.h>

void sf_uart_init(uint32_t base, uint32_t baud);
void sf_uart_put(uint32_t base, uint8_t byte);
/* true with the byte when one has arrived. */
bool sf_uart_get(uint32_t base, uint8_t* byte);

#endif
