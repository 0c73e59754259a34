#include "jobDocument.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void problem(char* error, size_t errorSize, size_t* used, const char* text) {
  if (*used >= errorSize) return;
  int n = snprintf(error + *used, errorSize - *used, "%s%s", *used > strlen("invalid OTA job document: ") ? "; " : "", text);
  if (n > 0) *used += (size_t)n;
}

static const char* nonEmptyString(const cJSON* d, const char* key) {
  const cJSON* v = cJSON_GetObjectItemCaseSensitive(d, key);
  return cJSON_IsString(v) && v->valuestring[0] != '\0' ? v->valuestring : NULL;
}

static void copy(char* out, size_t size, const char* value) { snprintf(out, size, "%s", value ? value : ""); }

int sf_jobDocument_parse(const cJSON* d, sf_JobDocument* out, char* error, size_t errorSize) {
  if (!cJSON_IsObject(d)) {
    snprintf(error, errorSize, "job document is not an object");
    return -1;
  }
  size_t used = (size_t)snprintf(error, errorSize, "invalid OTA job document: ");
  size_t before = used;
  const cJSON* operation = cJSON_GetObjectItemCaseSensitive(d, "operation");
  if (!cJSON_IsString(operation) || strcmp(operation->valuestring, "snapfleet.install") != 0) {
    char text[200];
    snprintf(text, sizeof text, "operation is %.100s, expected \"snapfleet.install\"", cJSON_IsString(operation) ? operation->valuestring : "not a string");
    problem(error, errorSize, &used, text);
  }
  const char* keys[] = {"app", "version", "sha256", "url", "engine"};
  for (size_t i = 0; i < 5; i++) {
    if (!nonEmptyString(d, keys[i])) {
      char text[80];
      snprintf(text, sizeof text, "%s must be a non-empty string", keys[i]);
      problem(error, errorSize, &used, text);
    }
  }
  const char* sha = nonEmptyString(d, "sha256");
  if (sha) {
    bool hex = strlen(sha) == 64;
    for (size_t i = 0; hex && i < 64; i++) hex = (sha[i] >= '0' && sha[i] <= '9') || (sha[i] >= 'a' && sha[i] <= 'f');
    if (!hex) problem(error, errorSize, &used, "sha256 must be 64 lowercase hex digits");
  }
  const cJSON* size = cJSON_GetObjectItemCaseSensitive(d, "size");
  double s = cJSON_IsNumber(size) ? size->valuedouble : -1;
  if (!(s >= 1 && s <= SF_MAX_DEVICE_PACKAGE_BYTES && floor(s) == s)) {
    problem(error, errorSize, &used, "size must be an integer from 1 to 131072 (a 64 KB Microvium snapshot plus its manifest)");
  }
  const char* version = nonEmptyString(d, "version");
  const char* url = nonEmptyString(d, "url");
  const char* engine = nonEmptyString(d, "engine");
  const char* app = nonEmptyString(d, "app");
  if (used == before) {
    if (strlen(version) > 64 || strlen(url) >= sizeof out->url || strlen(engine) >= sizeof out->engine || strlen(app) > 64) {
      problem(error, errorSize, &used, "a field is longer than this firmware accepts (version 64, url 4095, engine 127, app 64 characters)");
    }
  }
  if (used != before) return -1;
  copy(out->app, sizeof out->app, app);
  copy(out->version, sizeof out->version, version);
  copy(out->sha256, sizeof out->sha256, sha);
  copy(out->url, sizeof out->url, url);
  copy(out->engine, sizeof out->engine, engine);
  out->size = (size_t)s;
  error[0] = '\0';
  return 0;
}
