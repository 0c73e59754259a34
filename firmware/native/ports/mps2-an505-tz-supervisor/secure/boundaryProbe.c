/* `snapfleet-device --tz-probe WHAT` on the supervisor-secure TrustZone build (it replaces
 * ../../mps2-an505/boundaryProbe.c), for test/trustzone.test.ts:
 *   host-entries=DIR  runs the app built in DIR (`run --build DIR --script -`) with the engine
 *                     first calling the host's entry functions with a secure address for a text
 *                     and for an out-parameter, and with a forged handle, when the app starts
 *                     (../nonSecure/hostEntryProbe.c logs what each answered). */
#include <string.h>
#include <unistd.h>

#include "engineProxy.h"

int main(int argc, char** argv);

int sf_boundaryProbe(const char* what) {
  if (strncmp(what, "host-entries=", 13) == 0) {
    sf_engineProxy_probeAtStart();
    char* argv[] = {"snapfleet-device", "run", "--build", (char*)what + 13, "--script", "-", NULL};
    return main(6, argv);
  }
  const char* unknown = "snapfleet-device: --tz-probe: unknown probe (host-entries=DIR)\n";
  write(2, unknown, strlen(unknown));
  return 2;
}
