/* hal/storage.h on the SAMD21's flash: each blob has a fixed region (the two app slots and the
 * OTA state, from the linker script) holding a 4-byte length and the bytes. The engine runs the
 * app's snapshot from its slot in place, so reading a slot into its own region copies nothing.
 * Size build only (not run here). Not yet done: the state blob is one copy, so a power cut while
 * it is rewritten loses it (the OTA agent then starts empty); two alternating rows would fix it. */
#include <stdbool.h>
#include <string.h>

#include "../../hal/storage.h"
#include "samd21.h"

extern uint8_t __slot_a[], __slot_b[], __state_area[];
extern uint8_t __slot_size[], __state_area_size[];

typedef struct Region {
  const char* name;
  uint8_t* start;
  size_t size;
} Region;

static bool regionOf(const char* name, Region* r) {
  static const char* const NAMES[3] = {"slot-a.sfpk", "slot-b.sfpk", "ota.state"};
  uint8_t* starts[3] = {__slot_a, __slot_b, __state_area};
  size_t sizes[3] = {(size_t)__slot_size, (size_t)__slot_size, (size_t)__state_area_size};
  for (int i = 0; i < 3; i++) {
    if (strcmp(name, NAMES[i]) != 0) continue;
    *r = (Region){NAMES[i], starts[i], sizes[i]};
    return true;
  }
  return false;
}

static void nvmWait(void) {
  while (!(NVMCTRL_INTFLAG & 1u)) {
  }
}

/* Erases the rows and writes page by page (manual write mode: the page buffer is filled by
 * 32-bit stores into the flash address space, then WP). */
static void nvmWrite(uint8_t* address, const uint8_t* data, size_t length) {
  NVMCTRL_CTRLB |= 1u << 7; /* MANW */
  for (size_t row = 0; row < length; row += NVM_ROW) {
    NVMCTRL_ADDR = (uint32_t)(address + row) / 2;
    NVMCTRL_CTRLA = NVMCTRL_CMD(NVMCTRL_ER);
    nvmWait();
  }
  for (size_t page = 0; page < length; page += NVM_PAGE) {
    NVMCTRL_CTRLA = NVMCTRL_CMD(NVMCTRL_PBC);
    nvmWait();
    volatile uint32_t* to = (volatile uint32_t*)(address + page);
    for (size_t i = 0; i < NVM_PAGE; i += 4) {
      uint32_t word = 0xFFFFFFFFu;
      size_t n = page + i < length ? length - page - i : 0;
      if (n) memcpy(&word, data + page + i, n < 4 ? n : 4);
      to[i / 4] = word;
    }
    NVMCTRL_ADDR = (uint32_t)(address + page) / 2;
    NVMCTRL_CTRLA = NVMCTRL_CMD(NVMCTRL_WP);
    nvmWait();
  }
}

static hal_StorageResult readBlob(hal_Storage* s, const char* name, uint8_t* buffer, size_t capacity, size_t* length) {
  (void)s;
  Region r;
  if (!regionOf(name, &r)) return HAL_STORAGE_IO_ERROR;
  uint32_t stored;
  memcpy(&stored, r.start, 4);
  if (stored == 0xFFFFFFFFu || stored == 0) return HAL_STORAGE_NOT_FOUND; /* erased */
  if (stored > r.size - 4) return HAL_STORAGE_IO_ERROR;
  *length = stored;
  if (stored > capacity) return HAL_STORAGE_TOO_LARGE;
  if (buffer != r.start + 4) memcpy(buffer, r.start + 4, stored);
  return HAL_STORAGE_OK;
}

static hal_StorageResult writeBlob(hal_Storage* s, const char* name, const uint8_t* data, size_t length) {
  (void)s;
  Region r;
  if (!regionOf(name, &r) || length > r.size - 4) return HAL_STORAGE_IO_ERROR;
  uint32_t header = (uint32_t)length;
  if (data != r.start + 4) nvmWrite(r.start + 4, data, length);
  nvmWrite(r.start, (const uint8_t*)&header, 4); /* the length last: a cut write reads as empty */
  return HAL_STORAGE_OK;
}

static hal_StorageResult removeBlob(hal_Storage* s, const char* name) {
  (void)s;
  Region r;
  if (!regionOf(name, &r)) return HAL_STORAGE_IO_ERROR;
  uint32_t erased = 0xFFFFFFFFu;
  nvmWrite(r.start, (const uint8_t*)&erased, 4);
  return HAL_STORAGE_OK;
}

static const hal_StorageOps OPS = {readBlob, writeBlob, removeBlob};
hal_Storage sf_flashStorage = {&OPS};

/* The app slots as memory the engine can read in place. */
uint8_t* sf_flashSlot(int i, size_t* capacity) {
  Region r;
  regionOf(i == 0 ? "slot-a.sfpk" : "slot-b.sfpk", &r);
  *capacity = r.size - 4;
  return r.start + 4;
}
