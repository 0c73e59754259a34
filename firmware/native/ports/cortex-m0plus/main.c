/* The Cortex-M0+ device (size build): the app, the engine and the supervisor here; the network
 * on the co-processor at the other end of the link (SERCOM3 USART), as the mps2-an505 port's
 * link mode runs it on QEMU. Clock: SysTick at 1 ms (wall time is the co-processor's to give:
 * not done yet, so envelope times count from boot). Board: the Nano's own pins (nanoBoard.c);
 * PIN messages from the link, the simulated board's inputs, are ignored here. */
#include <stdint.h>

#include "../../link/linkDevice.h"
#include "../cortex-m/sysTick.h"
#include "engineId.h"
#include "nanoBoard.h"
#include "samd21.h"
#include "sf_boardNames.h"

#ifndef SF_THING_NAME
#define SF_THING_NAME "nano-33-iot-1" /* provisioned per device in a real build */
#endif

extern hal_Storage sf_flashStorage;
uint8_t* sf_flashSlot(int i, size_t* capacity);

static uint64_t randomState;

static int64_t clockNow(hal_Clock* c) {
  (void)c;
  return sf_sysTick_milliseconds();
}

static void randomFill(hal_Random* r, uint8_t* out, size_t length) {
  (void)r;
  for (size_t i = 0; i < length; i++) {
    randomState ^= randomState << 13, randomState ^= randomState >> 7, randomState ^= randomState << 17; /* xorshift64 */
    out[i] = (uint8_t)(randomState >> 24);
  }
}

static size_t uartRead(void* context, uint8_t* bytes, size_t capacity) {
  (void)context;
  size_t n = 0;
  while (n < capacity && (SERCOM3_USART_INTFLAG & USART_INTFLAG_RXC)) bytes[n++] = (uint8_t)SERCOM3_USART_DATA;
  return n;
}

static void uartWrite(void* context, const uint8_t* bytes, size_t length) {
  (void)context;
  for (size_t i = 0; i < length; i++) {
    while (!(SERCOM3_USART_INTFLAG & USART_INTFLAG_DRE)) {
    }
    SERCOM3_USART_DATA = bytes[i];
  }
}

static int64_t monotonic(void* context) {
  (void)context;
  return sf_sysTick_milliseconds();
}

static void waitForInterrupt(void* context, uint32_t maxMs) {
  (void)context, (void)maxMs;
  __asm__ volatile("wfi"); /* the next SysTick (1 ms) or the UART */
}

int main(void) {
  sf_sysTick_start(SAMD21_CPU_HZ);
  randomState = ((uint64_t)SAMD21_SERIAL_WORD(0) << 32 | SAMD21_SERIAL_WORD(1)) ^ SAMD21_SERIAL_WORD(2) ^ SYST_CVR;
  if (!randomState) randomState = 1;

  static const hal_ClockOps clockOps = {clockNow};
  static const hal_RandomOps randomOps = {randomFill};
  static hal_Clock clock = {&clockOps};
  static hal_Random random = {&randomOps};
  static sf_NanoBoard board;
  sf_nanoBoard_init(&board);
  static hal_Platform platform;
  platform = (hal_Platform){&clock, &board.base, NULL, &sf_flashStorage, &random};

  static sf_LinkNet net;
  sf_LinkPort port = {NULL, uartRead, uartWrite, monotonic, waitForInterrupt};
  uint32_t session;
  randomFill(&random, (uint8_t*)&session, sizeof session);
  sf_linkNet_init(&net, &port, session);

  size_t capacity;
  sf_LinkDeviceConfig config = {0};
  config.thing = SF_THING_NAME;
  config.engineId = SF_ENGINE_ID;
  config.platform = &platform;
  config.slotA = sf_flashSlot(0, &capacity);
  config.slotB = sf_flashSlot(1, &capacity);
  config.slotCapacity = capacity;
  /* the queues: SF_LINK_* of sizeBudget.json's limits (a small MCU keeps few messages through
   * an outage) */
  config.prepareBoard = sf_nanoBoard_prepare;
  static const sf_DeviceBoard boardNames = {SF_IMAGE_BOARD, SF_DEFAULT_BOARD};
  config.board = &boardNames;
  config.context = &board;
  static sf_LinkDevice device;
  sf_linkDevice_init(&device, &config, &net);
  for (;;) sf_linkDevice_step(&device, 1000);
}
