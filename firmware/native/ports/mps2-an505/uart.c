#include "uart.h"

#include "an505.h"

/* Register offsets and bits (CMSDK APB UART technical reference, ARM DDI 0479). */
#define DATA 0
#define STATE 1
#define CTRL 2
#define BAUDDIV 4
#define STATE_TX_FULL 1u
#define STATE_RX_FULL 2u
#define CTRL_TX_EN 1u
#define CTRL_RX_EN 2u

static volatile uint32_t* regs(uint32_t base) {
  return (volatile uint32_t*)base;
}

void sf_uart_init(uint32_t base, uint32_t baud) {
  uint32_t divider = AN505_SYSCLK_HZ / baud;
  regs(base)[BAUDDIV] = divider < 16 ? 16 : divider; /* the UART's minimum divider */
  regs(base)[CTRL] = CTRL_TX_EN | CTRL_RX_EN;
}

void sf_uart_put(uint32_t base, uint8_t byte) {
  while (regs(base)[STATE] & STATE_TX_FULL) {
  }
  regs(base)[DATA] = byte;
}

bool sf_uart_get(uint32_t base, uint8_t* byte) {
  if (!(regs(base)[STATE] & STATE_RX_FULL)) return false;
  *byte = (uint8_t)regs(base)[DATA];
  return true;
}
