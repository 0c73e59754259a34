#include "localDevice.h"

#include <stdio.h>
#include <stdlib.h>

#include "../../supervisor/settingsSync.h"
#include "buildDir.h"
#include "clock.h"

bool sf_localDevice_start(sf_LocalDevice* d, const sf_LocalDeviceOptions* o, char* error, size_t errorSize) {
  *d = (sf_LocalDevice){0};
  if (!sf_buildDir_load(o->buildDir, &d->manifest, &d->settings, &d->snapshot, &d->snapshotSize, error, errorSize)) return false;
  d->platform = sf_posixPlatform_create(NULL, o->pinSpecs, o->pinCount, error, errorSize);
  if (!d->platform) {
    free(d->snapshot);
    sf_settingDecls_free(&d->settings);
    return false;
  }
  if (o->manualClock) sf_posixPlatform_setManualTime(d->platform, SF_MANUAL_CLOCK_START);
  if (!sf_posixPlatform_prepareBoard(d->platform, &d->manifest, error, errorSize)) {
    sf_localDevice_destroy(d);
    return false;
  }
  sf_posixPlatform_onPinWrite(d->platform, o->onPinWrite, o->context);
  d->net = sf_scriptedNet_create(o->onPublish, o->context);
  hal_Platform* hal = sf_posixPlatform_hal(d->platform);
  hal->net = d->net ? sf_scriptedNet_hal(d->net) : NULL;
  sf_SupervisorConfig config = {0};
  config.thing = o->thing;
  config.manifest = &d->manifest;
  config.settings = &d->settings;
  config.settingsShadow = &sf_settingsShadowSync;
  config.platform = hal;
  config.bootId = o->bootId;
  config.instructionBudget = o->instructionBudget;
  /* The TypeScript device's window (DEFAULT_IN_FLIGHT_WINDOW, firmware/comms/reliableOutbox.ts):
   * this network is a script, not the Cortex-M link the supervisor's smaller default leaves room
   * on, and both hosts must send the same (test/nativeEquivalence.test.ts's burst). */
  config.inFlightWindow = 32;
  config.onLog = o->onLog;
  config.onAppFailure = o->onAppFailure;
  config.context = o->context;
  d->supervisor = hal->net ? sf_supervisor_create(&config) : NULL;
  if (!d->supervisor) {
    snprintf(error, errorSize, "out of memory");
    sf_localDevice_destroy(d);
    return false;
  }
  hal_NetEvents events;
  sf_supervisor_netEvents(d->supervisor, &events);
  hal->net->ops->setEvents(hal->net, &events);
  if (!sf_supervisor_start(d->supervisor, d->snapshot, d->snapshotSize, error, errorSize)) {
    sf_localDevice_destroy(d);
    return false;
  }
  sf_localDevice_settle(d);
  return true;
}

void sf_localDevice_settle(sf_LocalDevice* d) {
  hal_Net* net = sf_scriptedNet_hal(d->net);
  while (sf_scriptedNet_pending(d->net)) net->ops->poll(net, 0);
}

void sf_localDevice_advanceTo(sf_LocalDevice* d, int64_t until) {
  for (;;) {
    int64_t due = sf_supervisor_nextTimerDue(d->supervisor);
    if (due > until) break;
    sf_posixPlatform_setManualTime(d->platform, due);
    sf_supervisor_fireNextTimer(d->supervisor, due);
  }
  sf_posixPlatform_setManualTime(d->platform, until);
}

void sf_localDevice_destroy(sf_LocalDevice* d) {
  sf_supervisor_destroy(d->supervisor);
  sf_scriptedNet_destroy(d->net);
  sf_posixPlatform_destroy(d->platform);
  free(d->snapshot);
  sf_settingDecls_free(&d->settings);
  *d = (sf_LocalDevice){0};
}
