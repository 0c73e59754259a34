/* `snapfleet-device --tz-probe WHAT` on the supervisor-secure TrustZone build (it replaces
 * ../../mps2-an505/boundaryProbe.c), for test/trustzone.test.ts:
 *   host-entries=DIR  runs the app built in DIR (`run --build DIR --script -`) with the engine
 *                     first calling the host's entry functions with a secure address for a text
 *                     and for an out-parameter, and with a forged handle, when the app starts
 *                     (../nonSecure/engineProbes.c logs what each answered).
 *   engine-read-secure=DIR  the same, the engine reading a word of the secure image's RAM
 *                     instead: the core must stop it with a SecureFault, which the secure image
 *                     reports as the engine's (engineStart.c), then ends the call and restarts the
 *                     engine; a value logged means the boundary leaked. Then the app is run once
 *                     more (no probe), by the restarted engine.
 *   engine-hang=DIR   the same, the engine never returning from the app's start: the secure
 *                     watchdog (engineWatchdog.c) must end the call and restart the engine, the
 *                     supervisor report the app failed and go on; then the app once more.
 *   engine-overflow=DIR  the same, the engine running its stack into its limit (MSPLIM_NS): the
 *                     core must stop it, the secure image end the call and restart the engine;
 *                     then the app once more.
 *   host-calls=N:DIR  the same, the engine calling the host's `now` N times first
 *   engine-calls=N    N calls into the engine that do nothing (SF_ENGINE_NOTHING)
 * The last two are for bench/cortexM33Dispatch.bench.ts to count under --count-cycles. */
#include <string.h>
#include <unistd.h>

#include "../../../hal/platform.h"
#include "engineProxy.h"

int main(int argc, char** argv);

/* "N:" at the start of `text`: N (0 when there is none), `*rest` after the colon */
static int32_t countOf(const char* text, const char** rest) {
  size_t consumed;
  double count = hal_parseDouble(text, &consumed);
  *rest = text + consumed + (text[consumed] == ':');
  return consumed && count > 0 && count < 1e9 ? (int32_t)count : 0;
}

static int runWithProbe(int kind, int32_t count, const char* buildDir) {
  sf_engineProxy_probeAtStart(kind, count);
  char* argv[] = {"snapfleet-device", "run", "--build", (char*)buildDir, "--script", "-", NULL};
  return main(6, argv);
}

/* With the probe, then without it: the restarted engine runs the app. */
static int runTwice(int kind, const char* buildDir) {
  int status = runWithProbe(kind, 0, buildDir);
  return status ? status : runWithProbe(SF_ENGINE_PROBE_NONE, 0, buildDir);
}

int sf_boundaryProbe(const char* what) {
  if (strncmp(what, "host-entries=", 13) == 0) return runWithProbe(SF_ENGINE_PROBE_HOST_ENTRIES, 0, what + 13);
  if (strncmp(what, "engine-read-secure=", 19) == 0) return runTwice(SF_ENGINE_PROBE_READ_SECURE, what + 19);
  if (strncmp(what, "engine-hang=", 12) == 0) return runTwice(SF_ENGINE_PROBE_HANG, what + 12);
  if (strncmp(what, "engine-overflow=", 16) == 0) return runTwice(SF_ENGINE_PROBE_OVERFLOW, what + 16);
  const char* rest;
  if (strncmp(what, "host-calls=", 11) == 0) {
    int32_t count = countOf(what + 11, &rest);
    return runWithProbe(SF_ENGINE_PROBE_HOST_CALLS, count, rest);
  }
  if (strncmp(what, "engine-calls=", 13) == 0) {
    int32_t count = countOf(what + 13, &rest);
    for (int32_t i = 0; i < count; i++)
      if (!sf_engineProxy_callNothing()) return 1;
    return 0;
  }
  const char* unknown = "snapfleet-device: --tz-probe: unknown probe (host-entries=DIR, engine-read-secure=DIR, engine-hang=DIR, engine-overflow=DIR, host-calls=N:DIR, engine-calls=N)\n";
  write(2, unknown, strlen(unknown));
  return 2;
}
