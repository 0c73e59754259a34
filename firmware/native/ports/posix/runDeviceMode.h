/* `snapfleet run-device --runtime native`: the app in real time on the simulated board, with
 * the same output as the TypeScript run-device (cli/runDeviceCommand.ts): each outgoing
 * channel message as a JSON line on stdout, app logs and pin writes on stderr. */
#ifndef SF_RUN_DEVICE_MODE_H
#define SF_RUN_DEVICE_MODE_H

#include "localDevice.h"

/* seconds <= 0: until SIGINT/SIGTERM. Returns the exit status. */
int sf_runDevice(sf_LocalDeviceOptions* options, double seconds);

#endif
