/* `--tz-probe WHAT` (startup.c) on the plain image: it has no TrustZone boundary to probe (it
 * runs wholly in the secure state). The TrustZone build's non-secure image replaces this file
 * with ../mps2-an505-tz/nonSecure/boundaryProbe.c. */
#include <string.h>
#include <unistd.h>

int sf_boundaryProbe(const char* what) {
  (void)what;
  const char* text = "snapfleet-device: --tz-probe: this image has no TrustZone boundary (build it with --target cortex-m33-tz)\n";
  write(2, text, strlen(text));
  return 2;
}
