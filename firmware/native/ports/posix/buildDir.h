/* A build directory as `snapfleet build` writes it (core/contracts/buildOutput.ts): manifest.json
 * and device.snap. The snapshot's size and sha256 are checked against the manifest before the
 * engine sees a byte (verifySnapshot). */
#ifndef SF_BUILD_DIR_H
#define SF_BUILD_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/manifest.h"

/* *snapshot is malloc'd (free it), and so are `settings`' (sf_settingDecls_free). False with the reason in `error`. */
bool sf_buildDir_load(const char* directory, sf_Manifest* manifest, sf_SettingDecls* settings, uint8_t** snapshot, size_t* size, char* error, size_t errorSize);

#endif
