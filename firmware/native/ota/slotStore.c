#include "slotStore.h"

#include "reasonText.h"
#include "sf_deviceTexts.h"

#define STATE_BLOB "ota.state"
#define STATE_HEADER "snapfleet-ota 1\n"
#define STATE_MAX_BYTES 512

static const char* const SLOT_BLOBS[2] = {"slot-a.sfpk", "slot-b.sfpk"};

const char* sf_slot_name(int slot) { return slot == 0 ? "a" : slot == 1 ? "b" : "-"; }

static void emptyState(sf_SlotState* s) {
  s->active = SF_SLOT_NONE;
  s->versions[0][0] = '\0';
  s->versions[1][0] = '\0';
  s->trial = SF_SLOT_NONE;
  s->trialJob[0] = '\0';
}

size_t sf_slots_encode(const sf_SlotState* state, char* out, size_t capacity) {
  sf_Reason t = sf_reason_on(out, capacity);
  sf_reason_add(&t, STATE_HEADER "active ");
  sf_reason_add(&t, sf_slot_name(state->active));
  for (int slot = 0; slot < 2; slot++) {
    sf_reason_add(&t, slot == 0 ? "\na " : "\nb ");
    sf_reason_add(&t, state->versions[slot][0] ? state->versions[slot] : "-");
  }
  sf_reason_add(&t, "\ntrial ");
  sf_reason_add(&t, sf_slot_name(state->trial));
  sf_reason_add(&t, " ");
  sf_reason_add(&t, state->trial != SF_SLOT_NONE ? state->trialJob : "-");
  sf_reason_add(&t, "\n");
  char check[SF_SHA256_HEX_CHARS + 1];
  sf_sha256_hex((const uint8_t *)out, t.length, check);
  sf_reason_add(&t, "check ");
  sf_reason_add(&t, check);
  sf_reason_add(&t, "\n");
  return t.length;
}

/* A cursor over the state text: each read takes one expected word or token. */
typedef struct {
  const char* text;
  size_t length;
  size_t at;
} cursor;

static bool take(cursor *c, const char* word) {
  size_t n = sf_strlen(word);
  if (c->length - c->at < n) return false;
  for (size_t i = 0; i < n; i++) {
    if (c->text[c->at + i] != word[i]) return false;
  }
  c->at += n;
  return true;
}

static bool takeSlot(cursor *c, int *slot) {
  if (take(c, "a")) *slot = 0;
  else if (take(c, "b")) *slot = 1;
  else if (take(c, "-")) *slot = SF_SLOT_NONE;
  else return false;
  return true;
}

static bool isHex(char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); }
static bool isJobChar(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '-';
}

/* A version (64 hex digits) or "-" into out (64 + 1 chars). */
static bool takeVersion(cursor *c, char* out) {
  if (take(c, "-")) {
    out[0] = '\0';
    return true;
  }
  if (c->length - c->at < SF_SHA256_HEX_CHARS) return false;
  for (size_t i = 0; i < SF_SHA256_HEX_CHARS; i++) {
    char ch = c->text[c->at + i];
    if (!isHex(ch)) return false;
    out[i] = ch;
  }
  out[SF_SHA256_HEX_CHARS] = '\0';
  c->at += SF_SHA256_HEX_CHARS;
  return true;
}

static bool takeJob(cursor *c, char* out) {
  size_t n = 0;
  while (c->at < c->length && isJobChar(c->text[c->at])) {
    if (n == SF_JOB_ID_MAX) return false;
    out[n++] = c->text[c->at++];
  }
  out[n] = '\0';
  return n > 0;
}

int sf_slots_decode(const char* text, size_t length, sf_SlotState* state) {
  sf_SlotState s;
  emptyState(&s);
  cursor c = {text, length, 0};
  if (!take(&c, STATE_HEADER "active ") || !takeSlot(&c, &s.active)) return -1;
  if (!take(&c, "\na ") || !takeVersion(&c, s.versions[0])) return -1;
  if (!take(&c, "\nb ") || !takeVersion(&c, s.versions[1])) return -1;
  if (!take(&c, "\ntrial ") || !takeSlot(&c, &s.trial) || !take(&c, " ")) return -1;
  if (s.trial == SF_SLOT_NONE) {
    if (!take(&c, "-")) return -1;
  } else if (!takeJob(&c, s.trialJob)) {
    return -1;
  }
  if (!take(&c, "\n")) return -1;
  size_t body = c.at;
  char expected[SF_SHA256_HEX_CHARS + 1];
  sf_sha256_hex((const uint8_t *)text, body, expected);
  char check[SF_SHA256_HEX_CHARS + 1];
  if (!take(&c, "check ") || !takeVersion(&c, check) || check[0] == '\0' || !take(&c, "\n") || c.at != length) return -1;
  if (!sf_streq(check, expected)) return -1;
  /* Consistent references: an active or trial slot must hold a version. */
  if (s.active != SF_SLOT_NONE && s.versions[s.active][0] == '\0') return -1;
  if (s.trial != SF_SLOT_NONE && (s.trial == s.active || s.versions[s.trial][0] == '\0')) return -1;
  *state = s;
  return 0;
}

static int save(sf_SlotStore* store, char* error, size_t errorSize) {
  char text[STATE_MAX_BYTES];
  size_t length = sf_slots_encode(&store->state, text, sizeof text);
  hal_StorageResult r = store->storage->ops->write(store->storage, STATE_BLOB, (const uint8_t *)text, length);
  if (r == HAL_STORAGE_OK) return 0;
  sf_Reason e = sf_reason_on(error, errorSize);
  sf_reason_add(&e, SF_TX_COULD_NOT_SAVE_OTA_STATE STATE_BLOB SF_TX_PAREN_STORAGE_ERROR);
  sf_reason_addUint(&e, (unsigned long)r);
  return -1;
}

int sf_slots_open(sf_SlotStore* store, hal_Storage* storage, char* error, size_t errorSize) {
  store->storage = storage;
  emptyState(&store->state);
  char text[STATE_MAX_BYTES];
  size_t length = 0;
  hal_StorageResult r = storage->ops->read(storage, STATE_BLOB, (uint8_t *)text, sizeof text, &length);
  if (r == HAL_STORAGE_NOT_FOUND) return 0;
  sf_Reason e = sf_reason_on(error, errorSize);
  if (r != HAL_STORAGE_OK) {
    sf_reason_add(&e, SF_TX_OTA_STATE STATE_BLOB SF_TX_COULD_NOT_BE_READ_STORAGE);
    sf_reason_addUint(&e, (unsigned long)r);
    sf_reason_add(&e, SF_TX_STARTING_WITH_NO_APP_INSTALLED);
    return -1;
  }
  if (sf_slots_decode(text, length, &store->state) != 0) {
    emptyState(&store->state);
    sf_reason_add(&e, SF_TX_OTA_STATE STATE_BLOB SF_TX_DAMAGED_CHECK_LINE_DOES_NOT);
    return -1;
  }
  return 0;
}

const char* sf_slots_activeVersion(const sf_SlotStore* store) {
  return store->state.active == SF_SLOT_NONE ? "" : store->state.versions[store->state.active];
}

int sf_slots_inactive(const sf_SlotStore* store) { return store->state.active == 0 ? 1 : 0; }

int sf_slots_previous(const sf_SlotStore* store) {
  if (store->state.active == SF_SLOT_NONE) return SF_SLOT_NONE;
  int other = sf_slots_inactive(store);
  const char* version = store->state.versions[other];
  if (version[0] == '\0' || sf_streq(version, sf_slots_activeVersion(store))) return SF_SLOT_NONE;
  return other;
}

int sf_slots_read(sf_SlotStore* store, int slot, uint8_t* buffer, size_t capacity, size_t* length, char* error, size_t errorSize) {
  hal_StorageResult r = store->storage->ops->read(store->storage, SLOT_BLOBS[slot], buffer, capacity, length);
  if (r == HAL_STORAGE_OK) return 0;
  sf_Reason e = sf_reason_on(error, errorSize);
  sf_reason_add(&e, "slot ");
  sf_reason_add(&e, sf_slot_name(slot));
  sf_reason_add(&e, r == HAL_STORAGE_NOT_FOUND ? SF_TX_MISSING_FROM_STORAGE : r == HAL_STORAGE_TOO_LARGE ? SF_TX_LARGER_THAN_DEVICE_PACKAGE_MAY : SF_TX_COULD_NOT_BE_READ);
  return -1;
}

int sf_slots_stage(sf_SlotStore* store, int slot, const uint8_t* bytes, size_t length, const char* version, char* error, size_t errorSize) {
  sf_Reason e = sf_reason_on(error, errorSize);
  if (slot == store->state.active || slot == SF_SLOT_NONE) {
    sf_reason_add(&e, SF_TX_REFUSING_STAGE_OVER_ACTIVE_SLOT);
    return -1;
  }
  /* Forget first: a power cut while the slot is written must not leave an old version's name
   * on new bytes. */
  store->state.versions[slot][0] = '\0';
  if (store->state.trial == slot) store->state.trial = SF_SLOT_NONE;
  if (save(store, error, errorSize) != 0) return -1;
  hal_StorageResult r = store->storage->ops->write(store->storage, SLOT_BLOBS[slot], bytes, length);
  if (r != HAL_STORAGE_OK) {
    sf_reason_add(&e, SF_TX_COULD_NOT_WRITE_SLOT);
    sf_reason_add(&e, sf_slot_name(slot));
    sf_reason_add(&e, SF_TX_STORAGE_ERROR);
    sf_reason_addUint(&e, (unsigned long)r);
    return -1;
  }
  sf_Reason x = sf_reason_on(store->state.versions[slot], SF_SHA256_HEX_CHARS + 1);
  sf_reason_add(&x, version);
  return save(store, error, errorSize);
}

int sf_slots_beginTrial(sf_SlotStore* store, int slot, const char* jobId, char* error, size_t errorSize) {
  store->state.trial = slot;
  sf_Reason j = sf_reason_on(store->state.trialJob, SF_JOB_ID_MAX + 1);
  sf_reason_add(&j, jobId);
  return save(store, error, errorSize);
}

int sf_slots_confirm(sf_SlotStore* store, char* error, size_t errorSize) {
  if (store->state.trial == SF_SLOT_NONE) return 0;
  store->state.active = store->state.trial;
  store->state.trial = SF_SLOT_NONE;
  store->state.trialJob[0] = '\0';
  return save(store, error, errorSize);
}

int sf_slots_abandonTrial(sf_SlotStore* store, char* error, size_t errorSize) {
  if (store->state.trial == SF_SLOT_NONE) return 0;
  store->state.versions[store->state.trial][0] = '\0';
  store->state.trial = SF_SLOT_NONE;
  store->state.trialJob[0] = '\0';
  return save(store, error, errorSize);
}

int sf_slots_rollBackTo(sf_SlotStore* store, int slot, char* error, size_t errorSize) {
  int failed = store->state.active;
  store->state.active = slot;
  if (failed != SF_SLOT_NONE && failed != slot) store->state.versions[failed][0] = '\0';
  return save(store, error, errorSize);
}
