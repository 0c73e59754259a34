/* `snapfleet-device connect` on the board: the device whose network is the co-processor at the
 * other end of the link, on UART1 (QEMU's second -serial; firmware/coprocessor/ on the host).
 * The board's console (UART0, stdout) shows the device's log lines. The shared main
 * (ports/posix/main.c) calls this for `connect`, as it calls the POSIX network device there.
 *
 *   snapfleet-device connect --thing NAME --state DIR [--pin PIN=MODEL]... [--seconds N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../link/linkDevice.h"
#include "../posix/clock.h"
#include "../posix/heapReport.h"
#include "../posix/posixPlatform.h"
#include "engineId.h"
#include "linkUart.h"
#include "sf_boardNames.h"

#define MAX_PINS 32

/* The device's heap on the console (UART0) when its peak rose, looked at every 10 s: the board is
 * switched off rather than ended, so the figure can't wait for the end; the M0+'s heap is sized
 * from it (firmware/native/README.md, "heap: peak"). */
#define HEAP_REPORT_MS 10000

static void reportHeapPeak(size_t* reported) {
  size_t peaks = sf_heapPeaks();
  if (peaks == *reported) return;
  *reported = peaks;
  sf_printHeapUsage(stdout);
  fflush(stdout);
}

extern uint8_t __slot_a[], __slot_b[], __slot_size[];

static size_t uartRead(void* context, uint8_t* bytes, size_t capacity) {
  (void)context;
  return sf_linkUart_read(bytes, capacity);
}

static void uartWrite(void* context, const uint8_t* bytes, size_t length) {
  (void)context;
  sf_linkUart_write(bytes, length);
}

static int64_t monotonic(void* context) {
  (void)context;
  return sf_posixClock_monotonicMs();
}

static void waitForInterrupt(void* context, uint32_t maxMs) {
  (void)context, (void)maxMs;
  __asm__ volatile("wfi"); /* the next SysTick, 1 ms */
}

static bool setPin(void* context, const char* spec) {
  char error[200];
  return sf_posixPlatform_setPinModel(context, spec, error, sizeof error);
}

static void logLine(void* context, const char* line) {
  (void)context;
  printf("%s\n", line);
  fflush(stdout);
}

int sf_networkMain(int argc, char** argv) {
  const char* thing = NULL;
  const char* state = NULL;
  const char* pins[MAX_PINS];
  int pinCount = 0;
  double seconds = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--thing") == 0) thing = argv[i + 1];
    else if (strcmp(argv[i], "--state") == 0) state = argv[i + 1];
    else if (strcmp(argv[i], "--seconds") == 0) seconds = strtod(argv[i + 1], NULL);
    else if (strcmp(argv[i], "--pin") == 0 && pinCount < MAX_PINS) pins[pinCount++] = argv[i + 1];
    else {
      fprintf(stderr, "snapfleet-device connect: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (!thing || !state) {
    fprintf(stderr, "usage: snapfleet-device connect --thing NAME --state DIR [--pin PIN=MODEL]... [--seconds N]\n"
                    "(on this board the network is the co-processor on UART1)\n");
    return 2;
  }
  char error[400];
  sf_PosixPlatform* platform = sf_posixPlatform_create(state, pins, pinCount, error, sizeof error);
  if (!platform) {
    fprintf(stderr, "snapfleet-device: %s\n", error);
    return 1;
  }
  sf_linkUart_init();
  static sf_LinkNet net;
  sf_LinkPort port = {NULL, uartRead, uartWrite, monotonic, waitForInterrupt};
  hal_Platform* hal = sf_posixPlatform_hal(platform);
  uint32_t session;
  hal->random->ops->fill(hal->random, (uint8_t*)&session, sizeof session);
  sf_linkNet_init(&net, &port, session);

  size_t slotSize = (size_t)__slot_size;
  sf_LinkDeviceConfig config = {0};
  config.thing = thing;
  config.engineId = SF_ENGINE_ID;
  config.platform = hal;
  config.slotA = __slot_a;
  config.slotB = __slot_b;
  config.slotCapacity = slotSize < SF_PACKAGE_MAX_BYTES ? slotSize : SF_PACKAGE_MAX_BYTES;
  config.setPin = setPin;
  config.prepareBoard = sf_posixPlatform_prepareBoard;
  /* The simulated board alone, though its code could simulate any (the posix device becomes the
   * board of each app): this image stands for one board, and refuses another's app as one would. */
  static const sf_DeviceBoard board = {SF_IMAGE_BOARD, SF_DEFAULT_BOARD};
  config.board = &board;
  config.log = logLine;
  config.context = platform;
  static sf_LinkDevice device;
  sf_linkDevice_init(&device, &config, &net);
  int64_t end = seconds > 0 ? sf_posixClock_monotonicMs() + (int64_t)(seconds * 1000) : INT64_MAX;
  size_t reportedPeak = 0;
  int64_t nextReport = sf_posixClock_monotonicMs() + HEAP_REPORT_MS;
  for (int64_t now; (now = sf_posixClock_monotonicMs()) < end;) {
    sf_linkDevice_step(&device, 50);
    if (now >= nextReport) reportHeapPeak(&reportedPeak), nextReport = now + HEAP_REPORT_MS;
  }
  reportHeapPeak(&reportedPeak);
  return 0;
}
