/* The storage entry functions (../secureEntry.h): the state directory's blobs (the OTA record,
 * the settings) through the plain port's ../../mps2-an505/storage.c (semihosting files) built
 * into this image; the non-secure image asks here (../nonSecure/storage.c). */
#include <stdbool.h>

#include "../../posix/storage.h"
#include "../secureEntry.h"
#include "nonSecureMemory.h"

static sf_PosixStorage storage;
static bool opened;

int __attribute__((cmse_nonsecure_entry)) sf_secure_storageOpen(const char* directory, size_t length) {
  char path[SF_SECURE_TEXT_MAX];
  int checked = sf_ns_copyText(directory, length, path, sizeof path);
  if (checked != SF_SECURE_OK) return checked;
  opened = sf_posixStorage_init(&storage, path);
  return opened ? SF_SECURE_OK : HAL_STORAGE_IO_ERROR;
}

int __attribute__((cmse_nonsecure_entry)) sf_secure_storageRead(const char* name, size_t nameLength, uint8_t* buffer, size_t* size) {
  char copy[SF_SECURE_TEXT_MAX];
  int checked = sf_ns_copyText(name, nameLength, copy, sizeof copy);
  if (checked != SF_SECURE_OK) return checked;
  if (!sf_ns_accessible(size, sizeof *size, true)) return SF_SECURE_REFUSED_POINTER;
  size_t capacity = *size; /* read once: the buffer checked is the buffer used */
  if (!sf_ns_accessible(buffer, capacity, true)) return SF_SECURE_REFUSED_POINTER;
  if (!opened) return HAL_STORAGE_IO_ERROR;
  size_t found = 0;
  hal_StorageResult result = storage.base.ops->read(&storage.base, copy, buffer, capacity, &found);
  *size = found;
  return result;
}

int __attribute__((cmse_nonsecure_entry)) sf_secure_storageWrite(const char* name, size_t nameLength, const uint8_t* data, size_t length) {
  char copy[SF_SECURE_TEXT_MAX];
  int checked = sf_ns_copyText(name, nameLength, copy, sizeof copy);
  if (checked != SF_SECURE_OK) return checked;
  if (!sf_ns_accessible(data, length, false)) return SF_SECURE_REFUSED_POINTER;
  return opened ? storage.base.ops->write(&storage.base, copy, data, length) : HAL_STORAGE_IO_ERROR;
}

int __attribute__((cmse_nonsecure_entry)) sf_secure_storageRemove(const char* name, size_t nameLength) {
  char copy[SF_SECURE_TEXT_MAX];
  int checked = sf_ns_copyText(name, nameLength, copy, sizeof copy);
  if (checked != SF_SECURE_OK) return checked;
  return opened ? storage.base.ops->remove(&storage.base, copy) : HAL_STORAGE_IO_ERROR;
}
