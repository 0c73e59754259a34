#include "pinModel.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hal/platform.h"

/* csv:FILE models read a file; a board without a file system (the Cortex-M0+) builds with 0. */
#ifndef SF_PIN_MODEL_FILES
#define SF_PIN_MODEL_FILES 1
#endif

sf_PinModel sf_pinModel_default(void) {
  sf_PinModel m = {SF_MODEL_SINE, 0, 20, 30, 60, NULL, NULL, 0, false, 0};
  return m;
}

double sf_pinModel_read(sf_PinModel* m, int64_t t) {
  switch (m->kind) {
    case SF_MODEL_CONST:
      return m->value;
    case SF_MODEL_SINE:
      /* the same expression as pinModel.ts's sineModel, evaluated in the same order */
      return m->min + ((m->max - m->min) * (1 + sin((2 * M_PI * (double)t) / (m->periodSeconds * 1000)))) / 2;
    case SF_MODEL_CSV: {
      if (!m->started) {
        m->started = true;
        m->origin = t;
      }
      double span = m->rowAt[m->rowCount - 1] + 1000;
      double local = fmod((double)(t - m->origin), span);
      double value = m->rowValue[0];
      for (size_t i = 0; i < m->rowCount; i++)
        if (m->rowAt[i] <= local) value = m->rowValue[i];
      return value;
    }
  }
  return 0;
}

void sf_pinModel_free(sf_PinModel* m) {
  free(m->rowAt);
  free(m->rowValue);
  m->rowAt = m->rowValue = NULL;
  m->rowCount = 0;
}

/* Number(text) for a CSV cell or spec part: the whole text must be a number. */
static bool number(const char* text, double* out) {
  while (isspace((unsigned char)*text)) text++;
  if (!*text) {
    *out = 0; /* Number("") is 0 */
    return true;
  }
  size_t used;
  *out = hal_parseDouble(text, &used); /* the C library's strtod on POSIX */
  const char* end = text + used;
  while (isspace((unsigned char)*end)) end++;
  return *end == 0;
}

static bool loadCsv(const char* file, sf_PinModel* m, char* error, size_t errorSize) {
#if !SF_PIN_MODEL_FILES
  (void)m;
  snprintf(error, errorSize, "%s: this board has no file system for csv pin models; use sine or const", file);
  return false;
#else
  FILE* f = fopen(file, "r");
  if (!f) {
    snprintf(error, errorSize, "%s: can't be read", file);
    return false;
  }
  char line[512];
  size_t capacity = 0;
  while (fgets(line, sizeof line, f)) {
    char* comma = strchr(line, ',');
    if (!comma) continue;
    *comma = 0;
    char* second = comma + 1;
    char* next = strchr(second, ',');
    if (next) *next = 0;
    second[strcspn(second, "\r\n")] = 0;
    double at, value;
    const char* first = line;
    while (isspace((unsigned char)*first)) first++;
    if (!*first || !number(line, &at) || !number(second, &value)) continue;
    if (m->rowCount == capacity) {
      capacity = capacity ? capacity * 2 : 64;
      m->rowAt = realloc(m->rowAt, capacity * sizeof *m->rowAt);
      m->rowValue = realloc(m->rowValue, capacity * sizeof *m->rowValue);
      if (!m->rowAt || !m->rowValue) break;
    }
    m->rowAt[m->rowCount] = at * 1000;
    m->rowValue[m->rowCount++] = value;
  }
  fclose(f);
  if (m->rowCount == 0) {
    snprintf(error, errorSize, "%s: no \"seconds,value\" rows found", file);
    sf_pinModel_free(m);
    return false;
  }
  return true;
#endif
}

bool sf_pinModel_parse(const char* spec, char* pin, size_t pinSize, sf_PinModel* m, char* error, size_t errorSize) {
  const char* equals = strchr(spec, '=');
  size_t labelLength = equals ? (size_t)(equals - spec) : 0;
  bool validLabel = labelLength > 0 && labelLength < pinSize && isalpha((unsigned char)spec[0]);
  for (size_t i = 0; validLabel && i < labelLength; i++) validLabel = isalnum((unsigned char)spec[i]) || spec[i] == '_';
  if (!validLabel) {
    snprintf(error, errorSize, "pin spec \"%s\" is invalid; use PIN=sine:MIN:MAX[:PERIOD_S], PIN=const:VALUE or PIN=csv:FILE", spec);
    return false;
  }
  memcpy(pin, spec, labelLength);
  pin[labelLength] = 0;
  const char* kind = equals + 1;
  const char* colon = strchr(kind, ':');
  size_t kindLength = colon ? (size_t)(colon - kind) : strlen(kind);
  const char* rest = colon ? colon + 1 : "";
  memset(m, 0, sizeof *m);
  double numbers[4];
  int count = 0;
  bool bad = false;
  for (const char* p = rest; *p && count < 4;) {
    const char* end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n) {
      char part[64];
      snprintf(part, sizeof part, "%.*s", (int)n, p);
      if (!number(part, &numbers[count++])) bad = true;
    }
    p += n + (end ? 1 : 0);
  }
  if (kindLength == 4 && strncmp(kind, "sine", 4) == 0) {
    if (count < 2 || bad) {
      snprintf(error, errorSize, "pin spec \"%s\": sine needs MIN:MAX[:PERIOD_S] as numbers", spec);
      return false;
    }
    m->kind = SF_MODEL_SINE;
    m->min = numbers[0];
    m->max = numbers[1];
    m->periodSeconds = count > 2 ? numbers[2] : 60;
    return true;
  }
  if (kindLength == 5 && strncmp(kind, "const", 5) == 0) {
    if (count != 1 || bad) {
      snprintf(error, errorSize, "pin spec \"%s\": const needs VALUE as numbers", spec);
      return false;
    }
    m->kind = SF_MODEL_CONST;
    m->value = numbers[0];
    return true;
  }
  if (kindLength == 3 && strncmp(kind, "csv", 3) == 0) {
    if (!*rest) {
      snprintf(error, errorSize, "pin spec \"%s\": csv needs a file, e.g. A2=csv:temps.csv", spec);
      return false;
    }
    m->kind = SF_MODEL_CSV;
    return loadCsv(rest, m, error, errorSize);
  }
  snprintf(error, errorSize, "pin spec \"%s\": unknown model \"%.*s\"; use sine, const or csv", spec, (int)kindLength, kind);
  return false;
}
