#include "board.h"

#include <stdio.h>
#include <string.h>

#include "builtInBoards.h"

static sf_SimulatedPin* find(sf_PosixBoard* b, const char* label) {
  for (int i = 0; i < b->pinCount; i++)
    if (strcmp(b->pins[i].label, label) == 0) return &b->pins[i];
  return NULL;
}

static const char* boardName(hal_Board* board) {
  return ((sf_PosixBoard*)board)->name;
}

static bool hasPin(hal_Board* board, hal_PinKind kind, const char* label) {
  sf_SimulatedPin* p = find((sf_PosixBoard*)board, label);
  if (!p) return false;
  return kind == HAL_PIN_ANALOG ? (p->capabilities & SF_CAP_ANALOG_IN) != 0 : (p->capabilities & (SF_CAP_DIGITAL_IN | SF_CAP_DIGITAL_OUT)) != 0;
}

static double analogRead(hal_Board* board, const char* label, int64_t now) {
  sf_SimulatedPin* p = find((sf_PosixBoard*)board, label);
  return p ? sf_pinModel_read(&p->model, now) : 0;
}

static bool digitalRead(hal_Board* board, const char* label) {
  sf_SimulatedPin* p = find((sf_PosixBoard*)board, label);
  return p && p->level;
}

static bool digitalWrite(hal_Board* board, const char* label, bool level, int64_t now) {
  sf_PosixBoard* b = (sf_PosixBoard*)board;
  sf_SimulatedPin* p = find(b, label);
  if (!p || !(p->capabilities & SF_CAP_DIGITAL_OUT)) return false;
  p->level = level;
  if (b->onWrite) b->onWrite(b->writeContext, label, level, now);
  return true;
}

static const hal_BoardOps OPS = {boardName, hasPin, analogRead, digitalRead, digitalWrite};

void sf_posixBoard_init(sf_PosixBoard* b) {
  memset(b, 0, sizeof *b);
  b->base.ops = &OPS;
}

static bool applyModel(sf_PosixBoard* b, const char* label, const sf_PinModel* model, char* error, size_t errorSize) {
  sf_SimulatedPin* p = find(b, label);
  if (!p || !(p->capabilities & SF_CAP_ANALOG_IN)) {
    snprintf(error, errorSize, "pin model for %s: board \"%s\" has no analog pin \"%s\"", label, b->name, label);
    return false;
  }
  p->model = *model; /* shares csv rows with b->models: freed there */
  return true;
}

bool sf_posixBoard_addModel(sf_PosixBoard* b, const char* spec, char* error, size_t errorSize) {
  if (b->modelCount == SF_BOARD_MAX_PINS) {
    snprintf(error, errorSize, "too many pin models");
    return false;
  }
  char label[SF_MAX_NAME];
  sf_PinModel model;
  if (!sf_pinModel_parse(spec, label, sizeof label, &model, error, errorSize)) return false;
  /* a later spec for the same pin replaces the earlier one */
  int at = b->modelCount;
  for (int i = 0; i < b->modelCount; i++)
    if (strcmp(b->modelPins[i], label) == 0) at = i;
  if (at < b->modelCount) sf_pinModel_free(&b->models[at]);
  else b->modelCount++;
  strcpy(b->modelPins[at], label);
  b->models[at] = model;
  if (b->pinCount && find(b, label)) return applyModel(b, label, &b->models[at], error, errorSize);
  return true;
}

/* A pin of the board being prepared: its label lives in the board definition, the manifest or
 * the models, all unchanged while prepare runs. */
typedef struct NewPin {
  const char* label;
  unsigned capabilities;
} NewPin;

static void listPin(NewPin* list, int* count, const char* label, unsigned capabilities) {
  if (*count == SF_BOARD_MAX_PINS) return;
  for (int i = 0; i < *count; i++)
    if (strcmp(list[i].label, label) == 0) return;
  list[(*count)++] = (NewPin){label, capabilities};
}

bool sf_posixBoard_prepare(sf_PosixBoard* b, const sf_Manifest* manifest, char* error, size_t errorSize) {
  const char* name = manifest->board[0] ? manifest->board : SF_DEFAULT_BOARD;
  NewPin list[SF_BOARD_MAX_PINS];
  int count = 0;
  const sf_BoardDefinition* definition = NULL;
  for (int i = 0; i < SF_BUILT_IN_BOARD_COUNT; i++)
    if (strcmp(SF_BUILT_IN_BOARDS[i].name, name) == 0) definition = &SF_BUILT_IN_BOARDS[i];
  if (definition) {
    for (int i = 0; i < definition->pinCount; i++) listPin(list, &count, definition->pins[i].label, definition->pins[i].capabilities);
  } else {
    /* a board from a JSON file: the pins the app declared (the compiler checked them) */
    for (int i = 0; i < manifest->pinCount; i++)
      listPin(list, &count, manifest->pins[i].name, manifest->pins[i].digital ? SF_CAP_DIGITAL_IN | SF_CAP_DIGITAL_OUT : SF_CAP_ANALOG_IN);
    for (int i = 0; i < b->modelCount; i++) listPin(list, &count, b->modelPins[i], SF_CAP_ANALOG_IN);
  }
  /* the board outlives its apps: levels survive when it stays the same board (read from the
   * pins as they are before they are replaced: no copy of the board is kept) */
  bool same = strcmp(b->name, name) == 0;
  bool levels[SF_BOARD_MAX_PINS];
  for (int i = 0; i < count; i++) {
    sf_SimulatedPin* old = same ? find(b, list[i].label) : NULL;
    levels[i] = old && old->level;
  }
  snprintf(b->name, sizeof b->name, "%s", name);
  for (int i = 0; i < count; i++) {
    sf_SimulatedPin* p = &b->pins[i];
    snprintf(p->label, sizeof p->label, "%s", list[i].label);
    p->capabilities = list[i].capabilities;
    p->model = sf_pinModel_default();
    p->level = levels[i];
  }
  b->pinCount = count;
  for (int i = 0; i < b->modelCount; i++)
    if (!applyModel(b, b->modelPins[i], &b->models[i], error, errorSize)) return false;
  return true;
}

void sf_posixBoard_free(sf_PosixBoard* b) {
  for (int i = 0; i < b->modelCount; i++) sf_pinModel_free(&b->models[i]);
  b->modelCount = 0;
}
