/* The scripted mode (firmware/scriptedDevice.ts is the TypeScript twin): a script of JSON lines
 * drives time and inputs, the device prints what it does as JSON lines; the same script gives
 * the same lines on both hosts (test/nativeEquivalence.test.ts).
 *
 * Script lines: {"advance":MS} · {"pin":"A2=const:3.3"} · {"deliver":"CHANNEL","value":V}
 * (optional "id":"<bootId>:<seq>", default "script:<n>"; "p":N the envelope's previous seq on the
 * topic, absent by default; "broadcast":true for the _all topic) ·
 * {"deliver":"CHANNEL","payload":"raw text"} · {"link":"down"} · {"link":"up"} ·
 * {"shadow":"get/accepted|get/rejected|update/delta|update/rejected","payload":"raw text"} (an
 * answer of the device's settings shadow, as the shadow service would publish it) ·
 * {"closeHandle":H} (the supervisor closes handle H and notifies the app).
 * Output lines: {"topic":T,"qos":Q,"retain":R,"payload":P} (P as published) ·
 * {"pin":NAME,"value":LEVEL,"t":MS} · {"echo":LINE} (app logs, supervisor events) ·
 * {"failure":MESSAGE,"fatal":B,"atStart":B} · at the end {"end":{...counters}}, then the device
 * stops (its offline status). */
#ifndef SF_SCRIPT_MODE_H
#define SF_SCRIPT_MODE_H

#include <stdio.h>

#include "localDevice.h"

/* Returns the exit status: 0, 1 (the device could not start), 2 (bad script line). */
int sf_runScript(sf_LocalDeviceOptions* options, FILE* script, const char* scriptName);

#endif
