/* core/vm.h for the secure supervisor (engineProxy.c), and what the host's entry functions
 * (hostEntries.c) need of it. */
#ifndef SF_ENGINE_PROXY_H
#define SF_ENGINE_PROXY_H

#include <stdbool.h>

#include "../engineCalls.h"
#include "deviceHost.h"
#include "../../../hal/platform.h"

/* The engine image's answer to its reset (non-secure memory); false when it is not usable (the
 * interface or its request outside non-secure memory): every restore then fails. */
bool sf_engineProxy_connect(const sf_EngineInterface* interface);
/* The engine image's reset handler called (again), on a fresh stack (engineStart.c). */
bool sf_tz_resetEngine(void);
/* The engine's abandon address (../engineCalls.h) when a call is in progress, else 0; the call is
 * then taken as abandoned for `why` (the failure's message): the engine is restarted when it
 * comes back (engineWatchdog.c: the watchdog, a fault in the engine). */
uint32_t sf_engineProxy_endCall(const char* why);
/* The call in progress has run past SF_ENGINE_WATCHDOG_MS at `now` (milliseconds). */
bool sf_engineProxy_overdue(uint32_t now);
/* The supervisor's host while it has called the engine (an app callback may run), else NULL. */
const sf_DeviceHost* sf_engineProxy_appHost(void);
/* `--tz-probe` (boundaryProbe.c): the engine runs probe `kind` (SF_ENGINE_PROBE_*; `count`: how
 * many calls) when the app starts (../nonSecure/engineProbes.c). */
void sf_engineProxy_probeAtStart(int kind, int32_t count);
/* A call into the engine that does nothing (SF_ENGINE_NOTHING): false when it did not start. */
bool sf_engineProxy_callNothing(void);
/* The engine image's own heap (the VM's memory, a message's copy), as hal_heapUsage gives the
 * secure one's: false when the engine did not start or is serving a call. */
bool sf_engineProxy_heapUsage(hal_HeapUsage* usage);

#endif
