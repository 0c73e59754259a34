/* `snapfleet-device --tz-probe WHAT` on the supervisor-secure TrustZone build (it replaces
 * ../../mps2-an505/boundaryProbe.c), for test/trustzone.test.ts:
 *   host-entries=DIR  runs the app built in DIR (`run --build DIR --script -`) with the engine
 *                     first calling the host's entry functions with a secure address for a text
 *                     and for an out-parameter, and with a forged handle, when the app starts
 *                     (../nonSecure/engineProbes.c logs what each answered).
 *   engine-read-secure=DIR  the same, the engine reading a word of the secure image's RAM
 *                     instead: the core must stop it with a SecureFault, which the secure image
 *                     reports as the engine's (engineStart.c), status 70; a value logged means the
 *                     boundary leaked. */
#include <string.h>
#include <unistd.h>

#include "engineProxy.h"

int main(int argc, char** argv);

static int runWithProbe(int kind, const char* buildDir) {
  sf_engineProxy_probeAtStart(kind);
  char* argv[] = {"snapfleet-device", "run", "--build", (char*)buildDir, "--script", "-", NULL};
  return main(6, argv);
}

int sf_boundaryProbe(const char* what) {
  if (strncmp(what, "host-entries=", 13) == 0) return runWithProbe(SF_ENGINE_PROBE_HOST_ENTRIES, what + 13);
  if (strncmp(what, "engine-read-secure=", 19) == 0) return runWithProbe(SF_ENGINE_PROBE_READ_SECURE, what + 19);
  const char* unknown = "snapfleet-device: --tz-probe: unknown probe (host-entries=DIR, engine-read-secure=DIR)\n";
  write(2, unknown, strlen(unknown));
  return 2;
}
