/* What a simulated analog pin reads over time (firmware/pinModel.ts): `const:V`,
 * `sine:MIN:MAX[:PERIOD_S]`, `csv:FILE` (rows of seconds,value, held until the next row,
 * looping). Parsed from the CLI's PIN=MODEL specs. */
#ifndef SF_POSIX_PIN_MODEL_H
#define SF_POSIX_PIN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sf_PinModelKind { SF_MODEL_CONST, SF_MODEL_SINE, SF_MODEL_CSV } sf_PinModelKind;

typedef struct sf_PinModel {
  sf_PinModelKind kind;
  double value, min, max, periodSeconds;
  /* csv rows: time (ms) and value */
  double* rowAt;
  double* rowValue;
  size_t rowCount;
  /* csv: the time of the first reading, where the trace starts (pinModel.ts's csvModel) */
  bool started;
  int64_t origin;
} sf_PinModel;

/* `spec` is "PIN=MODEL"; writes the pin label (at most pinSize - 1 chars). False with the
 * reason (as parsePinSpec words it) in `error`. */
bool sf_pinModel_parse(const char* spec, char* pin, size_t pinSize, sf_PinModel* model, char* error, size_t errorSize);
double sf_pinModel_read(sf_PinModel* model, int64_t timeMs);
void sf_pinModel_free(sf_PinModel* model);
/* The default for analog inputs without a model: a slow 20-30 sine (60 s). */
sf_PinModel sf_pinModel_default(void);

#endif
