/* The shared main (ports/posix/main.c) offers `connect`; a microcontroller has no network of its
 * own: it reaches the cloud through the co-processor over the link. */
#include <stdio.h>

int sf_networkMain(int argc, char** argv) {
  (void)argc, (void)argv;
  fprintf(stderr, "snapfleet-device: this board has no network; it is connected through the co-processor (snapfleet dev --device-runtime qemu)\n");
  return 2;
}
