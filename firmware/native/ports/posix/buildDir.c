#include "buildDir.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>

#include "../../ota/sha256.h"

/* The whole file, NUL-terminated; NULL when it can't be read. */
static uint8_t* readFile(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t* data = NULL;
  size_t length = 0, capacity = 0;
  for (;;) {
    if (length + 4096 + 1 > capacity) {
      capacity = capacity ? capacity * 2 : 65536;
      uint8_t* grown = realloc(data, capacity);
      if (!grown) {
        free(data);
        fclose(f);
        return NULL;
      }
      data = grown;
    }
    size_t n = fread(data + length, 1, 4096, f);
    length += n;
    if (n < 4096) break;
  }
  bool failed = ferror(f) != 0;
  fclose(f);
  if (failed) {
    free(data);
    return NULL;
  }
  data[length] = 0;
  *size = length;
  return data;
}

bool sf_buildDir_load(const char* directory, sf_Manifest* manifest, sf_SettingDecls* settings, uint8_t** snapshot, size_t* size, char* error, size_t errorSize) {
  char path[1024];
  size_t length;
  snprintf(path, sizeof path, "%s/manifest.json", directory);
  uint8_t* json = readFile(path, &length);
  if (!json) {
    snprintf(error, errorSize, "%s can't be read: is %s a build directory (snapfleet build writes one)?", path, directory);
    return false;
  }
  char problem[400];
  bool ok = sf_manifest_parse((const char*)json, length, manifest, problem, sizeof problem);
  sf_Text why;
  sf_text_init(&why, 300);
  if (ok && !sf_manifest_parseSettings((const char*)json, length, settings, &why)) {
    snprintf(problem, sizeof problem, "%.*s", (int)why.length, why.data ? why.data : "");
    ok = false;
  }
  sf_text_free(&why);
  free(json);
  if (!ok) {
    snprintf(error, errorSize, "%s: %s", path, problem);
    return false;
  }
  snprintf(path, sizeof path, "%s/device.snap", directory);
  *snapshot = readFile(path, size);
  if (!*snapshot) {
    sf_settingDecls_free(settings);
    snprintf(error, errorSize, "%s can't be read", path);
    return false;
  }
  char hex[SF_SHA256_HEX_CHARS + 1];
  sf_sha256_hex(*snapshot, *size, hex);
  if (*size != manifest->deviceSize || strcmp(hex, manifest->deviceSha256) != 0) {
    snprintf(error, errorSize, "device snapshot of %s does not match its manifest (%zu bytes, sha256 %.12s; the manifest says %u bytes, %.12s): rebuild it",
             manifest->app, *size, hex, manifest->deviceSize, manifest->deviceSha256);
    free(*snapshot);
    *snapshot = NULL;
    sf_settingDecls_free(settings);
    return false;
  }
  return true;
}
